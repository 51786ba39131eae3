// The watch's position as the apiserver's etcd client reports it. etcd sends a lagging watcher's events in
// chunks whose header carries the store's current revision while older events are still to come, and etcd 3.4
// answers a progress_request with that revision at once too; the position must follow the events delivered (and
// progress notifications for this watch), or the watch cache's bookmarks jump past events not yet seen.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../../store/proto/index.ts';
import { EtcdClient, type EtcdWatch } from './etcd-client.ts';

type Msg = Record<string, unknown>;

const header = (revision: number): Msg => ({ cluster_id: 1n, member_id: 1n, revision: BigInt(revision), raft_term: 2n });
const put = (key: string, revision: number): Msg => ({
  type: 0,
  kv: { key: Buffer.from(key), value: Buffer.from('v'), create_revision: BigInt(revision), mod_revision: BigInt(revision), version: 1n, lease: 0n },
});

/** A Watch service answering every create with `responses`, as a catching-up etcd member would. */
async function fakeEtcd(responses: Msg[]): Promise<{ url: string; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(loadEtcdProtos().services.Watch.definition, {
    Watch: (call: grpc.ServerDuplexStream<Msg, Msg>) => {
      call.on('data', (req: Msg) => {
        if (req.create_request === undefined || req.create_request === null) return;
        call.write({ header: header(10), watch_id: 0n, created: true, events: [] });
        for (const r of responses) call.write({ watch_id: 0n, ...r });
      });
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { url: `http://127.0.0.1:${port}`, server };
}

describe('EtcdClient.watchPrefix', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('reports the last delivered event as the position, not a catching-up chunk header; only its own progress notifications move it', async () => {
    const { url, server } = await fakeEtcd([
      { header: header(10), events: [put('/registry/pods/a', 5), put('/registry/pods/b', 6)] },
      // etcd 3.4's answer to a progress_request: the store's revision, backlog or not. Not a position.
      { header: header(50), watch_id: -1n, events: [] },
      { header: header(10), events: [put('/registry/pods/c', 8), put('/registry/pods/d', 10)] },
      { header: header(11), events: [] },
    ]);
    const client = new EtcdClient({ endpoints: [url] });
    const seen: Array<{ keys: string[]; revision: number } | { progress: number }> = [];
    let watch: EtcdWatch | undefined;
    cleanups.push(() => {
      watch?.cancel();
      client.close();
      server.forceShutdown();
    });
    const done = new Promise<void>((resolve, reject) => {
      watch = client.watchPrefix(Buffer.from('/registry/pods/'), 5, {
        onEvents: (events, revision) => seen.push({ keys: events.map((e) => e.kv.key.toString()), revision }),
        onProgress: (revision) => {
          seen.push({ progress: revision });
          resolve();
        },
        onError: (err) => reject(err),
      });
    });
    await done;
    expect(seen).toEqual([
      { keys: ['/registry/pods/a', '/registry/pods/b'], revision: 6 },
      { keys: ['/registry/pods/c', '/registry/pods/d'], revision: 10 },
      { progress: 11 },
    ]);
  });
});
