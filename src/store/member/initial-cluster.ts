// --initial-cluster "name1=url1,name1=url2,name2=url3" -> members with their IDs.
import { computeClusterId, computeMemberId } from './member-id.ts';

export interface MemberInfo {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  /** A non-voting member (etcd's learner); absent means voter. */
  isLearner?: boolean;
}

export interface ClusterInfo {
  clusterId: bigint;
  members: MemberInfo[];
}

export class InitialClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InitialClusterError';
  }
}

export function parseInitialCluster(initialCluster: string, clusterToken: string): ClusterInfo {
  const urlsByName = new Map<string, string[]>();
  for (const part of initialCluster.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new InitialClusterError(`invalid --initial-cluster entry "${part}" (want name=url)`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    checkUrl(url);
    urlsByName.set(name, [...(urlsByName.get(name) ?? []), url]);
  }
  if (urlsByName.size === 0) throw new InitialClusterError('--initial-cluster names no member');
  const members = [...urlsByName].map(([name, peerUrls]) => ({
    id: computeMemberId(peerUrls, clusterToken),
    name,
    peerUrls: [...peerUrls].sort(),
    clientUrls: [],
  }));
  const ids = new Set(members.map((m) => m.id));
  if (ids.size !== members.length) throw new InitialClusterError('--initial-cluster has members with the same peer URLs');
  return { clusterId: computeClusterId(members.map((m) => m.id)), members };
}

/** The host to bind or dial for a URL: an IPv6 literal without the brackets a URL writes it in. */
export function listenHost(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InitialClusterError(`invalid URL "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== 'unix:' && parsed.protocol !== 'unixs:') {
    throw new InitialClusterError(`URL scheme must be http, https, unix, or unixs: ${url}`);
  }
  return parsed;
}
