import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { StatusError, type ResourceClient } from '../client/index.ts';
import { podRunRequest, PodVolumeError, type PodInputSources } from './pod-inputs.ts';
import type { ApiPod } from './pod-types.ts';

/** A read-only client over a few objects, answering 404 with the apiserver's Status for the rest. */
function objects(resource: string, items: KubeObject[]): ResourceClient<KubeObject> {
  return {
    get: async (_ns: string, name: string) => {
      const found = items.find((i) => i.metadata?.name === name);
      if (found === undefined) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `${resource} "${name}" not found` }, 5);
      return structuredClone(found);
    },
  } as unknown as ResourceClient<KubeObject>;
}

function sources(claims: KubeObject[], volumes: KubeObject[]): PodInputSources {
  return { configMaps: objects('configmaps', []), secrets: objects('secrets', []), claims: objects('persistentvolumeclaims', claims), volumes: objects('persistentvolumes', volumes), services: () => [], nodeName: 'n1', hostIP: '127.64.0.1', extraEnv: [] };
}

const pod: ApiPod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
  spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'tmp', emptyDir: {} }], containers: [{ name: 'c', image: 'busybox' }] },
};
const claim = (status: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'data', namespace: 'ns', ...extra }, spec: { volumeName: status === 'Bound' ? 'pv1' : '' }, status: { phase: status } });
const pv: KubeObject = { metadata: { name: 'pv1' }, spec: { hostPath: { path: '/srv/pv1', type: 'DirectoryOrCreate' } } };

async function failure(src: PodInputSources): Promise<string> {
  try {
    await podRunRequest(pod, src);
  } catch (err) {
    if (err instanceof PodVolumeError) return err.message;
    throw err;
  }
  return 'resolved';
}

describe('pod inputs: persistentVolumeClaim volumes', () => {
  it("resolve claim → bound volume → its directory", async () => {
    const req = await podRunRequest(pod, sources([claim('Bound')], [pv]));
    expect(req.persistentVolumes).toEqual({ data: { path: '/srv/pv1', type: 'DirectoryOrCreate' } });
  });

  it("wait, in the kubelet's words, for a claim that is missing, unbound or being deleted", async () => {
    const prefix = 'Unable to attach or mount volumes: unmounted volumes=[data tmp], unattached volumes=[data tmp], failed to process volumes=[data]: error processing PVC ns/data: ';
    expect(await failure(sources([], []))).toBe(`${prefix}failed to fetch PVC from API server: persistentvolumeclaims "data" not found`);
    expect(await failure(sources([claim('Pending')], []))).toBe(`${prefix}PVC is not bound`);
    expect(await failure(sources([claim('Bound', { deletionTimestamp: '2026-01-01T00:00:00Z' })], [pv]))).toBe(`${prefix}PVC is being deleted`);
    expect(await failure(sources([claim('Bound')], []))).toBe(`${prefix}failed to fetch PV pv1 from API server: persistentvolumes "pv1" not found`);
    expect(await failure(sources([claim('Bound')], [{ metadata: { name: 'pv1' }, spec: { nfs: { server: 's', path: '/x' } } }]))).toBe(`${prefix}volume pv1 has no hostPath or local source, the only ones this node mounts`);
  });
});
