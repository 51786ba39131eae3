// Small HTTP helpers: bodies in, JSON out, content negotiation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './status.ts';

export const BODY_BYTES_MAX = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_BYTES_MAX) throw new ApiError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': payload.length, 'Cache-Control': 'no-cache, private' });
  res.end(payload);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/** The media type without parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

export type Representation = { as: 'object' } | { as: 'Table' } | { as: 'PartialObjectMetadata' };

/**
 * What the client asked for, in its order of preference: a meta.k8s.io Table, PartialObjectMetadata, or the object
 * itself as JSON. Protobuf and YAML are not served; a client that also accepts JSON (client-go always does) gets JSON.
 */
export function negotiate(accept: string | undefined): Representation {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim())));
    if (type !== 'application/json' && type !== '*/*') continue;
    if (p.g === 'meta.k8s.io' && p.as === 'Table' && (p.v === 'v1' || p.v === 'v1beta1')) return { as: 'Table' };
    if (p.g === 'meta.k8s.io' && p.as === 'PartialObjectMetadata' && p.v === 'v1') return { as: 'PartialObjectMetadata' };
    if (p.as === undefined) return { as: 'object' };
  }
  return { as: 'object' };
}
