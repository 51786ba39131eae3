export { FLOW_CONTROL_WINDOW_BYTES, WIDE_WINDOW_CHANNEL_OPTIONS, widenServerWindows } from './flow-control.ts';
export { grpcConnectionInjector, listenGrpc, type FastUnaryOptions, type GrpcListener } from './grpc-listener.ts';
export { addUnaryRoutes, type FastPathLimits, type FastUnaryMethod, type FastUnaryRoutes } from './unary-fast-path.ts';
export { AuthorityFixupSocket, normalizeAuthority } from './authority-fixup.ts';
export { isGrpcRequest, plainHttp1Server, plainHttpRequestListener, serveHttp1Connection, servePlainHttp2, type PlainHttpAnswer, type PlainHttpHandler, type PlainHttpRequest, type PlainHttpSink } from './plain-http.ts';
export { sniffConnection, streamForDecision, type SniffDecision } from './connection-sniffer.ts';
export { HpackDecoder, encodeWithoutIndexing, type HeaderField } from './hpack-decoder.ts';
export { huffmanDecode } from './hpack-huffman.ts';
export { CertificateNames, peerKey, tlsServerOptions, type ListenerTls } from './tls-termination.ts';
