// Taints and tolerations as core/v1 defines their matching: an empty toleration key with Exists tolerates every
// taint; an empty effect matches every effect; Equal (the default operator) compares values.
import { arr, o, str } from '../../apiserver/resources/values.ts';
import type { KubeObject } from '../../apiserver/index.ts';

export interface Taint {
  key: string;
  value: string;
  effect: string;
}

export interface Toleration {
  key: string;
  operator: string;
  value: string;
  effect: string;
  tolerationSeconds?: number;
}

export function nodeTaints(node: KubeObject): Taint[] {
  return arr(o(node.spec).taints).map((t) => ({ key: str(t.key), value: str(t.value), effect: str(t.effect) }));
}

export function podTolerations(pod: KubeObject): Toleration[] {
  return arr(o(pod.spec).tolerations).map((t) => {
    const tol: Toleration = { key: str(t.key), operator: str(t.operator) || 'Equal', value: str(t.value), effect: str(t.effect) };
    if (typeof t.tolerationSeconds === 'number') tol.tolerationSeconds = t.tolerationSeconds;
    return tol;
  });
}

export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect !== '' && tol.effect !== taint.effect) return false;
  if (tol.key !== '' && tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return tol.key !== '' && tol.value === taint.value;
}

export function isTolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}
