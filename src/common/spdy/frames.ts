// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 as amended by 3.1): an 8-byte header, then the payload. A
// control frame's header carries the version and type, a data frame's the stream id. Only what a server of
// kubectl's streams (exec, port-forward) meets is decoded; other control frames come back as `other`.

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
/** Largest frame we accept: far above what kubectl writes (32 KiB data), well below the 24-bit limit. */
export const FRAME_BYTES_MAX = 1 << 20;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes. */
export const enum RstStatus {
  ProtocolError = 1,
  InvalidStream = 2,
  RefusedStream = 3,
  Cancel = 5,
  InternalError = 6,
  StreamInUse = 8,
  StreamAlreadyClosed = 9,
}

export type Frame =
  | { kind: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { kind: 'syn-stream'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { kind: 'syn-reply' | 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { kind: 'rst-stream'; streamId: number; status: number }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastStreamId: number; status: number }
  | { kind: 'other'; type: number };

export class SpdyProtocolError extends Error {}

/** Splits a byte stream into frames; bytes may arrive in any chunking. */
export class FrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUIntBE(5, 3);
      if (length > FRAME_BYTES_MAX) throw new SpdyProtocolError(`frame of ${length} bytes exceeds ${FRAME_BYTES_MAX}`);
      if (this.buffered.length < 8 + length) break;
      frames.push(decodeFrame(this.buffered.subarray(0, 8), this.buffered.subarray(8, 8 + length)));
      this.buffered = this.buffered.subarray(8 + length);
    }
    return frames;
  }
}

function decodeFrame(header: Buffer, payload: Buffer): Frame {
  const flags = header[4];
  const fin = (flags & FLAG_FIN) !== 0;
  if ((header[0] & 0x80) === 0) return { kind: 'data', streamId: header.readUInt32BE(0) & 0x7fffffff, fin, data: Buffer.from(payload) };
  const version = header.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = header.readUInt16BE(2);
  const need = (n: number): void => {
    if (payload.length < n) throw new SpdyProtocolError(`control frame ${type} of ${payload.length} bytes, want at least ${n}`);
  };
  switch (type) {
    case ControlType.SynStream:
      need(10);
      return { kind: 'syn-stream', streamId: payload.readUInt32BE(0) & 0x7fffffff, fin, headerBlock: Buffer.from(payload.subarray(10)) };
    case ControlType.SynReply:
    case ControlType.Headers:
      need(4);
      return { kind: type === ControlType.SynReply ? 'syn-reply' : 'headers', streamId: payload.readUInt32BE(0) & 0x7fffffff, fin, headerBlock: Buffer.from(payload.subarray(4)) };
    case ControlType.RstStream:
      need(8);
      return { kind: 'rst-stream', streamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.readUInt32BE(4) };
    case ControlType.Ping:
      need(4);
      return { kind: 'ping', id: payload.readUInt32BE(0) };
    case ControlType.GoAway:
      need(4);
      return { kind: 'goaway', lastStreamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.length >= 8 ? payload.readUInt32BE(4) : 0 };
    default:
      return { kind: 'other', type };
  }
}

function controlFrame(type: ControlType, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(payload.length, 4);
  header[4] = flags;
  return Buffer.concat([header, payload]);
}

export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(data.length, 4);
  header[4] = fin ? FLAG_FIN : 0;
  return Buffer.concat([header, data]);
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, fin: boolean): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff);
  return controlFrame(ControlType.SynReply, fin ? FLAG_FIN : 0, Buffer.concat([id, headerBlock]));
}

/** A client's stream opening; our side never opens streams, but tests speak as kubectl does. */
export function encodeSynStream(streamId: number, headerBlock: Buffer, fin: boolean): Buffer {
  const ids = Buffer.alloc(10);
  ids.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(ControlType.SynStream, fin ? FLAG_FIN : 0, Buffer.concat([ids, headerBlock]));
}

export function encodeRstStream(streamId: number, status: RstStatus): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(ControlType.RstStream, 0, payload);
}

export function encodePing(id: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(id >>> 0);
  return controlFrame(ControlType.Ping, 0, payload);
}

export function encodeGoAway(lastStreamId: number, status = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(ControlType.GoAway, 0, payload);
}
