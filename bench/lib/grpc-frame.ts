// gRPC's length-prefixed message framing over HTTP/2: 1 byte compressed flag (always 0 here: no compression is
// negotiated), 4 bytes big-endian length, then the protobuf bytes.
import { frameGrpcMessage, GRPC_MESSAGE_PREFIX_BYTES } from '../../src/common/http2/grpc-message.ts';

export const GRPC_FRAME_HEADER_BYTES = GRPC_MESSAGE_PREFIX_BYTES;
/** A bound on what the parser accepts, so a corrupt length cannot make it buffer without end. */
export const GRPC_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;

export class GrpcFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrpcFrameError';
  }
}

/** One uncompressed gRPC frame around a message: encode once, send many times. */
export const grpcFrame: (message: Uint8Array) => Buffer = frameGrpcMessage;

/**
 * Splits a stream of DATA chunks into messages. Chunks may cut a frame anywhere; a chunk may hold many frames.
 * The common case (one whole frame in one chunk) costs no copy.
 */
export class GrpcFrameParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      data = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let offset = 0;
    while (data.length - offset >= GRPC_FRAME_HEADER_BYTES) {
      if (data[offset] !== 0) throw new GrpcFrameError('compressed gRPC message: compression was not negotiated');
      const length = data.readUInt32BE(offset + 1);
      if (length > GRPC_MESSAGE_BYTES_MAX) throw new GrpcFrameError(`gRPC message of ${length} bytes is over the bound`);
      const end = offset + GRPC_FRAME_HEADER_BYTES + length;
      if (end > data.length) break;
      this.onMessage(data.subarray(offset + GRPC_FRAME_HEADER_BYTES, end));
      offset = end;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}
