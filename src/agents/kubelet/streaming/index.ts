// The kubelet's streaming calls (exec, port-forward) over SPDY, proxied to it by the apiserver.
export { acceptSpdyUpgrade, refuseUpgrade } from './spdy-upgrade.ts';
export { awaitExecStreams, EXEC_PROTOCOLS, execRequestFrom, exitStatus, finishExec, internalErrorStatus, pumpExec, type ExecRequest, type ExecStatus } from './exec-stream.ts';
export { PORT_FORWARD_PROTOCOLS, servePortForward } from './port-forward-stream.ts';
