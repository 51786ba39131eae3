// `bin/barque controller-manager` as a child process for the controller tests: waits for its identity line, can
// wait until it leads, stop() by SIGTERM (graceful: releases the lease) or SIGKILL (a crash).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 60_000;

/** Fast leader election for tests (Kubernetes' defaults are 15 s / 10 s / 2 s). Later flags override these. */
export const FAST_LEADER_ELECTION = ['--leader-elect-lease-duration=3s', '--leader-elect-renew-deadline=2s', '--leader-elect-retry-period=400ms'];

export interface ControllerManagerProcess {
  identity: string;
  /** Resolves once the process printed that it leads. */
  leading: Promise<void>;
  isLeading(): boolean;
  exited(): boolean;
  /** Resolves with the exit code when the process ends (null when killed by a signal). */
  closed: Promise<number | null>;
  log(): string;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startControllerManager(grpcAddresses: readonly string[], extraFlags: string[] = []): Promise<ControllerManagerProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'controller-manager', `--apiserver=${grpcAddresses.join(',')}`, ...FAST_LEADER_ELECTION, ...extraFlags], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: process.env.BARQUE_LOG_LEVEL ?? 'warn' },
  });
  let log = '';
  let leading = false;
  let markLeading: () => void = () => {};
  const leadingPromise = new Promise<void>((done) => (markLeading = done));
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-50_000)));
  const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => stopChild(child, signal);
  try {
    const identity = await new Promise<string>((done, reject) => {
      const timer = setTimeout(() => reject(new Error(`controller-manager did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        log = (log + chunk.toString()).slice(-50_000);
        const started = out.match(/controller-manager (\S+) started/);
        if (started !== null) {
          clearTimeout(timer);
          done(started[1]);
        }
        if (/controller-manager \S+ leading/.test(out) && !leading) {
          leading = true;
          markLeading();
        }
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`controller-manager exited with ${code}:\n${log}`));
      });
    });
    return { identity, leading: leadingPromise, isLeading: () => leading, exited: () => child.exitCode !== null || child.signalCode !== null, closed, log: () => log, stop };
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}
