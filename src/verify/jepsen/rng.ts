// The runner's only randomness: a seeded generator (mulberry32), so a seed names one nemesis schedule and one
// workload mix. Timing still differs between runs of one seed (real processes), but the choices do not.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An independent generator for one consumer (a client, the nemesis), so their streams do not interleave. */
  fork(label: number): Rng {
    return new Rng((this.int(0x7fffffff) ^ Math.imul(label + 1, 0x85ebca6b)) >>> 0);
  }
}
