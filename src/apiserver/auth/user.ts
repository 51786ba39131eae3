// Who a request comes from, as Kubernetes' authenticators name users and groups.
export interface UserInfo {
  name: string;
  uid?: string;
  groups: readonly string[];
}

export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
/** Members bypass authorization, as with kube-apiserver. */
export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

export const anonymousUser: UserInfo = { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };

/** An authenticated user also belongs to system:authenticated. */
export function authenticated(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED_GROUP) ? user : { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

/** The node name of a node identity (user system:node:<name> in group system:nodes), else null. */
export function nodeNameOf(user: UserInfo): string | null {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return null;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name === '' ? null : name;
}
