// What the multi-process tests share: waiting for a condition with a generous bound (the machine is slow and
// shared, so never a fixed sleep), whether a process is still there, and stopping a child process.
import type { ChildProcess } from 'node:child_process';
export { alive } from '../src/cluster/daemon-process.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value; a throw counts as "not yet" and is quoted if the bound passes. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, pollMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(pollMs);
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

/**
 * Sends `signal` to a child still running and waits for it to close; one that ignores it is SIGKILLed after
 * `killAfterMs`, so a test's cleanup never hangs on it.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((done) => child.once('close', done));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await closed;
  clearTimeout(timer);
}
