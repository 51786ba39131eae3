// `bin/barque apiserver` as a child process for the gRPC tests: both addresses read from its startup lines, and
// stop() by SIGTERM (graceful) or SIGKILL (a crash). Restart on the same gRPC port with `--grpc-port=<port>`.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START_TIMEOUT_MS = 60_000;

export interface ApiserverProcess {
  url: string;
  /** host:port of the gRPC front end. */
  grpcAddress: string;
  grpcPort: number;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startApiserverProcess(etcdUrls: readonly string[], extraFlags: string[] = []): Promise<ApiserverProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'apiserver', `--etcd-servers=${etcdUrls.join(',')}`, '--port=0', ...extraFlags], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: 'warn' },
  });
  let log = '';
  const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => stopChild(child, signal);
  try {
    const [url, grpcAddress] = await new Promise<[string, string]>((done, reject) => {
      const timer = setTimeout(() => reject(new Error(`apiserver did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
      child.stdout?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
        const rest = log.match(/apiserver listening on (http:\/\/\S+)/);
        const grpc = log.match(/apiserver grpc listening on (\S+:\d+)/);
        if (rest !== null && grpc !== null) {
          clearTimeout(timer);
          done([rest[1], grpc[1]]);
        }
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`apiserver exited with ${code}:\n${log}`));
      });
    });
    return { url, grpcAddress, grpcPort: Number(grpcAddress.slice(grpcAddress.lastIndexOf(':') + 1)), stop };
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}

/** Polls `check` until it returns true (or a value), failing with `what` after the bound. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000, intervalMs = 50): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
