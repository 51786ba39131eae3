// The credentials the controller-manager, scheduler and node agents present to secure apiservers, read from a
// kubeconfig (its current context's cluster CA and user: client certificate and key, or a bearer token), as
// Kubernetes components' --kubeconfig. The gRPC addresses still come from --apiserver; the kubeconfig's server URL is the REST one.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';

export interface ClientCredentials {
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

type Entry = Record<string, string | undefined>;

function pick(list: unknown, name: string, field: string): Entry {
  const found = (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).find((e) => e.name === name);
  return ((found?.[field] ?? {}) as Entry);
}

export function readKubeconfigCredentials(path: string): ClientCredentials {
  const doc = (yaml.load(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
  const current = String(doc['current-context'] ?? '');
  const context = pick(doc.contexts, current, 'context');
  const cluster = pick(doc.clusters, context.cluster ?? '', 'cluster');
  const user = pick(doc.users, context.user ?? '', 'user');
  const base = dirname(resolve(path));
  const pem = (data: string | undefined, file: string | undefined): string | undefined => {
    if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    if (file !== undefined) return readFileSync(resolve(base, file), 'utf8');
    return undefined;
  };
  const out: ClientCredentials = {};
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  if (ca !== undefined) out.caPem = ca;
  if (cert !== undefined) out.certPem = cert;
  if (key !== undefined) out.keyPem = key;
  if (user.token !== undefined) out.token = user.token;
  return out;
}
