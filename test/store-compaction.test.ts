// --auto-compaction-mode=periodic: history older than the retention is compacted by the member itself.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetentionMs } from '../src/store/server/auto-compactor.ts';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';

const b = (s: string) => Buffer.from(s);

describe('store: auto compaction', () => {
  let m: TestMember;
  beforeAll(async () => {
    m = await startTestMember({ autoCompactionMode: 'periodic', autoCompactionRetention: '1s' });
  });
  afterAll(async () => m.close());

  it('reads retentions as etcd does (a bare number is hours)', () => {
    expect(parseRetentionMs('1')).toBe(3_600_000);
    expect(parseRetentionMs('30m')).toBe(1_800_000);
    expect(parseRetentionMs('1.5s')).toBe(1500);
    expect(() => parseRetentionMs('soon')).toThrow();
  });

  it('compacts revisions older than the retention', async () => {
    const first = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('ac'), value: b('1') });
    await m.call('KV', 'Put', { key: b('ac'), value: b('2') });
    let code: grpc.status | undefined;
    for (let i = 0; i < 600 && code === undefined; i++) {
      await m.call('KV', 'Put', { key: b('tick'), value: b(String(i)) });
      code = await m.call('KV', 'Range', { key: b('ac'), revision: first.header.revision }).then(
        () => undefined,
        (e: grpc.ServiceError) => e.code,
      );
      if (code === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(code).toBe(grpc.status.OUT_OF_RANGE);
  });
});
