// What every fuzzed call must satisfy, whatever the bytes: an answer within the bound, a real status code, and
// either success or an error etcd itself gives (never a JavaScript failure leaking out as text).
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';
import { checkWire } from '../../src/store/server/strict-wire.ts';
import type { MethodInfo, Outcome } from './raw-call.ts';

/** Services whose requests are checked as etcd's decoders check them (see strict-wire.ts). */
export const STRICT_SERVICES = new Set(['KV', 'Watch', 'Lease', 'Maintenance', 'Cluster', 'Auth', 'Lock', 'Election']);

const JS_FAILURE = /TypeError|ReferenceError|RangeError|Cannot read|is not a function|is not defined|undefined|Maximum call stack|assertion|does not fit a JS number/i;

/** Whether etcd's decoder refuses these bytes for this request type. */
export function undecodable(m: MethodInfo, bytes: Buffer): boolean {
  try {
    checkWire(loadEtcdProtos().root.lookupType(m.requestType), bytes);
    return false;
  } catch {
    return true;
  }
}

/** Problems with one outcome; empty when it is acceptable. */
export function outcomeProblems(m: MethodInfo, bytes: Buffer, o: Outcome): string[] {
  const problems: string[] = [];
  if (o.kind !== 'error') {
    if (STRICT_SERVICES.has(m.service) && undecodable(m, bytes)) problems.push('undecodable request was accepted (etcd answers INTERNAL)');
    return problems;
  }
  const code = o.code ?? -1;
  if (!(code >= 1 && code <= 16)) problems.push(`not a gRPC status code: ${code}`);
  if (code === grpc.status.DEADLINE_EXCEEDED) problems.push('no answer within the bound');
  if (code === grpc.status.UNAVAILABLE && !(o.details ?? '').startsWith('etcdserver: ')) problems.push(`connection lost: ${o.details}`);
  if (JS_FAILURE.test(o.details ?? '')) problems.push(`internal failure leaked: ${o.details}`);
  if (STRICT_SERVICES.has(m.service) && undecodable(m, bytes) !== (code === grpc.status.INTERNAL)) {
    problems.push(`INTERNAL iff undecodable: got ${code} ${o.details}`);
  }
  return problems;
}
