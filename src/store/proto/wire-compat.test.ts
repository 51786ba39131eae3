// The guard for byte compatibility with etcd 3.4: our proto/etcd/** must declare exactly what etcd's own .proto
// files declare (names, numbers, types, labels, oneofs, enums, services, streaming), and encode to the same bytes.
// etcd's files come from scripts/fetch-reference.sh; when they are missing this test fails, it does not skip.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { referenceProtoDir } from '../testing/reference-binaries.ts';
import { loadProtoRoot } from './load-root.ts';
import { ETCD_PACKAGES, ETCD_PROTO_FILES, PROTO_ROOT } from './proto-files.ts';

const REFERENCE_FILES = [
  'etcd/mvcc/mvccpb/kv.proto',
  'etcd/auth/authpb/auth.proto',
  'etcd/etcdserver/etcdserverpb/rpc.proto',
  'etcd/etcdserver/api/v3lock/v3lockpb/v3lock.proto',
  'etcd/etcdserver/api/v3election/v3electionpb/v3election.proto',
];
// Only custom options come from these; options never reach the wire.
const OPTION_ONLY_IMPORTS = ['gogoproto/gogo.proto', 'google/api/annotations.proto'];

/** protobufjs full names start with a dot; etcd and gRPC paths do not. */
function nameOf(node: protobuf.ReflectionObject): string {
  return node.fullName.replace(/^\./, '');
}

/** Everything about a schema element that affects the wire or the names clients see. */
type Shape = Record<string, unknown>;

function fieldShape(field: protobuf.Field): Shape {
  field.resolve();
  const shape: Shape = {
    id: field.id,
    type: field.resolvedType ? nameOf(field.resolvedType) : field.type,
    repeated: field.repeated,
    map: field.map,
    oneof: field.partOf?.name ?? null,
    optional: field.options?.proto3_optional === true,
  };
  if (field instanceof protobuf.MapField) shape.keyType = field.keyType;
  if (field.repeated) shape.packed = field.packed;
  return shape;
}

/** Flattens every message, enum and service of the given packages into fullName -> shape. */
function describeSchema(root: protobuf.Root, packages: readonly string[]): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const visit = (node: protobuf.ReflectionObject): void => {
    if (node instanceof protobuf.Type) {
      const fields = Object.fromEntries(node.fieldsArray.map((f) => [f.name, fieldShape(f)]));
      const oneofs = Object.fromEntries(node.oneofsArray.map((o) => [o.name, [...o.oneof].sort()]));
      shapes.set(nameOf(node), { kind: 'message', fields, oneofs });
    } else if (node instanceof protobuf.Enum) {
      shapes.set(nameOf(node), { kind: 'enum', values: { ...node.values } });
    } else if (node instanceof protobuf.Service) {
      const methods = Object.fromEntries(
        node.methodsArray.map((m) => {
          m.resolve();
          return [
            m.name,
            {
              request: m.resolvedRequestType && nameOf(m.resolvedRequestType),
              response: m.resolvedResponseType && nameOf(m.resolvedResponseType),
              requestStream: m.requestStream === true,
              responseStream: m.responseStream === true,
            },
          ];
        }),
      );
      shapes.set(nameOf(node), { kind: 'service', methods });
    }
    if (node instanceof protobuf.Namespace) node.nestedArray.forEach(visit);
  };
  for (const pkg of packages) visit(root.lookup(pkg) ?? fail(`package ${pkg} not found`));
  return shapes;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Human-readable differences, one line each, so a failure names the exact element. */
function differences(reference: Map<string, Shape>, ours: Map<string, Shape>): string[] {
  const lines: string[] = [];
  for (const [name, shape] of reference) {
    const mine = ours.get(name);
    if (!mine) lines.push(`missing in ours: ${shape.kind} ${name}`);
    else if (JSON.stringify(sortKeys(mine)) !== JSON.stringify(sortKeys(shape))) {
      lines.push(`differs: ${name}\n  etcd: ${JSON.stringify(sortKeys(shape))}\n  ours: ${JSON.stringify(sortKeys(mine))}`);
    }
  }
  for (const [name, shape] of ours) if (!reference.has(name)) lines.push(`extra in ours: ${shape.kind} ${name}`);
  return lines;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A message with every field set to a distinctive non-default value (the first member of each oneof, recursion cut
 * at a depth), so that encoding it exercises every field's tag and wire type.
 */
function sampleMessage(type: protobuf.Type, depth: number, salt: number): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  const oneofsTaken = new Set<string>();
  type.fieldsArray.forEach((field, i) => {
    field.resolve();
    if (field.partOf) {
      if (oneofsTaken.has(field.partOf.name)) return;
      oneofsTaken.add(field.partOf.name);
    }
    const value = (k: number): unknown => sampleValue(field, depth, salt * 31 + i * 7 + k);
    if (field.resolvedType instanceof protobuf.Type && depth <= 0) return;
    sample[field.name] = field.repeated ? [value(1), value(2)] : value(0);
  });
  return sample;
}

