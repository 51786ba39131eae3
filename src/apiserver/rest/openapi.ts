// OpenAPI endpoints, answered with the least we can honestly say.
//
// kubectl 1.20 fetches /openapi/v2 as protobuf before `create -f`/`apply`/`edit` (validation and patch metadata);
// a 404 there (and on /swagger-2.0.0.pb-v1) fails the command, and JSON in its place fails to decode. We answer a
// minimal valid gnostic `openapi_v2.Document` (swagger "2.0", info, empty paths, no definitions): kubectl then finds
// no schema for any kind, skips client-side validation, and takes strategic-merge metadata from its compiled-in
// types. /openapi/v3 answers an empty index, so kubectl 1.27+ finds no fieldValidation support and does the same.
// Real schemas (for `kubectl explain` and server-side field validation) come later.
import { SERVER_VERSION } from './discovery.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function field(number: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** openapi_v2.Document{swagger: "2.0", info: {title, version}, paths: {}} in protobuf (fields 1, 2, 8; Info: title 1, version 2). */
export function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([field(1, text('Kubernetes')), field(2, text(SERVER_VERSION.gitVersion))]);
  return Buffer.concat([field(1, text('2.0')), field(2, info), field(8, Buffer.alloc(0))]);
}

export function openApiV2Json(): Record<string, unknown> {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths: {}, definitions: {} };
}

export function openApiV3Index(): Record<string, unknown> {
  return { paths: {} };
}
