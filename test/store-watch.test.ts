// The Watch service over gRPC: created responses, prev_kv, filters, progress requests, compacted start revisions,
// cancel, and `hasleader`.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';

const b = (s: string) => Buffer.from(s);

interface WatchResponse {
  header: { revision: bigint; member_id: bigint };
  watch_id: bigint;
  created: boolean;
  canceled: boolean;
  compact_revision: bigint;
  cancel_reason: string;
  events: Array<{ type: number; kv: { key: Buffer; value: Buffer; mod_revision: bigint }; prev_kv: { value: Buffer } | null }>;
}

function openWatch(m: TestMember, metadata = new grpc.Metadata()) {
  const stream = m.client('Watch').Watch(metadata) as grpc.ClientDuplexStream<unknown, WatchResponse>;
  const received: WatchResponse[] = [];
  let waiter: (() => void) | undefined;
  stream.on('data', (r: WatchResponse) => {
    received.push(r);
    waiter?.();
  });
  stream.on('error', () => undefined);
  const next = async (pred: (r: WatchResponse) => boolean = () => true): Promise<WatchResponse> => {
    for (let i = 0; i < 600; i++) {
      const idx = received.findIndex(pred);
      if (idx >= 0) return received.splice(idx, 1)[0];
      await new Promise<void>((res) => {
        waiter = res;
        setTimeout(res, 50);
      });
    }
    throw new Error('no matching watch response');
  };
  return { stream, next };
}

describe('store: Watch service', () => {
  let m: TestMember;
  beforeAll(async () => {
    m = await startTestMember();
  });
  afterAll(async () => m.close());

  it('creates, delivers with prev_kv and filters, and cancels', async () => {
    const w = openWatch(m);
    w.stream.write({ create_request: { key: b('wa/'), range_end: b('wa0'), prev_kv: true, filters: [1] } });
    const created = await w.next();
    expect(created.created).toBe(true);
    expect(created.header.member_id).not.toBe(0n);
    await m.call('KV', 'Put', { key: b('wa/1'), value: b('a') });
    await m.call('KV', 'Put', { key: b('wa/1'), value: b('b') });
    await m.call('KV', 'DeleteRange', { key: b('wa/1') });
    const first = await w.next((r) => r.events.length > 0);
    expect(first.events[0].kv.value.toString()).toBe('a');
    const second = await w.next((r) => r.events.length > 0);
    expect(second.events[0].prev_kv?.value.toString()).toBe('a');
    w.stream.write({ cancel_request: { watch_id: created.watch_id } });
    const canceled = await w.next((r) => r.canceled);
    expect(canceled.watch_id).toBe(created.watch_id);
    // NODELETE filtered the delete: nothing but the cancel came.
    w.stream.end();
  });

  it('answers a progress request with watch_id -1 at the current revision', async () => {
    const w = openWatch(m);
    w.stream.write({ create_request: { key: b('wp') } });
    await w.next((r) => r.created);
    const put = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('other'), value: b('x') });
    w.stream.write({ progress_request: {} });
    const progress = await w.next((r) => r.watch_id === -1n);
    expect(progress.header.revision).toBe(put.header.revision);
    w.stream.end();
  });

  it('cancels a watch from a compacted revision with compact_revision set', async () => {
    await m.call('KV', 'Put', { key: b('wc'), value: b('1') });
    const put = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('wc'), value: b('2') });
    await m.call('KV', 'Compact', { revision: put.header.revision, physical: true });
    const w = openWatch(m);
    w.stream.write({ create_request: { key: b('wc'), start_revision: 1n } });
    const canceled = await w.next((r) => r.canceled);
    expect(canceled.compact_revision).toBe(put.header.revision);
    w.stream.end();
  });

  it('replays history from a start revision and serves hasleader streams', async () => {
    const p1 = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('wh'), value: b('1') });
    await m.call('KV', 'Put', { key: b('wh'), value: b('2') });
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    const w = openWatch(m, md);
    w.stream.write({ create_request: { key: b('wh'), start_revision: p1.header.revision } });
    const seen: string[] = [];
    while (seen.length < 2) for (const e of (await w.next((r) => r.events.length > 0)).events) seen.push(e.kv.value.toString());
    expect(seen).toEqual(['1', '2']);
    w.stream.end();
  });
});
