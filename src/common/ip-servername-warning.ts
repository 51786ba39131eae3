// grpc-js names the server it dials over TLS by the target's host, and our clusters dial 127.0.0.1: Node then prints
// DEP0123 ("Setting the TLS ServerName to an IP address…") once per process, as a bare line in every component's
// structured log. The certificate is still checked against its IP SANs; only SNI, which carries no IP, is dropped.
// This silences that one warning and passes every other on.
export function silenceIpServernameWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: unknown }).code : rest[1];
    if (code === 'DEP0123') return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