function sampleValue(field: protobuf.Field, depth: number, salt: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return sampleMessage(resolved, depth - 1, salt);
  if (resolved instanceof protobuf.Enum) {
    const values = Object.values(resolved.values);
    return values[(salt % values.length + values.length) % values.length];
  }
  const big = 0x7edc_ba98_7654_3210n + BigInt(salt); // above 2^53: catches any lossy 64-bit path
  switch (field.type) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (salt % 2 === 0 ? big : -big).toString();
    case 'uint64':
    case 'fixed64':
      return (big * 2n).toString();
    case 'int32':
      return -(salt + 1);
    case 'uint32':
    case 'fixed32':
      return 0xfff0_0000 + salt;
    case 'bool':
      return true;
    case 'string':
      return `s${salt}-ü`;
    case 'bytes':
      return Buffer.from([0, 255, salt & 0xff, 1]);
    default:
      throw new Error(`no sample for field type ${field.type} (${field.fullName})`);
  }
}

function allMessageTypes(root: protobuf.Root, packages: readonly string[]): protobuf.Type[] {
  const types: protobuf.Type[] = [];
  const visit = (node: protobuf.ReflectionObject): void => {
    if (node instanceof protobuf.Type) types.push(node);
    if (node instanceof protobuf.Namespace) node.nestedArray.forEach(visit);
  };
  packages.forEach((pkg) => visit(root.lookup(pkg) as protobuf.ReflectionObject));
  return types;
}

interface Schemas {
  reference: protobuf.Root;
  ours: protobuf.Root;
  referenceShapes: Map<string, Shape>;
  ourShapes: Map<string, Shape>;
}
let schemas: Schemas | undefined;

/**
 * Loaded on first use inside a test, so that a missing reference fails every test with the fix in its message
 * (referenceProtoDir throws) instead of failing collection or skipping.
 */
function load(): Schemas {
  if (!schemas) {
    const reference = loadProtoRoot(referenceProtoDir(), REFERENCE_FILES, { ignoreImports: OPTION_ONLY_IMPORTS });
    const ours = loadProtoRoot(PROTO_ROOT, ETCD_PROTO_FILES);
    schemas = {
      reference,
      ours,
      referenceShapes: describeSchema(reference, ETCD_PACKAGES),
      ourShapes: describeSchema(ours, ETCD_PACKAGES),
    };
  }
  return schemas;
}

describe('etcd 3.4 wire compatibility of proto/etcd', () => {
  it('reads a plausible reference (guards the guard)', () => {
    const { referenceShapes } = load();
    const kinds = (k: string) => [...referenceShapes.values()].filter((s) => s.kind === k).length;
    expect(kinds('service')).toBe(8);
    expect(kinds('message')).toBeGreaterThan(100);
    expect(kinds('enum')).toBeGreaterThan(8);
    expect(referenceShapes.get('etcdserverpb.Compare')).toMatchObject({ fields: { range_end: { id: 64 } } });
  });

  it.each(ETCD_PACKAGES)('package %s declares exactly what etcd declares', (pkg) => {
    const { referenceShapes, ourShapes } = load();
    const only = (shapes: Map<string, Shape>) => new Map([...shapes].filter(([name]) => name.startsWith(`${pkg}.`)));
    expect(differences(only(referenceShapes), only(ourShapes))).toEqual([]);
  });

  it('exposes every service method under the gRPC path etcd clients call', () => {
    const { reference, ours } = load();
    const paths = (root: protobuf.Root) =>
      [...describeSchema(root, ETCD_PACKAGES)]
        .filter(([, s]) => s.kind === 'service')
        .flatMap(([name, s]) => Object.keys(s.methods as object).map((m) => `/${name}/${m}`))
        .sort();
    expect(paths(ours)).toEqual(paths(reference));
    expect(paths(ours)).toContain('/etcdserverpb.KV/Range');
    expect(paths(ours)).toContain('/v3electionpb.Election/Observe');
  });

  it('encodes every message to the same bytes as etcd\'s schema, and each decodes the other\'s', () => {
    const { reference, ours } = load();
    const types = allMessageTypes(reference, ETCD_PACKAGES);
    for (const refType of types) {
      const ourType = ours.lookupType(nameOf(refType));
      const sample = sampleMessage(refType, 3, nameOf(refType).length);
      const refBytes = refType.encode(refType.fromObject(sample)).finish();
      const ourBytes = ourType.encode(ourType.fromObject(sample)).finish();
      expect(Buffer.from(ourBytes).toString('hex'), nameOf(refType)).toBe(Buffer.from(refBytes).toString('hex'));
      const viaOurs = ourType.toObject(ourType.decode(refBytes), { longs: String, bytes: String });
      const viaRef = refType.toObject(refType.decode(ourBytes), { longs: String, bytes: String });
      expect(viaOurs, nameOf(refType)).toEqual(viaRef);
    }
  });
});
