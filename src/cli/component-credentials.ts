// A component's --kubeconfig read into the credentials ApiClient presents, and the agent's --kubeconfig-dir (one
// kubeconfig per node it runs); a bad file is reported once, here.
import { join } from 'node:path';
import { readKubeconfigCredentials, type ClientCredentials } from '../agents/client/kubeconfig-credentials.ts';

/** The credentials, {} without a kubeconfig, or null after printing why the file could not be used. */
export function credentialsFromFlag(command: string, kubeconfig: string | null | undefined): ClientCredentials | null {
  if (kubeconfig === null || kubeconfig === undefined) return {};
  try {
    return readKubeconfigCredentials(kubeconfig);
  } catch (err) {
    process.stderr.write(`${command}: --kubeconfig: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}

/** The kubeconfig of node `name` in a --kubeconfig-dir. */
export const nodeKubeconfigPath = (dir: string, name: string): string => join(dir, `${name}.kubeconfig`);

/**
 * Per node name, the credentials in DIR/<name>.kubeconfig; undefined without a directory, null after printing which
 * file could not be used (every node must have one: a node left without would fall back to no identity at all).
 */
export function nodeCredentialsFromDir(command: string, dir: string | undefined, names: readonly string[]): Map<string, ClientCredentials> | undefined | null {
  if (dir === undefined) return undefined;
  const out = new Map<string, ClientCredentials>();
  for (const name of names) {
    const credentials = credentialsFromFlag(`${command} (--kubeconfig-dir, node ${name})`, nodeKubeconfigPath(dir, name));
    if (credentials === null) return null;
    out.set(name, credentials);
  }
  return out;
}
