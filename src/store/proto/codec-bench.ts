// Measures the ways barque could turn etcd messages into bytes and back, on the two shapes that dominate the
// hot path: a PutRequest (256 B key, 1 KiB value) and a RangeResponse of 100 such key-values.
// Run: npx tsx src/store/proto/codec-bench.ts   (figures go into docs/proto-loading.md)
import protoLoader from '@grpc/proto-loader';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';
import { CodecRegistry } from './codec.ts';
import { loadProtoRoot } from './load-root.ts';
import { ETCD_PROTO_FILES, PROTO_ROOT } from './proto-files.ts';

type Encode = (message: unknown) => Uint8Array;
type Decode = (bytes: Uint8Array) => unknown;
interface Candidate {
  name: string;
  put: { encode: Encode; decode: Decode; sample: unknown };
  range: { encode: Encode; decode: Decode; sample: unknown };
}

const LEASE_ID = 0x694d_7c1e_35a0_9b21n; // etcd-style lease id above 2^53
const KEY = Buffer.alloc(256, 0x6b);
const VALUE = Buffer.alloc(1024, 0);

/** The same logical messages in each candidate's representation of a 64-bit integer. */
function samples(long: (v: bigint) => unknown) {
  const kv = (i: number) => ({
    key: KEY,
    create_revision: long(BigInt(1_000_000 + i)),
    mod_revision: long(BigInt(2_000_000 + i)),
    version: long(BigInt(1 + (i % 7))),
    value: VALUE,
    lease: long(LEASE_ID),
  });
  return {
    put: { key: KEY, value: VALUE, lease: long(LEASE_ID), prev_kv: false },
    range: {
      header: { cluster_id: long(0xcdef_0123_4567_89abn), member_id: long(0x8e9e_05c5_2164_694dn), revision: long(2_000_100n), raft_term: long(7n) },
      kvs: Array.from({ length: 100 }, (_, i) => kv(i)),
      more: false,
      count: long(100n),
    },
  };
}

function protoLoaderCandidate(name: string, longs: typeof String | typeof Number): Candidate {
  const definition = protoLoader.loadSync([...ETCD_PROTO_FILES], {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs,
    enums: Number,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  });
  const kv = definition['etcdserverpb.KV'] as protoLoader.ServiceDefinition;
  const s = samples((v) => (longs === String ? v.toString() : Number(v)));
  return {
    name,
    put: { encode: (m) => kv.Put.requestSerialize(m as object), decode: (b) => kv.Put.requestDeserialize(b as Buffer), sample: s.put },
    range: {
      encode: (m) => kv.Range.responseSerialize(m as object),
      decode: (b) => kv.Range.responseDeserialize(b as Buffer),
      sample: s.range,
    },
  };
}

function reflectionCandidate(name: string, root: protobuf.Root, mode: 'bigint-convert' | 'raw'): Candidate {
  const pick = (typeName: string) => root.lookupType(typeName);
  const put = pick('etcdserverpb.PutRequest');
  const range = pick('etcdserverpb.RangeResponse');
  const options: protobuf.IConversionOptions = { longs: BigInt as unknown as typeof String, enums: Number, defaults: true, oneofs: true };
  const codec = (t: protobuf.Type) =>
    mode === 'raw'
      ? { encode: (m: unknown) => t.encode(m as protobuf.Message).finish(), decode: (b: Uint8Array) => t.decode(b) }
      : {
          encode: (m: unknown) => t.encode(t.fromObject(m as Record<string, unknown>)).finish(),
          decode: (b: Uint8Array) => t.toObject(t.decode(b), options),
        };
  const s = mode === 'raw' ? samples((v) => Number(v)) : samples((v) => v);
  return { name, put: { ...codec(put), sample: s.put }, range: { ...codec(range), sample: s.range } };
}

function barqueCandidate(): Candidate {
  const codecs = new CodecRegistry(loadProtoRoot(PROTO_ROOT, ETCD_PROTO_FILES));
  const put = codecs.type('etcdserverpb.PutRequest');
  const range = codecs.type('etcdserverpb.RangeResponse');
  const s = samples((v) => v);
  return {
    name: 'barque codec (protobufjs 8, bigint)',
    put: { encode: (m) => put.encode(m as never), decode: (b) => put.decode(b), sample: s.put },
    range: { encode: (m) => range.encode(m as never), decode: (b) => range.decode(b), sample: s.range },
  };
}

