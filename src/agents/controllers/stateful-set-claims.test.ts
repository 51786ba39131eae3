import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { claimsForOrdinal, retentionOwnerRefs, volumesWithClaims } from './stateful-set-claims.ts';

const sts = (policy?: Record<string, string>): KubeObject => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    persistentVolumeClaimRetentionPolicy: policy,
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { disk: 'ssd' }, annotations: { note: 'x' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});
const pod: KubeObject = { metadata: { name: 'web-1', uid: 'pod-uid' } };

describe('StatefulSet claims', () => {
  it('are named <template>-<set>-<ordinal>, labelled with the set selector', () => {
    expect(claimsForOrdinal(sts(), 1)).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data-web-1', namespace: 'ns', labels: { disk: 'ssd', app: 'web' }, annotations: { note: 'x' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ]);
  });

  it('replace pod volumes of the template name and come first', () => {
    expect(volumesWithClaims(sts(), 0, [{ name: 'cache', emptyDir: {} }, { name: 'data', emptyDir: {} }])).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
      { name: 'cache', emptyDir: {} },
    ]);
  });

  it('get owners by the retention policy, and lose them again under Retain', () => {
    const claim: KubeObject = { metadata: { name: 'data-web-1' } };
    expect(retentionOwnerRefs(claim, sts(), pod, false)).toBeUndefined();
    const bySet = retentionOwnerRefs(claim, sts({ whenDeleted: 'Delete', whenScaled: 'Retain' }), pod, true);
    expect(bySet).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid' }]);
    const condemned = retentionOwnerRefs({ metadata: { ownerReferences: bySet } }, sts({ whenDeleted: 'Delete', whenScaled: 'Delete' }), pod, true);
    expect(condemned).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'pod-uid' }]);
    expect(retentionOwnerRefs({ metadata: { ownerReferences: condemned } }, sts({ whenDeleted: 'Retain', whenScaled: 'Retain' }), pod, true)).toEqual([]);
    expect(retentionOwnerRefs({ metadata: { ownerReferences: bySet } }, sts({ whenDeleted: 'Delete', whenScaled: 'Delete' }), pod, false)).toBeUndefined();
  });
});
