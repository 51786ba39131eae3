// What the recorder remembers of events it wrote, so a repeat of the same (source, object, type, reason, message)
// bumps count and lastTimestamp on the existing Event instead of creating another — client-go's EventLogger. LRU.

export interface Recorded {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

const DEFAULT_ENTRIES_MAX = 4096;

export class EventCache {
  private readonly entries = new Map<string, Recorded>();

  constructor(private readonly entriesMax = DEFAULT_ENTRIES_MAX) {}

  get(key: string): Recorded | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Recorded): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.entriesMax) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
