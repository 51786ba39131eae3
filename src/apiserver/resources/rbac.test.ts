import { describe, expect, it } from 'vitest';
import { validateName } from './names.ts';
import { clusterrolebindings, clusterroles, rolebindings, roles } from './rbac.ts';

describe('RBAC kinds', () => {
  it('take path-segment names such as system:node', () => {
    expect(validateName('system:node', 'path')).toEqual([]);
    expect(validateName('a/b', 'path')[0].message).toBe(`Invalid value: "a/b": may not contain '/'`);
    expect(validateName('..', 'path')[0].message).toBe(`Invalid value: "..": may not be '..'`);
    expect(roles.nameRule).toBe('path');
  });
  it('check rules: verbs, groups and resources, non-resource URLs only cluster-wide', () => {
    expect(roles.validate({ rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })).toEqual([]);
    expect(roles.validate({ rules: [{ apiGroups: [''], resources: ['pods'] }] }).map((c) => c.field)).toEqual(['rules[0].verbs']);
    expect(roles.validate({ rules: [{ verbs: ['get'] }] }).map((c) => c.field)).toEqual(['rules[0].apiGroups', 'rules[0].resources']);
    expect(clusterroles.validate({ rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] })).toEqual([]);
    expect(roles.validate({ rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] })[0].message).toContain('namespaced rules cannot apply to non-resource URLs');
  });
  it('check bindings and keep roleRef immutable', () => {
    const ref = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' };
    expect(rolebindings.validate({ roleRef: ref, subjects: [{ kind: 'User', name: 'alice' }] })).toEqual([]);
    expect(clusterrolebindings.validate({ roleRef: ref }).map((c) => c.field)).toEqual(['roleRef.kind']);
    expect(rolebindings.validate({ roleRef: ref, subjects: [{ kind: 'Robot', name: 'x' }] }).map((c) => c.field)).toEqual(['subjects[0].kind']);
    expect(rolebindings.validateUpdate({ roleRef: { ...ref, name: 'other' } }, { roleRef: ref })[0].message).toContain('cannot change roleRef');
    const defaulted = { metadata: { namespace: 'ns' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: 'u' }] };
    rolebindings.defaults(defaulted);
    expect(defaulted.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }, { kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }]);
  });
});
