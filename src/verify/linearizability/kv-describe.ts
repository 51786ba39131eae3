// How KV operations read in counterexamples.

import type { KvGetResult, KvInput, KvOutput, KvRequestOp } from './kv-types.ts';

const show = (s: string): string => JSON.stringify(s);

function describeRequest(op: KvRequestOp): string {
  switch (op.type) {
    case 'put':
      return `put(${show(op.key)}, ${show(op.value)}${op.lease ? `, lease ${op.lease}` : ''})`;
    case 'get':
      return `get(${show(op.key)})`;
    case 'delete':
      return `delete(${show(op.key)})`;
  }
}

export function describeInput(input: KvInput): string {
  switch (input.type) {
    case 'txn': {
      const cmp = input.compare.map((c) => `${c.target}(${show(c.key)}) == ${c.target === 'value' ? show(c.equals) : c.equals}`).join(' && ');
      const branch = (ops: readonly KvRequestOp[]): string => (ops.length ? ops.map(describeRequest).join(', ') : 'nothing');
      return `txn(if ${cmp || 'true'} then ${branch(input.success)} else ${branch(input.failure)})`;
    }
    case 'lease-grant':
      return `lease-grant(${input.leaseId}, ttl ${input.ttl})`;
    case 'lease-revoke':
      return `lease-revoke(${input.leaseId})`;
    default:
      return describeRequest(input);
  }
}

function describeGet(r: KvGetResult): string {
  const value = r.value === undefined ? '(value unchecked)' : r.value === null ? 'missing' : show(r.value);
  const meta = [r.modRevision !== undefined ? `mod ${r.modRevision}` : '', r.version !== undefined ? `v${r.version}` : ''].filter(Boolean);
  return meta.length ? `${value} (${meta.join(', ')})` : value;
}

export function describeOutput(input: KvInput, output: KvOutput): string {
  const rev = output.revision !== undefined ? ` @rev ${output.revision}` : '';
  if (output.error) return `error ${output.error}${rev}`;
  switch (input.type) {
    case 'get':
      return `${describeGet(output)}${rev}`;
    case 'delete':
      return `${output.deleted === undefined ? 'ok' : `deleted ${output.deleted}`}${rev}`;
    case 'txn': {
      const branch = output.succeeded === undefined ? 'ok' : output.succeeded ? 'succeeded' : 'failed';
      const gets = (output.results ?? []).filter((r): r is KvGetResult => r !== undefined && r.value !== undefined).map(describeGet);
      return `${branch}${gets.length ? ` [${gets.join(', ')}]` : ''}${rev}`;
    }
    default:
      return `ok${rev}`;
  }
}
