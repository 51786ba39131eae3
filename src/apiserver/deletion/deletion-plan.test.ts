import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.ts';
import { newFinalizersWhileDeleting, planDeletion, shouldDeleteAfterUpdate } from './deletion-plan.ts';
import { applyFinalize, planNamespaceDeletion } from './namespace-deletion.ts';

const PODS = { group: '', resource: 'pods' };
const CONFIGMAPS = { group: '', resource: 'configmaps' };
const NOW = Date.parse('2026-01-02T03:04:05Z');

const pod = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name: 'p' }, spec: { containers: [], ...spec }, ...extra });

describe('planDeletion', () => {
  it('gives a bound pod its grace period: the request, else spec.terminationGracePeriodSeconds, else 30 s', () => {
    const bound = planDeletion(PODS, pod({ nodeName: 'n1' }), {}, NOW);
    expect(bound).toMatchObject({ action: 'update', next: { metadata: { deletionTimestamp: '2026-01-02T03:04:35Z', deletionGracePeriodSeconds: 30 } } });
    expect(planDeletion(PODS, pod({ nodeName: 'n1', terminationGracePeriodSeconds: 5 }), {}, NOW)).toMatchObject({ next: { metadata: { deletionGracePeriodSeconds: 5 } } });
    expect(planDeletion(PODS, pod({ nodeName: 'n1', terminationGracePeriodSeconds: 5 }), { gracePeriodSeconds: 2 }, NOW)).toMatchObject({
      next: { metadata: { deletionTimestamp: '2026-01-02T03:04:07Z', deletionGracePeriodSeconds: 2 } },
    });
    expect(planDeletion(PODS, pod({ nodeName: 'n1' }), { gracePeriodSeconds: 0 }, NOW)).toEqual({ action: 'delete' });
  });

  it('deletes unbound and finished pods at once, as Kubernetes does', () => {
    expect(planDeletion(PODS, pod({}), {}, NOW)).toEqual({ action: 'delete' });
    expect(planDeletion(PODS, pod({ nodeName: 'n1' }, { status: { phase: 'Succeeded' } }), {}, NOW)).toEqual({ action: 'delete' });
  });

  it('only shortens the grace period of a pod already being deleted', () => {
    const deleting = pod({ nodeName: 'n1' }, { metadata: { name: 'p', deletionTimestamp: '2026-01-02T03:04:15Z', deletionGracePeriodSeconds: 10 } });
    const longer = planDeletion(PODS, deleting, { gracePeriodSeconds: 60 }, NOW);
    expect(longer).toMatchObject({ next: { metadata: { deletionTimestamp: '2026-01-02T03:04:15Z', deletionGracePeriodSeconds: 10 } } });
    expect(planDeletion(PODS, deleting, { gracePeriodSeconds: 1 }, NOW)).toMatchObject({ next: { metadata: { deletionGracePeriodSeconds: 1 } } });
  });

  it('keeps objects with finalizers, marked for deletion with grace 0', () => {
    const held: KubeObject = { metadata: { name: 'c', finalizers: ['example.com/x'] } };
    expect(planDeletion(CONFIGMAPS, held, {}, NOW)).toEqual({
      action: 'update',
      next: { metadata: { name: 'c', finalizers: ['example.com/x'], deletionTimestamp: '2026-01-02T03:04:05Z', deletionGracePeriodSeconds: 0 } },
    });
    expect(planDeletion(CONFIGMAPS, { metadata: { name: 'c' } }, {}, NOW)).toEqual({ action: 'delete' });
  });

  it('turns propagationPolicy into the garbage collector finalizers', () => {
    const plain: KubeObject = { metadata: { name: 'c', finalizers: ['orphan'] } };
    expect(planDeletion(CONFIGMAPS, plain, { propagationPolicy: 'Foreground' }, NOW)).toMatchObject({ next: { metadata: { finalizers: ['foregroundDeletion'] } } });
    expect(planDeletion(CONFIGMAPS, { metadata: { name: 'c' } }, { propagationPolicy: 'Orphan' }, NOW)).toMatchObject({ next: { metadata: { finalizers: ['orphan'] } } });
    expect(planDeletion(CONFIGMAPS, plain, { propagationPolicy: 'Background' }, NOW)).toEqual({ action: 'delete' });
  });

  it('allows only removing finalizers once deletion has started', () => {
    const deleting: KubeObject = { metadata: { deletionTimestamp: 't', finalizers: ['a', 'b'] } };
    expect(newFinalizersWhileDeleting({ metadata: { finalizers: ['a'] } }, deleting)).toEqual([]);
    expect(newFinalizersWhileDeleting({ metadata: { finalizers: ['a', 'c'] } }, deleting)).toEqual(['c']);
    expect(newFinalizersWhileDeleting({ metadata: { finalizers: ['c'] } }, { metadata: { finalizers: [] } })).toEqual([]);
  });

  it('removes an object after an update once deletion is due and no finalizer is left', () => {
    expect(shouldDeleteAfterUpdate({ metadata: { deletionTimestamp: 't', deletionGracePeriodSeconds: 0 } })).toBe(true);
    expect(shouldDeleteAfterUpdate({ metadata: { deletionTimestamp: 't', deletionGracePeriodSeconds: 0, finalizers: ['x'] } })).toBe(false);
    expect(shouldDeleteAfterUpdate({ metadata: { deletionTimestamp: 't', deletionGracePeriodSeconds: 30 } })).toBe(false);
    expect(shouldDeleteAfterUpdate({ metadata: {} })).toBe(false);
    expect(shouldDeleteAfterUpdate({ metadata: { deletionTimestamp: 't', deletionGracePeriodSeconds: 0 } }, ['kubernetes'])).toBe(false);
  });
});

describe('namespace deletion', () => {
  const ns = (extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' }, ...extra });

  it('marks the namespace Terminating', () => {
    expect(planNamespaceDeletion(ns(), undefined, NOW)).toEqual({
      action: 'update',
      next: { metadata: { name: 'n', deletionTimestamp: '2026-01-02T03:04:05Z', deletionGracePeriodSeconds: 0 }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } },
    });
  });

  it('answers a second DELETE while content is being removed; deletes one without finalizers at once', () => {
    expect(planNamespaceDeletion(ns({ metadata: { name: 'n', deletionTimestamp: 't' } }), undefined, NOW)).toEqual({ action: 'already-terminating' });
    expect(planNamespaceDeletion(ns({ spec: { finalizers: [] } }), undefined, NOW)).toEqual({ action: 'delete' });
  });

  it('finalize changes only spec.finalizers', () => {
    const current = ns({ metadata: { name: 'n', labels: { a: 'b' } } });
    expect(applyFinalize(current, { metadata: { name: 'n', labels: {} }, spec: { finalizers: [] }, status: { phase: 'Active' } })).toEqual({
      metadata: { name: 'n', labels: { a: 'b' } },
      spec: { finalizers: [] },
      status: { phase: 'Active' },
    });
  });
});
