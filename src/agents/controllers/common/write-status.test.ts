import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apiserver/index.ts';
import type { StatusReason } from '../../../apiserver/rest/status.ts';
import { StatusError } from '../../client/errors.ts';
import { writeStatusIfChanged, type StatusWriter } from './write-status.ts';

function fakeClient(fail?: StatusError): StatusWriter & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    async updateStatus(namespace: string, name: string, object: never) {
      calls.push([namespace, name, object]);
      if (fail !== undefined) throw fail;
      return object;
    },
  };
}

const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { namespace: 'ns', name: 'web' }, status: { replicas: 2, readyReplicas: 1 } };
const statusError = (code: number, reason: StatusReason, grpcCode: GrpcStatus) => new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message: reason }, grpcCode);

describe('writeStatusIfChanged', () => {
  it('writes nothing when the status is the same, key order aside', async () => {
    const client = fakeClient();
    expect(await writeStatusIfChanged(client, rs, { readyReplicas: 1, replicas: 2 })).toBe(false);
    expect(await writeStatusIfChanged(client, { ...rs, status: undefined }, {})).toBe(false);
    expect(client.calls).toEqual([]);
  });

  it('writes the whole object with the new status into its namespace and name', async () => {
    const client = fakeClient();
    expect(await writeStatusIfChanged(client, rs, { replicas: 3 })).toBe(true);
    expect(client.calls).toEqual([['ns', 'web', { ...rs, status: { replicas: 3 } }]]);
  });

  it('uses the given comparison', async () => {
    const client = fakeClient();
    expect(await writeStatusIfChanged(client, rs, { replicas: 9 }, () => true)).toBe(false);
    expect(client.calls).toEqual([]);
  });

  it('takes an object deleted meanwhile as done, and throws anything else (a conflict is retried)', async () => {
    await expect(writeStatusIfChanged(fakeClient(statusError(404, 'NotFound', GrpcStatus.NOT_FOUND)), rs, { replicas: 3 })).resolves.toBe(false);
    await expect(writeStatusIfChanged(fakeClient(statusError(409, 'Conflict', GrpcStatus.ABORTED)), rs, { replicas: 3 })).rejects.toThrow('Conflict');
  });
});
