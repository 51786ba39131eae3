// A simulated network between nodes. Per link it may lose, duplicate, delay and reorder messages, and links can be
// cut one way or both (partitions). It only decides fates and delivery times; the simulator owns the clock and
// the event queue, so this model is pure and unit-testable.
import type { Rng } from '../rng.ts';
import type { Message, NodeId } from '../types.ts';

export interface NetworkFaults {
  /** Probability that one message is dropped on a healthy link. */
  lossProbability: number;
  /** Probability that a delivered message is delivered a second time. */
  duplicateProbability: number;
  /** Without reordering, each directed link delivers in send order (a TCP stream); with it, delays race. */
  reorder: boolean;
  delayMinMs: number;
  delayMaxMs: number;
}

export const HEALTHY_NETWORK: NetworkFaults = {
  lossProbability: 0,
  duplicateProbability: 0,
  reorder: false,
  delayMinMs: 1,
  delayMaxMs: 5,
};

export type SendFate =
  | { kind: 'dropped'; reason: 'partition' | 'loss' }
  | { kind: 'delivered'; delaysMs: number[] };

export class SimNetwork {
  private faults: NetworkFaults;
  /** Cut directed links, as "from>to". */
  private readonly cut = new Set<string>();
  /** Last delivery time per directed link, to keep FIFO order when reordering is off. */
  private readonly lastDeliveryMs = new Map<string, number>();
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly rng: Rng,
    faults: NetworkFaults,
  ) {
    this.faults = { ...faults };
  }

  get currentFaults(): NetworkFaults {
    return { ...this.faults };
  }

  setFaults(faults: NetworkFaults): void {
    this.faults = { ...faults };
  }

  /** Decides what happens to `m` sent at `nowMs`: dropped, or delivered after each of `delaysMs`. */
  send(m: Message, nowMs: number): SendFate {
    this.sent++;
    if (!this.connected(m.from, m.to)) {
      this.dropped++;
      return { kind: 'dropped', reason: 'partition' };
    }
    if (this.faults.lossProbability > 0 && this.rng.float() < this.faults.lossProbability) {
      this.dropped++;
      return { kind: 'dropped', reason: 'loss' };
    }
    const delaysMs = [this.delay(m, nowMs)];
    if (this.faults.duplicateProbability > 0 && this.rng.float() < this.faults.duplicateProbability) {
      this.duplicated++;
      delaysMs.push(this.delay(m, nowMs));
    }
    return { kind: 'delivered', delaysMs };
  }

  /** Whether a message from `from` can reach `to` now (checked again on arrival: a cut also kills in-flight). */
  connected(from: NodeId, to: NodeId): boolean {
    return this.cut.size === 0 || !this.cut.has(linkKey(from, to));
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Cuts `node` off from every node in `others`, both ways. */
  isolate(node: NodeId, others: readonly NodeId[]): void {
    for (const o of others) {
      if (o === node) continue;
      this.cutLink(node, o);
      this.cutLink(o, node);
    }
  }

  /** Cuts every link between the two groups; `oneWay` cuts only a→b. */
  partition(a: readonly NodeId[], b: readonly NodeId[], oneWay = false): void {
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        this.cutLink(x, y);
        if (!oneWay) this.cutLink(y, x);
      }
    }
  }

  /** Restores every link to and from `node`. */
  heal(node: NodeId): void {
    for (const key of [...this.cut]) {
      const [from, to] = key.split('>');
      if (from === String(node) || to === String(node)) this.cut.delete(key);
    }
  }

  healAll(): void {
    this.cut.clear();
  }

  /** Nodes with at least one cut link, in ascending id order. */
  affectedNodes(): NodeId[] {
    const ids = new Set<string>();
    for (const key of this.cut) for (const part of key.split('>')) ids.add(part);
    return [...ids].map((s) => BigInt(s)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  get cutLinkCount(): number {
    return this.cut.size;
  }

  private delay(m: Message, nowMs: number): number {
    const { delayMinMs, delayMaxMs, reorder } = this.faults;
    let atMs = nowMs + delayMinMs + this.rng.int(delayMaxMs - delayMinMs + 1);
    if (!reorder) {
      const key = linkKey(m.from, m.to);
      atMs = Math.max(atMs, this.lastDeliveryMs.get(key) ?? 0);
      this.lastDeliveryMs.set(key, atMs);
    }
    return atMs - nowMs;
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
