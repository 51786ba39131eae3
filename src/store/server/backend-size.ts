// The backend's size on disk, for Status and the space quota: the sum of the database directory's file sizes,
// measured at most once per interval (a readdir and a few stats), plus what was written since as an estimate.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendQuota } from '../apply/applier.ts';

/** etcd's default --quota-backend-bytes. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
const MEASURE_INTERVAL_MS = 250;

export class BackendSize {
  private measuredBytes = 0;
  private measuredAtMs = -Infinity;

  constructor(private readonly directory: string) {}

  bytes(): number {
    const now = performance.now();
    if (now - this.measuredAtMs >= MEASURE_INTERVAL_MS) {
      this.measuredBytes = directorySize(this.directory);
      this.measuredAtMs = now;
    }
    return this.measuredBytes;
  }
}

function directorySize(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const st = statSync(join(dir, name));
      if (st.isFile()) total += st.size;
    } catch {
      // A file LevelDB removed between readdir and stat.
    }
  }
  return total;
}

/** --quota-backend-bytes: 0 is etcd's default (2 GiB), a negative value means no quota. */
export function backendQuota(size: BackendSize, quotaBytes: number): BackendQuota {
  const limit = quotaBytes === 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quotaBytes;
  if (limit < 0) return { available: () => true };
  return { available: (costBytes) => size.bytes() + costBytes <= limit };
}
