import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadRaftProtos, messageToWire } from '../../store/proto/index.ts';
import { message, MessageType, type NodeId } from '../types.ts';
import { frameCodec } from './grpc-frames.ts';
import { GrpcTransport, type GrpcTransportOptions } from './grpc-transport.ts';
import { describeTransportCompliance, Probe, waitFor, type TransportHarness } from './transport-compliance.ts';

const queueLimits = { framesMax: 32, bytesMax: 1024 * 1024 };
const common = { listen: '127.0.0.1:0', queueLimits, inflightFramesMax: 8, reconnectDelayMsMin: 20, reconnectDelayMsMax: 200 };

/** A RaftPeer endpoint that accepts streams and then never reads from them nor acknowledges anything. */
async function startSilentPeer(): Promise<{ address: string; stop: () => Promise<void> }> {
  const server = new grpc.Server();
  server.addService(loadRaftProtos().services.RaftPeer.definition, {
    Stream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.pause(),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, stop: async () => void server.forceShutdown() };
}

describeTransportCompliance('GrpcTransport', (): TransportHarness => {
  const addresses = new Map<NodeId, string>();
  return {
    queueFramesMax: queueLimits.framesMax,
    async start(id) {
      const listen = addresses.get(id) ?? '127.0.0.1:0';
      const t = await GrpcTransport.start({ ...common, id, clusterId: 7n, listen });
      addresses.set(id, t.address);
      return t;
    },
    address: (id) => addresses.get(id)!,
    async startSilent(id) {
      const silent = await startSilentPeer();
      addresses.set(id, silent.address);
      return silent.stop;
    },
    cleanup: async () => {},
  };
});

describe('GrpcTransport refusals and bad input', () => {
  const start = (opts: Partial<GrpcTransportOptions> & { id: NodeId }) => GrpcTransport.start({ ...common, clusterId: 7n, ...opts });

  it('refuses a member of another cluster and an unknown sender, with a clear report', async () => {
    const a = await start({ id: 1n });
    const stranger = await start({ id: 2n, clusterId: 99n });
    const unknown4 = await start({ id: 4n });
    try {
      a.addPeer(2n, stranger.address);
      stranger.addPeer(1n, a.address);
      unknown4.addPeer(1n, a.address); // a does not know 4
      const pa = new Probe(a);
      const ps = new Probe(stranger);
      const p4 = new Probe(unknown4);
      stranger.send([message({ type: MessageType.Heartbeat, from: 2n, to: 1n, term: 1 })]);
      unknown4.send([message({ type: MessageType.Heartbeat, from: 4n, to: 1n, term: 1 })]);
      await waitFor('both refusals', () => ps.reports.some((r) => r.type === 'refused') && p4.reports.some((r) => r.type === 'refused'));
      const refusedStranger = ps.reports.find((r) => r.type === 'refused');
      expect(refusedStranger).toMatchObject({ reason: 'ClusterMismatch', peer: 1n });
      expect(refusedStranger?.type === 'refused' && refusedStranger.detail).toContain('cluster 63');
      expect(p4.reports.find((r) => r.type === 'refused')).toMatchObject({ reason: 'UnknownMember' });
      expect(pa.frames).toHaveLength(0);
    } finally {
      await Promise.all([a.close(), stranger.close(), unknown4.close()]);
    }
  });

  it('fails a snapshot to a peer that stopped reading once acknowledgements stall', async () => {
    const silent = await startSilentPeer();
    const a = await start({ id: 1n, ackTimeoutMs: 300, snapshotChunkBytes: 64 * 1024 });
    try {
      a.addPeer(9n, silent.address);
      const pa = new Probe(a);
      const snapshot = {
        metadata: { index: 10, term: 2, confState: { voters: [1n, 9n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } },
        data: Buffer.alloc(4 * 1024 * 1024, 7),
      };
      a.send([message({ type: MessageType.Snap, from: 1n, to: 9n, term: 2, snapshot })]);
      await waitFor('the snapshot failure', () => {
        a.send([message({ type: MessageType.Heartbeat, from: 1n, to: 9n, term: 2 })]);
        return pa.reports.some((r) => r.type === 'snapshot');
      });
      expect(pa.reports.find((r) => r.type === 'snapshot')).toEqual({ type: 'snapshot', peer: 9n, ok: false });
    } finally {
      await a.close();
      await silent.stop();
    }
  });

  it('drops a malformed frame, logs it, and keeps the stream', async () => {
    const warnings: string[] = [];
    const b = await start({ id: 2n, logger: { debug() {}, info() {}, warn: (m) => warnings.push(m) } });
    const pb = new Probe(b);
    b.addPeer(1n, '127.0.0.1:1');
    const client = new grpc.Client(b.address, grpc.credentials.createInsecure());
    try {
      const call = client.makeBidiStreamRequest('/barque.raft.RaftPeer/Stream', (x: Buffer) => x, (x: Buffer) => x);
      call.on('error', () => {});
      call.on('data', () => {});
      const codec = frameCodec();
      call.write(codec.encode({ hello: { cluster_id: 7n, from: 1n, to: 2n } }));
      const good = messageToWire(message({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 1 }));
      call.write(codec.encode({ seq: 1n, messages: [{ ...good, type: 77 }] }));
      call.write(codec.encode({ seq: 2n, messages: [{ ...good, index: 2n ** 60n }] }));
      call.write(codec.encode({ seq: 3n, messages: [good] }));
      await waitFor('the good frame', () => pb.frames.length === 1);
      expect(pb.frames[0][0].type).toBe(MessageType.Heartbeat);
      expect(warnings.filter((w) => w.includes('malformed'))).toHaveLength(2);
      call.end();
    } finally {
      client.close();
      await b.close();
    }
  });
});
