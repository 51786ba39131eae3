// Builds the authenticator and the authorizer chain the flags ask for (--authorization-mode=Node,RBAC, in that
// order, after the system:masters bypass), with RBAC reading its objects from the RBAC registries' watch caches and
// the Node authorizer reading pods from the store. Also creates the bootstrap policy at start.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../common/logger.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { ApiError } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import { Authenticator } from './authenticator.ts';
import { bootstrapPolicy } from './bootstrap-policy.ts';
import { alwaysAllow, chain, mastersAuthorizer, type Authorizer } from './decision.ts';
import type { AccessControl } from './http-guard.ts';
import { NodeAuthorizer, type ClaimVolumeLookup, type NodePodsLookup, type PodNodeLookup } from './node-authorizer.ts';
import { installNodeRestriction } from './node-restriction.ts';
import { RbacAuthorizer, type PolicySource } from './rbac-authorizer.ts';
import type { UserInfo } from './user.ts';

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'Node', 'RBAC'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

export interface AuthOptions {
  /** From --token-auth-file. */
  tokens?: ReadonlyMap<string, UserInfo>;
  anonymous: boolean;
  modes: readonly AuthorizationMode[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function buildAccessControl(options: AuthOptions, registries: readonly ResourceRegistry[]): AccessControl {
  const find = (group: string, resource: string): ResourceRegistry | undefined => registries.find((r) => r.def.group === group && r.def.resource === resource);
  const authorizers: Authorizer[] = [mastersAuthorizer];
  for (const mode of options.modes) {
    if (mode === 'AlwaysAllow') authorizers.push(alwaysAllow);
    if (mode === 'RBAC') authorizers.push(new RbacAuthorizer(registryPolicy(find)));
    if (mode === 'Node') {
      authorizers.push(new NodeAuthorizer(podLookup(find('', 'pods')), nodePodsLookup(find('', 'pods')), claimVolumeLookup(find('', 'persistentvolumeclaims'))));
      for (const r of registries) installNodeRestriction(r);
    }
  }
  return { authenticator: new Authenticator({ tokens: options.tokens, anonymous: options.anonymous }), authorizer: chain(authorizers) };
}

/** Reads from the watch caches (resourceVersion 0), as kube-apiserver's RBAC reads its informers. */
function registryPolicy(find: (group: string, resource: string) => ResourceRegistry | undefined): PolicySource {
  const list = async (resource: string, namespace = ''): Promise<readonly KubeObject[]> => {
    const registry = find(RBAC_GROUP, resource);
    return registry === undefined ? [] : (await registry.list(namespace, { resourceVersion: '0' })).items;
  };
  return {
    clusterRoleBindings: () => list('clusterrolebindings'),
    roleBindings: (ns) => list('rolebindings', ns),
    clusterRole: async (name) => (await list('clusterroles')).find((r) => r.metadata?.name === name),
    role: async (ns, name) => (await list('roles', ns)).find((r) => r.metadata?.name === name),
  };
}

/** A consistent read: a node's right to a pod must not rest on a stale cache. */
function podLookup(pods: ResourceRegistry | undefined): PodNodeLookup {
  return async (namespace, name) => {
    if (pods === undefined || name === '') return null;
    try {
      const pod = await pods.get(namespace, name);
      const spec = (pod.spec ?? {}) as { nodeName?: unknown };
      return typeof spec.nodeName === 'string' ? spec.nodeName : '';
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return null;
      throw err;
    }
  };
}

/** Also a consistent read: a pod just bound (or deleted) changes what its node may read at once. */
function nodePodsLookup(pods: ResourceRegistry | undefined): NodePodsLookup {
  return async (namespace, node) => {
    if (pods === undefined || node === '') return [];
    return (await pods.list(namespace, { fieldSelector: `spec.nodeName=${node}` })).items;
  };
}

/** Also a consistent read: a claim bound a moment ago opens its volume to the node at once. */
function claimVolumeLookup(claims: ResourceRegistry | undefined): ClaimVolumeLookup {
  return async (namespace, name) => {
    if (claims === undefined || name === '') return '';
    try {
      const claim = await claims.get(namespace, name);
      const spec = (claim.spec ?? {}) as { volumeName?: unknown };
      return typeof spec.volumeName === 'string' ? spec.volumeName : '';
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return '';
      throw err;
    }
  };
}

/**
 * Creates the default ClusterRoles and ClusterRoleBindings that are missing, and brings existing ones marked
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` up to date, as kube-apiserver's RBAC post-start hook does:
 * rules and subjects the defaults have and the stored object lacks are added; nothing is removed, and an object
 * whose annotation says "false" is left as it is. A store made by an older barque thus gains the rights newer
 * controllers need (a controller-manager without them would wait on a refused informer for ever).
 */
export async function ensureBootstrapPolicy(registries: readonly ResourceRegistry[], logger: Logger): Promise<void> {
  for (const obj of bootstrapPolicy()) {
    const registry = registries.find((r) => r.def.group === RBAC_GROUP && r.def.kind === obj.kind);
    if (registry === undefined) continue;
    try {
      await registry.create('', obj);
      logger.info({ kind: obj.kind, name: obj.metadata?.name }, 'created bootstrap policy');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      await reconcileBootstrapObject(registry, obj, logger);
    }
  }
}

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const RECONCILE_ATTEMPTS_MAX = 5;

async function reconcileBootstrapObject(registry: ResourceRegistry, wanted: KubeObject, logger: Logger): Promise<void> {
  const name = wanted.metadata?.name ?? '';
  for (let attempt = 1; ; attempt++) {
    const current = await registry.get('', name);
    if (current.metadata?.annotations?.[AUTOUPDATE] === 'false') return;
    const field = wanted.kind === 'ClusterRole' ? 'rules' : 'subjects';
    const have = (current[field] ?? []) as unknown[];
    const missing = ((wanted[field] ?? []) as unknown[]).filter((w) => !have.some((h) => isDeepStrictEqual(h, w)));
    if (missing.length === 0) return;
    try {
      await registry.update('', name, { ...current, [field]: [...have, ...missing] });
      logger.info({ kind: wanted.kind, name, added: missing.length }, 'updated bootstrap policy');
      return;
    } catch (err) {
      // Another apiserver reconciling the same object at the same moment: read it again.
      if (!(err instanceof ApiError && err.code === 409) || attempt >= RECONCILE_ATTEMPTS_MAX) throw err;
    }
  }
}
