// The HTTP side of a kubelet streaming call (exec, port-forward): the client asks to upgrade to SPDY/3.1 and names
// the stream protocols it speaks in X-Stream-Protocol-Version, most preferred first; we pick the first we serve
// and answer 101, or refuse with the kubelet's texts (http.Error: plain text and a newline). A WebSocket upgrade
// is refused like any other, which is what makes newer kubectl fall back to SPDY.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export const PROTOCOL_HEADER = 'X-Stream-Protocol-Version';

/** Writes a complete HTTP/1.1 error response on a raw socket and closes it. */
export function refuseUpgrade(socket: Duplex, code: number, text: string, extraHeaders: Record<string, string[]> = {}): void {
  const body = `${text}\n`;
  const lines = [
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`,
    'Content-Type: text/plain; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  for (const [name, values] of Object.entries(extraHeaders)) for (const v of values) lines.push(`${name}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** The protocols the client offers, from every X-Stream-Protocol-Version header (each may list several). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct[PROTOCOL_HEADER.toLowerCase()] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Answers the upgrade: the negotiated protocol after writing 101, or undefined after writing the refusal.
 * A client that names no protocol gets the first we serve (the kubelet's legacy default).
 */
export function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, served: readonly string[]): string | undefined {
  const connection = (req.headers.connection ?? '').toLowerCase();
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (!connection.split(',').some((t) => t.trim() === 'upgrade') || upgrade !== 'spdy/3.1') {
    refuseUpgrade(socket, 400, `unable to upgrade: missing upgrade headers in request: ${goHeaderMap(req)}`);
    return undefined;
  }
  const offered = offeredProtocols(req);
  const chosen = offered.length === 0 ? served[0] : offered.find((p) => served.includes(p));
  if (chosen === undefined) {
    refuseUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${served.join(' ')}]`, { [PROTOCOL_HEADER]: [...served] });
    return undefined;
  }
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `${PROTOCOL_HEADER}: ${chosen}`, '', ''].join('\r\n'));
  return chosen;
}

/** The request's headers as Go's %#v prints an http.Header, which the kubelet's refusal quotes. */
function goHeaderMap(req: IncomingMessage): string {
  const entries = Object.entries(req.headersDistinct).map(([name, values]) => `"${canonical(name)}":[]string{${(values ?? []).map((v) => JSON.stringify(v)).join(', ')}}`);
  return `http.Header{${entries.join(', ')}}`;
}

function canonical(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
}
