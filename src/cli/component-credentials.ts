// A component's --kubeconfig read into the credentials ApiClient presents; a bad file is reported once, here.
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
