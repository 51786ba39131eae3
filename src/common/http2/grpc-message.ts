// A gRPC message on HTTP/2: a 1-byte compressed flag (0: we never compress), a 4-byte big-endian length, the bytes.
// Both of our gRPC paths that bypass grpc-js frame their messages here (unary-fast-path.ts answers,
// unary-channel.ts requests), and so does the bench's load generator (bench/lib/grpc-frame.ts).

export const GRPC_MESSAGE_PREFIX_BYTES = 5;

/** The message with its prefix, in one Buffer (one DATA write). */
export function frameGrpcMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(GRPC_MESSAGE_PREFIX_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, GRPC_MESSAGE_PREFIX_BYTES);
  return framed;
}
