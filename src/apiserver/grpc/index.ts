// The door to the apiserver's gRPC front end (proto/apiserver.proto): the listener for api-server.ts, and the wire
// pieces the client library (src/agents/client) shares with it.
export { startGrpcFrontEnd, type GrpcFrontEnd } from './grpc-front.ts';
export { grpcCodeOf, grpcErrorOf, statusOfGrpcError, STATUS_METADATA_KEY } from './status-codes.ts';
export * from './wire.ts';
