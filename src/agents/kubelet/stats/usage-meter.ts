// CPU rate from cumulative counters: usageNanoCores is the CPU time consumed between two samples divided by the
// wall time between them, as the summary API reports it. The first sample has no rate yet (0). Time is injected.

export interface Usage {
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

export class UsageMeter {
  private last: { atMs: number; cpuNs: number } | undefined;
  private lastRate = 0;

  constructor(
    private readonly now: () => number,
    /** Samples closer together than this reuse the previous rate (too short to measure). */
    private readonly minIntervalMs = 100,
  ) {}

  record(cpuNs: number): Usage {
    const atMs = this.now();
    const prev = this.last;
    if (prev === undefined) this.last = { atMs, cpuNs };
    else if (atMs - prev.atMs >= this.minIntervalMs) {
      this.lastRate = Math.max(0, Math.round(((cpuNs - prev.cpuNs) * 1e9) / ((atMs - prev.atMs) * 1e6)));
      this.last = { atMs, cpuNs };
    }
    return { usageNanoCores: this.lastRate, usageCoreNanoSeconds: Math.round(cpuNs) };
  }
}
