// The window of MsgApp a leader has sent to one follower and not yet seen acknowledged. Bounded by count and by
// bytes, so that a slow follower cannot make the leader queue unbounded data.
import { assert } from '../assert.ts';

export class Inflights {
  /** Ring buffer of the last index of each in-flight message, oldest first from `start`. */
  private readonly lastIndexes: number[];
  private readonly sizesBytes: number[];
  private start = 0;
  private countNow = 0;
  private bytesNow = 0;

  constructor(
    readonly maxCount: number,
    /** 0 = no byte limit. */
    readonly maxBytes = 0,
  ) {
    assert(maxCount > 0, 'inflights: maxCount must be > 0');
    this.lastIndexes = new Array<number>(maxCount).fill(0);
    this.sizesBytes = new Array<number>(maxCount).fill(0);
  }

  get count(): number {
    return this.countNow;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  clone(): Inflights {
    const c = new Inflights(this.maxCount, this.maxBytes);
    for (let i = 0; i < this.countNow; i++) {
      const j = (this.start + i) % this.maxCount;
      c.add(this.lastIndexes[j], this.sizesBytes[j]);
    }
    return c;
  }

  /** Records a message whose last entry is `lastIndex`; indexes must be added in increasing order. */
  add(lastIndex: number, sizeBytes: number): void {
    assert(!this.full(), 'inflights: add to a full window');
    if (this.countNow > 0) {
      const newest = this.lastIndexes[(this.start + this.countNow - 1) % this.maxCount];
      assert(lastIndex > newest, () => `inflights: ${lastIndex} added after ${newest}`);
    }
    const at = (this.start + this.countNow) % this.maxCount;
    this.lastIndexes[at] = lastIndex;
    this.sizesBytes[at] = sizeBytes;
    this.countNow++;
    this.bytesNow += sizeBytes;
  }

  /** Frees every message whose last index is <= index (they are acknowledged). */
  freeLE(index: number): void {
    while (this.countNow > 0 && this.lastIndexes[this.start] <= index) {
      this.bytesNow -= this.sizesBytes[this.start];
      this.start = (this.start + 1) % this.maxCount;
      this.countNow--;
    }
    if (this.countNow === 0) this.start = 0;
  }

  /** Frees the oldest message, whatever its index. */
  freeFirstOne(): void {
    if (this.countNow === 0) return;
    this.freeLE(this.lastIndexes[this.start]);
  }

  full(): boolean {
    return this.countNow === this.maxCount || (this.maxBytes > 0 && this.bytesNow >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.countNow = 0;
    this.bytesNow = 0;
  }
}
