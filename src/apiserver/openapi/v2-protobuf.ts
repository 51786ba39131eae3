// /openapi/v2 in protobuf: gnostic's openapi_v2.Document, which kubectl 1.20 requests
// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) for client-side validation and patch metadata.
// Only the parts kubectl reads are encoded: swagger, info and definitions (Document fields 1, 2, 9); paths stay
// empty (8). Vendor extensions travel as NamedAny with the value as YAML text (Any.yaml, field 2), as upstream does.
// Field numbers are those of gnostic's OpenAPIv2.proto.
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

export function encodeOpenApiV2(title: string, version: string, definitions: Definitions): Buffer {
  const info = Buffer.concat([text(1, title), text(2, version)]);
  const named = Object.entries(definitions).map(([name, schema]) => bytesField(1, Buffer.concat([text(1, name), bytesField(2, encodeSchema(schema))])));
  return Buffer.concat([text(1, '2.0'), bytesField(2, info), bytesField(8, Buffer.alloc(0)), bytesField(9, Buffer.concat(named))]);
}
