// The hollow nodes' identities in `barque cluster`: hollow node NAME-i is user system:node:NAME-i in group
// system:nodes, as a real node's kubelet, so the Node authorizer confines each to its own Node, pods and their
// objects. A bearer token per node in <pki>/hollow-tokens.csv (every apiserver's --token-auth-file) and one
// kubeconfig per node in <pki>/hollow-nodes/ (the agent's --kubeconfig-dir). Made once and reused on resume.
//
// Tokens rather than a client certificate per node, measured on this 2-core machine at 100 hollow nodes: openssl
// issues 100 certificates in 8.3 s (15 s when loaded; two processes each), paid on every fresh `cluster up` and twice
// per `bench k8s`; and grpc-js fixes the client certificate per connection, so the agent held 100 TLS connections to
// its apiserver and took 7.2 s to be ready. 100 tokens take milliseconds and travel per request over one connection
// (3.8–5.5 s to ready, on the same loaded machine).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODES_GROUP, NODE_USER_PREFIX, parseTokenFile, writeKubeconfig } from '../apiserver/index.ts';
import { nodeKubeconfigPath } from '../cli/component-credentials.ts';

/** 256 bits from the system's CSPRNG, hex so the token file needs no quoting. */
const TOKEN_BYTES = 32;

export interface HollowIdentities {
  /** kube-apiserver's --token-auth-file format. */
  tokenFile: string;
  /** <name>.kubeconfig per hollow node. */
  kubeconfigDir: string;
}

/** Node name → its token: reused from `file` when there, made for the others; the file is rewritten to hold exactly `names`. */
export function hollowTokens(file: string, names: readonly string[]): Map<string, string> {
  const known = new Map<string, string>();
  if (existsSync(file)) for (const [token, user] of parseTokenFile(readFileSync(file, 'utf8'))) known.set(user.name, token);
  const tokens = new Map(names.map((name) => [name, known.get(NODE_USER_PREFIX + name) ?? randomBytes(TOKEN_BYTES).toString('hex')]));
  const lines = [...tokens].map(([name, token]) => `${token},${NODE_USER_PREFIX}${name},${NODE_USER_PREFIX}${name},"${NODES_GROUP}"\n`);
  writeFileSync(file, lines.join(''), { mode: 0o600 });
  return tokens;
}

/** A kubeconfig per node: the cluster CA and the node's token. */
export function writeHollowKubeconfigs(dir: string, restUrl: string, caPem: string, tokens: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, token] of tokens) writeKubeconfig(nodeKubeconfigPath(dir, name), restUrl, { caPem, token });
}

export function hollowIdentities(pkiDir: string, restUrl: string, caPem: string, names: readonly string[]): HollowIdentities {
  const identities = { tokenFile: join(pkiDir, 'hollow-tokens.csv'), kubeconfigDir: join(pkiDir, 'hollow-nodes') };
  writeHollowKubeconfigs(identities.kubeconfigDir, restUrl, caPem, hollowTokens(identities.tokenFile, names));
  return identities;
}
