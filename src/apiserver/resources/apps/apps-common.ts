// The parts of an apps/v1 ResourceDef that all four kinds share: group, categories, status, scale (where it exists),
// generation, selector rules and the template's restartPolicy (Always only).
import type { KubeObject } from '../../types.ts';
import type { StatusCause } from '../../rest/status.ts';
import { defaultPodTemplate, validatePodTemplate } from '../pod-spec.ts';
import type { ResourceDef } from '../resource-def.ts';
import { child, o, type Obj } from '../values.ts';
import { selectorImmutable, validateReplicas, validateSelectorForTemplate } from '../workload.ts';

type AppsFields = Pick<ResourceDef, 'group' | 'version' | 'namespaced' | 'categories' | 'hasStatus' | 'tracksGeneration' | 'deleteReturnsObject' | 'validateUpdate'>;

export const APPS_V1: AppsFields = {
  group: 'apps',
  version: 'v1',
  namespaced: true,
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  validateUpdate: selectorImmutable,
};

/** Defaults common to the kind's spec; `extra` adds the kind's own. */
export function appsDefaults(extra: (spec: Obj) => void): (obj: KubeObject) => void {
  return (obj) => {
    const spec = child(obj, 'spec');
    extra(spec);
    if (spec.template !== undefined) defaultPodTemplate(spec);
  };
}

/** Validation common to the kind; `kindWord` is how the "empty selector" message names it ("deployment"). */
export function appsValidate(kindWord: string, extra: (spec: Obj) => StatusCause[] = () => []): (obj: KubeObject) => StatusCause[] {
  return (obj) => {
    const spec = o(obj.spec);
    return [...validateReplicas(spec), ...validateSelectorForTemplate(spec, kindWord), ...validatePodTemplate(spec, 'spec.template', ['Always']), ...extra(spec)];
  };
}
