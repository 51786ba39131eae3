// Waits, before each workload, until every cluster under test is idle: a workload leaves background work behind
// (LevelDB or bbolt compaction, the compaction the harness asks for after writes, garbage collection), and the two
// targets share two cores, so without this the target that runs second pays for the first one's leftovers.
// Idle = the members' CPU use, summed over every target, below a fraction of a core over one window; bounded, so
// a target that never goes quiet only delays the run and is reported, never hangs it.

export interface SettleOptions {
  /** Length of one sampling window. */
  windowMs: number;
  /** Quiet when the members together used less than this many cores over a window. */
  idleCores: number;
  /** Give up waiting after this long. */
  maxMs: number;
}

export const DEFAULT_SETTLE: SettleOptions = { windowMs: 1_000, idleCores: 0.15, maxMs: 30_000 };

export interface SettleOutcome {
  quiet: boolean;
  waitedMs: number;
  /** Cores used over the last window. */
  lastCores: number;
}

/**
 * Samples `cpuSeconds` (the members' utime + stime, summed) once per window until one window's use is below
 * `idleCores` or `maxMs` has gone by.
 */
export async function waitUntilIdle(
  cpuSeconds: () => number,
  options: SettleOptions = DEFAULT_SETTLE,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<SettleOutcome> {
  let waitedMs = 0;
  let before = cpuSeconds();
  for (;;) {
    await sleep(options.windowMs);
    waitedMs += options.windowMs;
    const after = cpuSeconds();
    const cores = (after - before) / (options.windowMs / 1_000);
    if (cores < options.idleCores) return { quiet: true, waitedMs, lastCores: cores };
    if (waitedMs >= options.maxMs) return { quiet: false, waitedMs, lastCores: cores };
    before = after;
  }
}
