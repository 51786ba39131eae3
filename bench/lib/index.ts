// bench/lib: what every barque benchmark shares — lean gRPC clients (node:http2, and raw HTTP/2 over TCP for unary
// calls) sending pre-encoded frames, a closed
// loop of clients, latency summaries, Markdown and SVG writers, progress lines, process memory.
export { runClosedLoop, type ClosedLoopOptions, type ClosedLoopResult, type IssueRequest } from './closed-loop.ts';
export { parseDurationMs } from './duration.ts';
export { startEchoServer, startEchoServerThread, type EchoServer } from './echo-server.ts';
export { grpcFrame, GrpcFrameError, GrpcFrameParser, GRPC_FRAME_HEADER_BYTES } from './grpc-frame.ts';
export {
  GRPC_STATUS_OK,
  Http2GrpcClient,
  type GrpcBidiStream,
  type Http2GrpcClientOptions,
  type UnaryCallback,
  type UnaryGrpcClient,
  type UnaryReply,
} from './http2-grpc-client.ts';
export { GRPC_STATUS_UNKNOWN, RawH2GrpcClient, requestHeaderBlock } from './raw-h2-client.ts';
export { cdfPoints, LatencyRecorder, percentile, summarize, type CdfPoint, type LatencySummary } from './latency.ts';
export { formatNumber, markdownTable, type Cell, type MarkdownColumn } from './markdown.ts';
export { parseCpuSeconds, treeCpuSeconds } from './process-cpu.ts';
export { parseStatusField, peakRssKiB, processTree, treePeakRssKiB } from './process-memory.ts';
export { Progress } from './progress.ts';
export { encodeVarint, findBytesField, findVarintField, headerRevision, ProtoWriter, scanFields } from './proto-wire.ts';
export { escapeXml, lineChartSvg, type ChartPoint, type ChartSeries, type LineChartSpec } from './svg-chart.ts';
