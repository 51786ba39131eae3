// Decides, per connection, whether a gRPC client needs the authority fix-up (authority-fixup.ts) or can be
// handed to Node's HTTP/2 server as the bare TCP socket.
//
// Why: the fix-up is a JavaScript Duplex, so Node serves it through its JS stream wrapper (every read and write
// crosses into JavaScript, responses leave as several small writes) and it decodes and re-encodes every header
// block. Only Go clients dialing through gRPC's passthrough resolver (etcdctl endpoint status, hashkv, defrag,
// move-leader) put a URL in :authority, and a gRPC client keeps one :authority per connection, so the first
// request's header block decides for the whole connection.
//
// A Go gRPC client sends nothing until the server's connection preface (a SETTINGS frame) arrived, so we send an
// empty SETTINGS frame at once; its ACK from the client is cut out of the bytes before Node's server (which sends
// its own SETTINGS next) sees them, since an ACK for settings it never sent is a protocol error to it. The bytes
// read while deciding are handed over with the socket; nothing is lost or reordered.
//
// A client may open its connection long before its first request (clients connect at start; the apiserver's
// and the bench's do). Such a connection is not given up on: it stays undecided, and the sniffer answers its
// keepalive PINGs meanwhile. Only a connection silent before its preface, one whose request is not followed by
// the ACK of our SETTINGS within the same bound, or one sending more than the buffer bound without a request,
// takes the fix-up path, which serves anything.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { assert } from '../../raft/assert.ts';
import { HpackDecoder } from './hpack-decoder.ts';
import { AuthorityFixupSocket, normalizeAuthority } from './authority-fixup.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** The start of an HTTP/1.x request line: a method token and a space. */
const HTTP1_REQUEST_LINE = /^[A-Z]{3,10} /;
const FRAME_HEADER_BYTES = 9;
const TYPE_HEADERS = 0x1;
const TYPE_SETTINGS = 0x4;
const TYPE_PING = 0x6;
const PING_PAYLOAD_BYTES = 8;
const TYPE_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** An empty SETTINGS frame: the server's connection preface with every setting at its default. */
export const EMPTY_SETTINGS_FRAME = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);

/**
 * How the connection continues: its bytes so far (our SETTINGS' ACK cut out, if it came), and the path. 'http1':
 * the client speaks HTTP/1.x (curl on /health, etcdctl check datascale on /metrics), as etcd's client port also
 * serves; only when the caller asked for it (SniffLimits.http1), and nothing of ours was written to it yet.
 */
export interface SniffDecision {
  path: 'native' | 'fixup' | 'http1';
  buffered: Buffer;
  /** The client's ACK of our SETTINGS is still to come: the fix-up must drop it. */
  ackPending: boolean;
}

export interface SniffLimits {
  /** Beyond this many bytes without a decision the connection takes the fix-up path. */
  bufferedBytesMax: number;
  /** A connection that sends no connection preface this long takes the fix-up path. */
  decideWithinMs: number;
  /** A connection that opens with an HTTP/1.x request line is decided 'http1' (else Node's HTTP/2 server refuses it). */
  http1?: boolean;
}

export const DEFAULT_SNIFF_LIMITS: SniffLimits = { bufferedBytesMax: 1 << 20, decideWithinMs: 1_000 };

/**
 * Reads the start of a connection until it can decide, then calls `decide` once with the socket paused and
 * no listener of ours left on it. A socket that fails or closes first is destroyed and `decide` is not called.
 */
