// Discovery documents: /version, /api, /apis, /api/v1, /apis/<group>/<version>. Always the plain (unaggregated)
// forms with Content-Type application/json: kubectl 1.30+ asks for aggregated discovery first and falls back to these
// when the reply's content type is not the aggregated one.
import { apiVersionOf, STATUS_VERBS, VERBS, type ResourceDef } from '../resources/index.ts';

export const SERVER_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0-barque' };

export function versionInfo(): Record<string, string> {
  return {
    major: SERVER_VERSION.major,
    minor: SERVER_VERSION.minor,
    gitVersion: SERVER_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsx',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function groupList(resources: readonly ResourceDef[]): Record<string, unknown> {
  const groups = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === '') continue;
    if (!groups.has(r.group)) groups.set(r.group, new Set());
    groups.get(r.group)?.add(r.version);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

export function group(resources: readonly ResourceDef[], name: string): Record<string, unknown> | null {
  const versions = [...new Set(resources.filter((r) => r.group === name).map((r) => r.version))];
  if (versions.length === 0) return null;
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: list, preferredVersion: list[0] };
}

export function resourceList(resources: readonly ResourceDef[], groupName: string, version: string): Record<string, unknown> | null {
  const inVersion = resources.filter((r) => r.group === groupName && r.version === version);
  if (inVersion.length === 0) return null;
  const entries: Record<string, unknown>[] = [];
  for (const r of inVersion) {
    const entry: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...VERBS] };
    if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
    if (r.categories.length > 0) entry.categories = [...r.categories];
    entries.push(entry);
    if (r.hasStatus) entries.push({ name: `${r.resource}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: [...STATUS_VERBS] });
    for (const sub of r.subresources ?? []) {
      const entry: Record<string, unknown> = { name: `${r.resource}/${sub.name}`, singularName: '', namespaced: r.namespaced };
      if (sub.group !== undefined) Object.assign(entry, { group: sub.group, version: sub.version });
      entries.push(Object.assign(entry, { kind: sub.kind, verbs: [...sub.verbs] }));
    }
  }
  // kube-apiserver lists a group-version's resources and subresources sorted by name.
  entries.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: inVersion.length > 0 ? apiVersionOf(inVersion[0]) : version, resources: entries };
}
