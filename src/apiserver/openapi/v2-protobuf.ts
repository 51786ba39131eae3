// /openapi/v2 in protobuf: gnostic's openapi_v2.Document, which kubectl 1.20 requests
// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) for client-side validation and patch metadata.
// Only the parts kubectl reads are encoded: swagger, info, paths and definitions (Document fields 1, 2, 8, 9).
// kubectl 1.20's diff and --dry-run=server look for a `dryRun` query parameter on the PATCH operation whose
// x-kubernetes-group-version-kind names the kind; without paths they refuse ("doesn't support dry-run"). Vendor
// extensions travel as NamedAny with the value as YAML text (Any.yaml, field 2), as upstream does. Field numbers
// are those of gnostic's OpenAPIv2.proto.
import type { Definitions, Schema } from './definitions.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function bytesField(number: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
}

const text = (number: number, s: string): Buffer => bytesField(number, Buffer.from(s, 'utf8'));
const bool = (number: number, b: boolean): Buffer => (b ? Buffer.concat([varint(number << 3), varint(1)]) : Buffer.alloc(0));

/** YAML for an extension value: JSON is YAML, and upstream's parser reads it either way. */
function namedAny(name: string, value: unknown): Buffer {
  return Buffer.concat([text(1, name), bytesField(2, text(2, `${JSON.stringify(value)}\n`))]);
}

function encodeSchema(schema: Schema): Buffer {
  const parts: Buffer[] = [];
  if (schema.$ref !== undefined) parts.push(text(1, schema.$ref));
  if (schema.format !== undefined) parts.push(text(2, schema.format));
  if (schema.description !== undefined) parts.push(text(4, schema.description));
  for (const r of schema.required ?? []) parts.push(text(19, r));
  if (schema.additionalProperties !== undefined) parts.push(bytesField(21, bytesField(1, encodeSchema(schema.additionalProperties))));
  if (schema.type !== undefined) parts.push(bytesField(22, text(1, schema.type)));
  if (schema.items !== undefined) parts.push(bytesField(23, bytesField(1, encodeSchema(schema.items))));
  if (schema.properties !== undefined) {
    const named = Object.entries(schema.properties).map(([name, value]) => bytesField(1, Buffer.concat([text(1, name), bytesField(2, encodeSchema(value))])));
    parts.push(bytesField(25, Buffer.concat(named)));
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-')) parts.push(bytesField(31, namedAny(key, value)));
  }
  return Buffer.concat(parts);
}

/** A v2 operation as the JSON document has it. */
interface V2Operation {
  operationId?: string;
  consumes?: string[];
  produces?: string[];
  schemes?: string[];
  parameters?: Array<{ name: string; in: string; type?: string; required?: boolean; uniqueItems?: boolean; description?: string; schema?: Schema }>;
  responses?: Record<string, { description: string }>;
  [extension: `x-${string}`]: unknown;
}

/** PathItem's field for each method. */
const METHOD_FIELDS: Readonly<Record<string, number>> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function encodeParameter(p: NonNullable<V2Operation['parameters']>[number]): Buffer {
  let parameter: Buffer;
  if (p.in === 'body') {
    // Parameter.body_parameter: BodyParameter {name 2, in 3, required 4, schema 5}
    parameter = bytesField(1, Buffer.concat([text(2, p.name), text(3, p.in), bool(4, p.required === true), p.schema === undefined ? Buffer.alloc(0) : bytesField(5, encodeSchema(p.schema))]));
  } else if (p.in === 'path') {
    // NonBodyParameter.path_parameter_sub_schema: {required 1, in 2, description 3, name 4, type 5}
    const sub = Buffer.concat([bool(1, p.required === true), text(2, p.in), text(4, p.name), text(5, p.type ?? 'string')]);
    parameter = bytesField(2, bytesField(4, sub));
  } else {
    // NonBodyParameter.query_parameter_sub_schema: {required 1, in 2, description 3, name 4, type 6, unique_items 20}
    const sub = Buffer.concat([bool(1, p.required === true), text(2, p.in), p.description ? text(3, p.description) : Buffer.alloc(0), text(4, p.name), text(6, p.type ?? 'string'), bool(20, p.uniqueItems === true)]);
    parameter = bytesField(2, bytesField(3, sub));
  }
  return bytesField(1, parameter); // ParametersItem.parameter
}

function encodeOperation(op: V2Operation): Buffer {
  const parts: Buffer[] = [];
  if (op.operationId !== undefined) parts.push(text(5, op.operationId));
  for (const p of op.produces ?? []) parts.push(text(6, p));
  for (const c of op.consumes ?? []) parts.push(text(7, c));
  for (const p of op.parameters ?? []) parts.push(bytesField(8, encodeParameter(p)));
  // Responses.response_code: NamedResponseValue {name, ResponseValue.response {description}}
  const codes = Object.entries(op.responses ?? {}).map(([code, r]) => bytesField(1, Buffer.concat([text(1, code), bytesField(2, bytesField(1, text(1, r.description)))])));
  if (codes.length > 0) parts.push(bytesField(9, Buffer.concat(codes)));
  for (const s of op.schemes ?? []) parts.push(text(10, s));
  for (const [key, value] of Object.entries(op)) {
    if (key.startsWith('x-')) parts.push(bytesField(13, namedAny(key, value)));
  }
  return Buffer.concat(parts);
}

export function encodeOpenApiV2(title: string, version: string, definitions: Definitions, paths: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {}): Buffer {
  const info = Buffer.concat([text(1, title), text(2, version)]);
  const named = Object.entries(definitions).map(([name, schema]) => bytesField(1, Buffer.concat([text(1, name), bytesField(2, encodeSchema(schema))])));
  const pathItems = Object.entries(paths).map(([path, item]) => {
    const operations = Object.entries(item)
      .filter(([method]) => METHOD_FIELDS[method] !== undefined)
      .map(([method, op]) => bytesField(METHOD_FIELDS[method], encodeOperation(op as V2Operation)));
    return bytesField(2, Buffer.concat([text(1, path), bytesField(2, Buffer.concat(operations))])); // Paths.path: NamedPathItem
  });
  return Buffer.concat([text(1, '2.0'), bytesField(2, info), bytesField(8, Buffer.concat(pathItems)), bytesField(9, Buffer.concat(named))]);
}
