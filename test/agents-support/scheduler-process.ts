// `bin/barque scheduler` as a child process for the scheduler tests: resolves once it printed its identity; `leading`
// resolves when it says it leads; stop() by SIGTERM (graceful: releases the lease) or SIGKILL (a crash).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAST_LEADER_ELECTION } from './controller-manager-process.ts';
import { stopChild } from '../process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 60_000;

export interface SchedulerProcess {
  identity: string;
  leading: Promise<void>;
  isLeading(): boolean;
  /** Every stdout line so far (leading / stopped leading). */
  lines(): string[];
  exited(): boolean;
  log(): string;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startScheduler(grpcAddresses: readonly string[], identity: string, extraFlags: string[] = []): Promise<SchedulerProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'scheduler', `--apiserver=${grpcAddresses.join(',')}`, `--identity=${identity}`, ...FAST_LEADER_ELECTION, ...extraFlags], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: process.env.BARQUE_LOG_LEVEL ?? 'warn' },
  });
  let log = '';
  let out = '';
  let leading = false;
  let markLeading: () => void = () => {};
  const leadingPromise = new Promise<void>((done) => (markLeading = done));
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-50_000)));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => stopChild(child, signal);
  try {
    await new Promise<void>((done, reject) => {
      const timer = setTimeout(() => reject(new Error(`scheduler did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        log = (log + chunk.toString()).slice(-50_000);
        if (out.includes(`scheduler ${identity} waiting`) || out.includes('(no leader election)')) {
          clearTimeout(timer);
          done();
        }
        if (!leading && (out.includes(`scheduler leading as ${identity}`) || out.includes('(no leader election)'))) {
          leading = true;
          markLeading();
        }
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`scheduler exited with ${code}:\n${log}`));
      });
    });
    return { identity, leading: leadingPromise, isLeading: () => leading, lines: () => out.split('\n').filter((l) => l !== ''), exited, log: () => log, stop };
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}
