// The kubelet's streaming calls (exec, attach and port-forward, over SPDY or WebSocket), proxied to it by the
// apiserver.
export { acceptSpdyUpgrade, refuseUpgrade } from './spdy-upgrade.ts';
export { awaitExecStreams, EXEC_PROTOCOLS, execChannels, execRequestFrom, exitStatus, finishExec, internalErrorStatus, pumpExec, type ExecRequest, type ExecStatus, type ExecStreams, type StreamSession } from './exec-stream.ts';
export { acceptWebSocket, Channel, PORT_FORWARD_WEBSOCKET_PROTOCOLS, WEBSOCKET_PROTOCOLS } from './websocket-channels.ts';
export { forwardWebSocketPorts, PORT_FORWARD_PROTOCOLS, portsFrom, servePortForward, type PortForwardTarget } from './port-forward-stream.ts';