export function sniffConnection(socket: Socket, decide: (d: SniffDecision) => void, limits: SniffLimits = DEFAULT_SNIFF_LIMITS): void {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let pending: Buffer = Buffer.alloc(0);
  let prefaceChecked = false;
  let settingsSent = false;
  let ackSeen = false;
  let authority: string | undefined;
  let block: Buffer[] | undefined;
  let done = false;

  const finish = (path: SniffDecision['path']): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onGone);
    socket.off('close', onGone);
    socket.off('end', onGone);
    socket.pause();
    decide({ path, buffered: Buffer.concat([...kept, pending]), ackPending: settingsSent && !ackSeen });
  };
  const onGone = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
  };
  const keep = (b: Buffer): void => {
    kept.push(b);
    keptBytes += b.length;
  };

  const onData = (chunk: Buffer): void => {
    let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    if (!prefaceChecked) {
      // Decided as soon as the bytes part from the preface: a short HTTP/1.0 request may be all there is.
      const n = Math.min(buf.length, PREFACE.length);
      if (!buf.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        pending = buf;
        // A method token cut short by the network ("GE"): wait for the space that ends it.
        if (limits.http1 === true && /^[A-Z]{1,10}$/.test(buf.toString('latin1'))) return;
        prefaceChecked = true;
        // Not HTTP/2 with prior knowledge: HTTP/1.x when asked for, else Node's server refuses it properly.
        return finish(limits.http1 === true && HTTP1_REQUEST_LINE.test(buf.subarray(0, 16).toString('latin1')) ? 'http1' : 'native');
      }
      if (buf.length < PREFACE.length) {
        pending = buf;
        return;
      }
      prefaceChecked = true;
      keep(buf.subarray(0, PREFACE.length));
      buf = buf.subarray(PREFACE.length);
      // The server preface goes out once the client's arrived (an HTTP/1 client must not see it); a Go gRPC
      // client sends its preface at once but no request until it has ours.
      socket.write(EMPTY_SETTINGS_FRAME);
      settingsSent = true;
      clearTimeout(timer); // a client that sent its preface is waited for until its first request
    }
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_BYTES) {
      const length = buf.readUIntBE(at, 3);
      const end = at + FRAME_HEADER_BYTES + length;
      if (end > buf.length) break;
      const frame = buf.subarray(at, end);
      at = end;
      const type = frame[3];
      const flags = frame[4];
      if (!ackSeen && type === TYPE_SETTINGS && (flags & FLAG_ACK) !== 0 && length === 0) {
        ackSeen = true; // ours: cut out
      } else if (type === TYPE_PING && (flags & FLAG_ACK) === 0 && length === PING_PAYLOAD_BYTES && frame.readUInt32BE(5) === 0) {
        // A keepalive while undecided: answered here and cut out, so Node's server does not answer it again.
        const ack = Buffer.from(frame);
        ack[4] = FLAG_ACK;
        socket.write(ack);
      } else {
        keep(frame);
      }
      if (authority === undefined && (type === TYPE_HEADERS || (type === TYPE_CONTINUATION && block !== undefined))) {
        const fragment = type === TYPE_HEADERS ? headerFragment(frame.subarray(FRAME_HEADER_BYTES), flags) : frame.subarray(FRAME_HEADER_BYTES);
        if (fragment === undefined) return finishRest(buf, at, 'native');
        (block ??= []).push(fragment);
        if ((flags & FLAG_END_HEADERS) !== 0) {
          authority = firstAuthority(Buffer.concat(block));
          if (authority === undefined) return finishRest(buf, at, 'native'); // undecodable: Node's server says so
          // A request is in but not the ACK of our SETTINGS: a client that never sends it is served through the
          // fix-up (which drops a late ACK) rather than left waiting.
          if (!ackSeen) timer = setTimeout(() => finish('fixup'), limits.decideWithinMs);
        }
      }
      if (authority !== undefined && ackSeen) return finishRest(buf, at, normalizeAuthority(authority) === authority ? 'native' : 'fixup');
    }
    pending = Buffer.from(buf.subarray(at));
    if (keptBytes + pending.length > limits.bufferedBytesMax) finish('fixup');
  };
  const finishRest = (buf: Buffer, at: number, path: 'native' | 'fixup'): void => {
    pending = buf.subarray(at);
    finish(path);
  };

  let timer = setTimeout(() => finish('fixup'), limits.decideWithinMs);
  socket.on('data', onData);
  socket.on('error', onGone);
  socket.on('close', onGone);
  socket.on('end', onGone);
}

/**
 * The stream to hand to Node's HTTP/2 server once decided: the socket itself, with the bytes read so far put
 * back (Node reads them before its native reads), or the fix-up around it.
 */
export function streamForDecision(socket: Socket, d: SniffDecision): Duplex {
  assert(d.path !== 'http1', 'an HTTP/1 connection goes to an HTTP/1 server');
  if (d.path === 'fixup') return new AuthorityFixupSocket(socket, { initial: d.buffered, dropSettingsAck: d.ackPending });
  if (d.buffered.length > 0) socket.unshift(d.buffered);
  return socket;
}

/** A HEADERS frame's header block fragment (padding and priority stripped); undefined when malformed. */
function headerFragment(payload: Buffer, flags: number): Buffer | undefined {
  let start = 0;
  let padding = 0;
  if ((flags & FLAG_PADDED) !== 0) {
    if (payload.length < 1) return undefined;
    padding = payload[0];
    start = 1;
  }
  if ((flags & FLAG_PRIORITY) !== 0) start += 5;
  if (start + padding > payload.length) return undefined;
  return payload.subarray(start, payload.length - padding);
}

/** The :authority of the connection's first header block (decoded with a fresh table); '' when absent. */
function firstAuthority(block: Buffer): string | undefined {
  try {
    const fields = new HpackDecoder().decode(block);
    return fields.find(([name]) => name === ':authority')?.[1] ?? '';
  } catch {
    return undefined;
  }
}
