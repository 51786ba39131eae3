// SPDY/3.1, server side only: the framing kubectl's exec, attach and port-forward streams use after an HTTP
// upgrade to "SPDY/3.1" (Go's spdystream on the client side).
export { SPDY3_HEADER_DICTIONARY } from './dictionary.ts';
export { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynStream, FrameParser, RstStatus, SpdyProtocolError, type Frame } from './frames.ts';
export { decodeHeaderPairs, encodeHeaderPairs, HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './header-block.ts';
export { SpdyServerSession, SpdyStream } from './server-session.ts';
