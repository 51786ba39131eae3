import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { findBestMatch, isVolumeBoundToClaim, podClaimNames, shouldDelayBinding, volumeMismatch } from './volume-binding.ts';

function pv(name: string, size: string, extra: { modes?: string[]; sc?: string; labels?: Record<string, string>; phase?: string; claimRef?: Record<string, unknown>; mode?: string; node?: string } = {}): KubeObject {
  const spec: Record<string, unknown> = { capacity: { storage: size }, accessModes: extra.modes ?? ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` } };
  if (extra.sc !== undefined) spec.storageClassName = extra.sc;
  if (extra.claimRef !== undefined) spec.claimRef = extra.claimRef;
  if (extra.mode !== undefined) spec.volumeMode = extra.mode;
  if (extra.node !== undefined) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [extra.node] }] }] } };
  return { metadata: { name, labels: extra.labels ?? {} }, spec, status: { phase: extra.phase ?? 'Available' } };
}

function claim(size: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject {
  return { metadata: { name: 'data', namespace: 'ns', uid: 'u1', annotations }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', ...spec } };
}

const names = (v: KubeObject | undefined): string | undefined => v?.metadata?.name;
const node = (name: string): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });

describe('volume matching', () => {
  it('picks the smallest Available volume that is big enough', () => {
    const volumes = [pv('huge', '100Gi'), pv('tiny', '500Mi'), pv('fits', '2Gi'), pv('fits-too', '5Gi'), pv('taken', '1Gi', { phase: 'Bound', claimRef: { namespace: 'x', name: 'y', uid: 'z' } })];
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: false }))).toBe('fits');
    expect(names(findBestMatch(claim('200Gi'), volumes, { delayBinding: false }))).toBeUndefined();
  });

  it('prefers volumes with the fewest extra access modes, then size', () => {
    const volumes = [pv('many', '1Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'] }), pv('exact-big', '10Gi'), pv('rox', '1Gi', { modes: ['ReadOnlyMany'] })];
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: false }))).toBe('exact-big');
    expect(names(findBestMatch(claim('1Gi', { accessModes: ['ReadWriteMany'] }), volumes, { delayBinding: false }))).toBe('many');
  });

  it('matches class, selector and volume mode', () => {
    const volumes = [pv('fast', '1Gi', { sc: 'fast', labels: { tier: 'fast' } }), pv('plain', '1Gi', { labels: { tier: 'slow' } }), pv('block', '1Gi', { mode: 'Block' })];
    expect(names(findBestMatch(claim('1Gi', { storageClassName: 'fast' }), volumes, { delayBinding: false }))).toBe('fast');
    expect(names(findBestMatch(claim('1Gi', { selector: { matchLabels: { tier: 'slow' } } }), volumes, { delayBinding: false }))).toBe('plain');
    expect(names(findBestMatch(claim('1Gi', { volumeMode: 'Block' }), volumes, { delayBinding: false }))).toBe('block');
    expect(names(findBestMatch(claim('1Gi', { storageClassName: 'other' }), volumes, { delayBinding: false }))).toBeUndefined();
  });

  it('gives a volume pre-bound to the claim precedence, even when binding waits', () => {
    const volumes = [pv('small', '1Gi'), pv('mine', '50Gi', { phase: 'Pending', claimRef: { namespace: 'ns', name: 'data', uid: '' } })];
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: false }))).toBe('mine');
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: true }))).toBe('mine');
    expect(names(findBestMatch(claim('1Gi'), [pv('small', '1Gi')], { delayBinding: true }))).toBeUndefined();
    expect(isVolumeBoundToClaim(pv('other-uid', '1Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'u0' } }), claim('1Gi'))).toBe(false);
  });

  it("checks a volume's node affinity against the consumer's node", () => {
    const volumes = [pv('on-a', '1Gi', { node: 'a' }), pv('on-b', '2Gi', { node: 'b' })];
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: true, node: node('b') }))).toBe('on-b');
    expect(names(findBestMatch(claim('1Gi'), volumes, { delayBinding: true, node: node('c') }))).toBeUndefined();
  });

  it('explains why a volume the claim names does not fit', () => {
    expect(volumeMismatch(pv('v', '1Gi'), claim('2Gi'))).toBe('requested PV is too small');
    expect(volumeMismatch(pv('v', '1Gi', { sc: 'fast' }), claim('1Gi'))).toBe('storageClassName does not match');
    expect(volumeMismatch(pv('v', '1Gi', { modes: ['ReadOnlyMany'] }), claim('1Gi'))).toBe('incompatible accessMode');
    expect(volumeMismatch(pv('v', '1Gi'), claim('1Gi'))).toBeUndefined();
  });
});

describe('binding mode and consumers', () => {
  const wait = { metadata: { name: 'local-path' }, volumeBindingMode: 'WaitForFirstConsumer' };
  it('delays a WaitForFirstConsumer claim until it has a selected node', () => {
    expect(shouldDelayBinding(claim('1Gi'), wait)).toBe(true);
    expect(shouldDelayBinding(claim('1Gi', {}, { 'volume.kubernetes.io/selected-node': 'n1' }), wait)).toBe(false);
    expect(shouldDelayBinding(claim('1Gi'), { metadata: { name: 'now' }, volumeBindingMode: 'Immediate' })).toBe(false);
    expect(shouldDelayBinding(claim('1Gi'), undefined)).toBe(false);
  });
  it("reads a pod's claims from its volumes", () => {
    expect(podClaimNames({ spec: { volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'x' } }, { name: 'b', emptyDir: {} }] } })).toEqual(['x']);
  });
});
