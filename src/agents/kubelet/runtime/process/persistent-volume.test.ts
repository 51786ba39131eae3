import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realClock } from '../../../client/clock.ts';
import { PodAddressAllocator, nodeAddressRange } from '../../pod-network/index.ts';
import { collect, waitFor } from '../compliance.ts';
import type { RunPodRequest } from '../types.ts';
import { createProcessRuntime } from './index.ts';
import { liveChildren } from './testing.ts';
import { volumeDir } from './volumes.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barque-runtime-pv-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function pod(uid: string, script: string, pvPath: string, type?: string): RunPodRequest {
  return {
    pod: { uid, name: uid, namespace: 'default' },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'claim' } }],
      containers: [{ name: 'c', image: 'busybox', args: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/var/data' }] }],
    },
    persistentVolumes: { claim: { path: pvPath, type } },
  };
}

describe('process runtime: persistentVolumeClaim volumes', () => {
  it("link the claim's volume directory, whose data outlives the pod", async () => {
    const runtime = createProcessRuntime({ root: path.join(root, 'node'), addresses: new PodAddressAllocator(nodeAddressRange(14)), clock: realClock });
    const pvDir = path.join(root, 'pv-1');
    const finished = (uid: string) => waitFor(`${uid} done`, () => runtime.podStatus(uid)?.containers.every((c) => 'terminated' in c.state));
    try {
      await runtime.runPod(pod('writer', 'echo kept > var/data/note; echo "$BARQUE_VOLUME_DATA"', pvDir, 'DirectoryOrCreate'));
      await finished('writer');
      expect(fs.lstatSync(volumeDir(path.join(root, 'node'), 'writer', 'data')).isSymbolicLink()).toBe(true);
      expect(await collect(runtime.readLogs('writer', 'c'))).toEqual([volumeDir(path.join(root, 'node'), 'writer', 'data')]);
      await runtime.removePod('writer', 0);
      expect(fs.readFileSync(path.join(pvDir, 'note'), 'utf8')).toBe('kept\n');

      await runtime.runPod(pod('reader', 'cat var/data/note', pvDir));
      await finished('reader');
      expect(await collect(runtime.readLogs('reader', 'c'))).toEqual(['kept']);
      await runtime.removePod('reader', 0);
      expect(fs.existsSync(path.join(pvDir, 'note'))).toBe(true);

      await expect(runtime.runPod(pod('missing', 'true', path.join(root, 'absent'), 'Directory'))).rejects.toThrow(`hostPath type check failed: ${path.join(root, 'absent')} is not a directory`);
    } finally {
      await runtime.close();
      await waitFor('no child process left', () => liveChildren().length === 0);
    }
  });
});
