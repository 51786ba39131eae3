// Hands out a node's pod addresses. A pod keeps its address until released (asking again for the same uid returns
// it), and a released address goes to the back of the line so a new pod does not inherit connections or DNS
// answers still pointing at the old one.
import type { NodeAddressRange } from './pod-address-range.ts';

export class PodAddressesExhaustedError extends Error {
  constructor(cidr: string) {
    super(`no pod addresses left in ${cidr}`);
    this.name = 'PodAddressesExhaustedError';
  }
}

export class PodAddressAllocator {
  private readonly byUid = new Map<string, string>();
  private readonly inUse = new Set<string>();
  private cursor = 0;

  constructor(readonly range: NodeAddressRange) {}

  allocate(uid: string): string {
    const existing = this.byUid.get(uid);
    if (existing !== undefined) return existing;
    for (let i = 0; i < this.range.podAddressCount; i++) {
      const ip = this.range.podAddress((this.cursor + i) % this.range.podAddressCount);
      if (this.inUse.has(ip)) continue;
      this.cursor = (this.cursor + i + 1) % this.range.podAddressCount;
      this.inUse.add(ip);
      this.byUid.set(uid, ip);
      return ip;
    }
    throw new PodAddressesExhaustedError(this.range.podCidr);
  }

  release(uid: string): void {
    const ip = this.byUid.get(uid);
    if (ip === undefined) return;
    this.byUid.delete(uid);
    this.inUse.delete(ip);
  }

  addressOf(uid: string): string | undefined {
    return this.byUid.get(uid);
  }

  get allocated(): number {
    return this.byUid.size;
  }
}
