// The Node authorizer: a node's credentials (user system:node:<name>, group system:nodes) may read the cluster's
// nodes, pods, services, endpoints, endpoint slices, namespaces and ingresses (what the node agent, its proxy, DNS
// and ingress proxy watch — barque's agent plays the ingress controller's part too),
// write its own Node and its node Lease, update the status of and delete the pods bound to it, and create events.
// Secrets, config maps, persistent volume claims and service accounts (and their tokens) it may get one by one, and
// only those a pod bound to it references (pod-references.ts) — Kubernetes' graph, asked of the pods at request time;
// a persistent volume likewise, when such a claim is bound to it.
// Nothing else: other requests get no opinion here (and RBAC grants nodes nothing by default), so another node's
// pods and Node are out of reach. Names in creates are checked by NodeRestriction (node-restriction.ts).
import type { KubeObject } from '../types.ts';
import type { Attributes } from './attributes.ts';
import { allow, noOpinion, noRules, type Authorizer, type Decision, type RuleSet } from './decision.ts';
import { podReferences, type PodReferences } from './pod-references.ts';
import { nodeNameOf, type UserInfo } from './user.ts';

/** The node a pod is bound to (spec.nodeName), '' when unbound, null when there is no such pod. */
export type PodNodeLookup = (namespace: string, name: string) => Promise<string | null>;
/** The pods in a namespace bound to a node. */
export type NodePodsLookup = (namespace: string, node: string) => Promise<readonly KubeObject[]>;
/** The volume a claim is bound to (spec.volumeName), '' when unbound or missing. */
export type ClaimVolumeLookup = (namespace: string, claim: string) => Promise<string>;

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const READ_VERBS = new Set(['get', 'list', 'watch']);
const LEASE_VERBS = new Set(['get', 'create', 'update', 'patch', 'delete']);
/** group/resource pairs a node may read in full. */
const READABLE = new Set(['/nodes', '/pods', '/services', '/endpoints', '/namespaces', 'discovery.k8s.io/endpointslices', 'networking.k8s.io/ingresses']);

export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly podNode: PodNodeLookup,
    private readonly nodePods: NodePodsLookup = async () => [],
    private readonly claimVolume: ClaimVolumeLookup = async () => '',
  ) {}

  /** A node's rights follow its pods, not rules: listed as incomplete for nodes, as kube-apiserver's does. */
  async rulesFor(user: UserInfo): Promise<RuleSet> {
    if (nodeNameOf(user) === null) return noRules();
    return { ...noRules(true), evaluationErrors: ['node authorizer does not support user rule resolution'] };
  }

  async authorize(a: Attributes): Promise<Decision> {
    const node = nodeNameOf(a.user);
    if (node === null || !a.resourceRequest) return noOpinion();
    const key = `${a.apiGroup}/${a.resource}`;
    if (READABLE.has(key) && READ_VERBS.has(a.verb) && (a.subresource === '' || a.subresource === 'status')) return allow();
    switch (key) {
      case '/nodes':
        return this.node(node, a);
      case '/pods':
        return this.pod(node, a);
      case 'coordination.k8s.io/leases':
        return lease(node, a);
      case '/secrets':
      case '/configmaps':
        return this.readReferenced(node, a);
      case '/persistentvolumeclaims':
        if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
        if (a.subresource !== '') return noOpinion('cannot get subresource');
        return this.referenced(node, a);
      case '/persistentvolumes':
        if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
        if (a.subresource !== '') return noOpinion('cannot get subresource');
        return this.volumeOfReferencedClaim(node, a);
      case '/serviceaccounts':
        return this.serviceAccount(node, a);
      case '/events':
      case 'events.k8s.io/events':
        return ['create', 'update', 'patch'].includes(a.verb) ? allow() : noOpinion();
      default:
        return noOpinion();
    }
  }

  private async node(node: string, a: Attributes): Promise<Decision> {
    if (a.verb === 'create' && a.subresource === '') return allow();
    if (!['update', 'patch', 'delete'].includes(a.verb) || (a.subresource !== '' && a.subresource !== 'status')) return noOpinion();
    return a.name === node ? allow() : noOpinion(`node "${node}" is not allowed to modify node "${a.name}"`);
  }

  private async pod(node: string, a: Attributes): Promise<Decision> {
    const statusWrite = a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch');
    const deletion = a.subresource === '' && a.verb === 'delete';
    if (!statusWrite && !deletion) return noOpinion();
    const boundTo = await this.podNode(a.namespace, a.name);
    if (boundTo === node) return allow();
    return noOpinion(statusWrite ? `node "${node}" can only update pod status for pods with spec.nodeName set to itself` : `node "${node}" can only delete pods with spec.nodeName set to itself`);
  }

  /** Secrets and config maps: read verbs, one named object (kube-apiserver allows a list or watch only by name). */
  private async readReferenced(node: string, a: Attributes): Promise<Decision> {
    if (!READ_VERBS.has(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource !== '') return noOpinion('cannot read subresource');
    if (a.namespace === '') return noOpinion('can only read namespaced object of this type');
    return this.referenced(node, a);
  }

  /** A service account: get it, or create a token for it (kubelets ask for projected tokens). */
  private async serviceAccount(node: string, a: Attributes): Promise<Decision> {
    if (a.verb === 'get' && a.subresource === '') return this.referenced(node, a);
    if (a.verb !== 'create' || a.name === '') return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.referenced(node, a);
  }

  /** Allowed when a pod bound to the node references the object by name in its namespace. */
  private async referenced(node: string, a: Attributes): Promise<Decision> {
    if (a.name === '') return noOpinion('No Object name found');
    const kind = a.resource as keyof PodReferences;
    for (const pod of await this.nodePods(a.namespace, node)) {
      if (podReferences(pod)[kind].has(a.name)) return allow();
    }
    return noOpinion(`no relationship found between node '${node}' and this object`);
  }

  /** A persistent volume: allowed when a claim that a pod bound to the node references is bound to it. */
  private async volumeOfReferencedClaim(node: string, a: Attributes): Promise<Decision> {
    if (a.name === '') return noOpinion('No Object name found');
    for (const pod of await this.nodePods('', node)) {
      const namespace = pod.metadata?.namespace ?? '';
      for (const claim of podReferences(pod).persistentvolumeclaims) {
        if ((await this.claimVolume(namespace, claim)) === a.name) return allow();
      }
    }
    return noOpinion(`no relationship found between node '${node}' and this object`);
  }
}

function lease(node: string, a: Attributes): Decision {
  if (!LEASE_VERBS.has(a.verb) || a.subresource !== '') return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
  if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return allow();
}