/** Operations per second of `op`, after a warm-up, over about `durationMs`. */
function rate(op: () => void, durationMs: number): number {
  for (let i = 0; i < 2_000; i++) op();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let i = 0; i < 200; i++) op();
    count += 200;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

type Figures = Record<string, number>;

/** One round of every figure for one candidate, as operations per second. */
function measureRound(candidate: Candidate, durationMs: number): Figures {
  const figures: Figures = {};
  for (const kind of ['put', 'range'] as const) {
    const { encode, decode, sample } = candidate[kind];
    const bytes = encode(sample);
    decode(bytes); // must not throw
    figures[`${kind} encode`] = rate(() => encode(sample), durationMs);
    figures[`${kind} decode`] = rate(() => decode(bytes), durationMs);
    figures[`${kind} bytes`] = bytes.length;
  }
  return figures;
}

/**
 * The machine is shared, so candidates are interleaved over several rounds and each figure is the best round:
 * interference only ever slows a run down.
 */
function measure(candidates: Candidate[], rounds: number, durationMs: number): Record<string, string>[] {
  const best = candidates.map(() => ({}) as Figures);
  for (let round = 0; round < rounds; round++) {
    candidates.forEach((candidate, i) => {
      for (const [name, value] of Object.entries(measureRound(candidate, durationMs))) {
        best[i][name] = Math.max(best[i][name] ?? 0, value);
      }
    });
  }
  return candidates.map((candidate, i) => {
    const row: Record<string, string> = { candidate: candidate.name };
    for (const kind of ['put', 'range']) {
      const size = best[i][`${kind} bytes`];
      for (const op of ['encode', 'decode']) {
        const ops = best[i][`${kind} ${op}`];
        row[`${kind} ${op}/s`] = `${Math.round(ops).toLocaleString('en')} (${((ops * size) / 2 ** 20).toFixed(0)} MiB/s)`;
      }
      row[`${kind} bytes`] = String(size);
    }
    return row;
  });
}

/** Milliseconds to parse the etcd schemas and build every codec the way each option does at start-up. */
function startupMs(): Record<string, string> {
  const time = (f: () => void) => {
    const start = performance.now();
    f();
    return `${(performance.now() - start).toFixed(1)} ms`;
  };
  return {
    'proto-loader loadSync': time(() =>
      protoLoader.loadSync([...ETCD_PROTO_FILES], { includeDirs: [PROTO_ROOT], keepCase: true, longs: String, defaults: true }),
    ),
    'protobufjs 8 parse + codegen of every type': time(() => {
      const root = loadProtoRoot(PROTO_ROOT, ETCD_PROTO_FILES);
      const codecs = new CodecRegistry(root);
      const visit = (node: protobuf.ReflectionObject): void => {
        if (node instanceof protobuf.Type) codecs.type(node.fullName.replace(/^\./, ''));
        if (node instanceof protobuf.Namespace) node.nestedArray.forEach(visit);
      };
      visit(root);
    }),
  };
}

const durationMs = Number(process.env.BENCH_MS ?? 500);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const startup = startupMs(); // first, while nothing is warm
const root = loadProtoRoot(PROTO_ROOT, ETCD_PROTO_FILES);
const candidates = [
  protoLoaderCandidate('proto-loader 0.8 (protobufjs 7), longs String', String),
  protoLoaderCandidate('proto-loader 0.8 (protobufjs 7), longs Number (lossy)', Number),
  reflectionCandidate('protobufjs 8 fromObject/toObject, longs BigInt', root, 'bigint-convert'),
  reflectionCandidate('protobufjs 8 raw encode/decode (Long objects, no conversion)', root, 'raw'),
  barqueCandidate(),
];
const rows = measure(candidates, rounds, durationMs);
console.log(`node ${process.version}; best of ${rounds} interleaved rounds of ${durationMs} ms per figure`);
console.table(rows);
console.table(startup);
