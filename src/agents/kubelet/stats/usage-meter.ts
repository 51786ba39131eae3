// CPU rate from cumulative counters: usageNanoCores is the CPU time consumed over a window divided by the window's
// wall time, as the summary API reports it. The first sample has no rate yet (0). Time is injected.
//
// The window is the newest earlier sample at least `windowMs` old (or the oldest kept, early on), not merely the
// previous sample: two reads milliseconds apart (kubectl top, then the autoscaler) would otherwise measure over a
// few scheduler ticks, and one 10 ms tick in a 100 ms window reads as a tenth of a core. cAdvisor and
// metrics-server likewise report over a window of several seconds.

export interface Usage {
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

interface Sample {
  atMs: number;
  cpuNs: number;
}

export class UsageMeter {
  /** Oldest first; at most one sample older than the window is kept (the window's start). */
  private samples: Sample[] = [];
  private lastRate = 0;

  constructor(
    private readonly now: () => number,
    /** Samples closer together than this reuse the previous rate (too short to measure). */
    private readonly minIntervalMs = 100,
    /** The span a rate is measured over, once that much history exists. */
    private readonly windowMs = 10_000,
  ) {}

  record(cpuNs: number): Usage {
    const atMs = this.now();
    const newest = this.samples.at(-1);
    if (newest === undefined || atMs - newest.atMs >= this.minIntervalMs) {
      // The window's start: the newest sample old enough, else the oldest there is.
      let start = 0;
      while (start + 1 < this.samples.length && atMs - this.samples[start + 1].atMs >= this.windowMs) start++;
      this.samples = this.samples.slice(start);
      const from = this.samples[0];
      if (from !== undefined) this.lastRate = Math.max(0, Math.round(((cpuNs - from.cpuNs) * 1e9) / ((atMs - from.atMs) * 1e6)));
      this.samples.push({ atMs, cpuNs });
    }
    return { usageNanoCores: this.lastRate, usageCoreNanoSeconds: Math.round(cpuNs) };
  }
}
