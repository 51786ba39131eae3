// An HTTP upgrade request (kubectl exec, attach, port-forward) runs through the same authentication, authorization
// and routing as any other: the server wraps its socket in a ServerResponse for the refusals, and remembers here
// the socket and the bytes read past the headers, for the handler that takes the connection over.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface UpgradeRequest {
  socket: Duplex;
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, UpgradeRequest>();

export function upgradeOf(req: IncomingMessage): UpgradeRequest | undefined {
  return upgrades.get(req);
}

/** A response on the raw socket of an upgrade request; the connection closes after a refusal. */
export function upgradeResponse(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse {
  upgrades.set(req, { socket, head });
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => socket.end());
  return res;
}
