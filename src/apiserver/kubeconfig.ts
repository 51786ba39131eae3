// A kubeconfig for talking to this apiserver: over HTTPS with the CA and a client certificate (or a token) embedded,
// or over plain HTTP without credentials. YAML written by hand: the shape is fixed and small. For http:// servers it
// also says insecure-skip-tls-verify: kubectl ignores it there, and @kubernetes/client-node refuses plain HTTP
// without it.
import { writeFileSync } from 'node:fs';

export interface KubeconfigCredentials {
  /** The CA that signed the serving certificate. */
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

export function kubeconfigYaml(serverUrl: string, name = 'barque', namespace = 'default', credentials: KubeconfigCredentials = {}): string {
  const user: string[] = [];
  if (credentials.certPem !== undefined) user.push(`    client-certificate-data: ${b64(credentials.certPem)}`);
  if (credentials.keyPem !== undefined) user.push(`    client-key-data: ${b64(credentials.keyPem)}`);
  if (credentials.token !== undefined) user.push(`    token: ${JSON.stringify(credentials.token)}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${serverUrl}`,
    ...(serverUrl.startsWith('http://') ? ['    insecure-skip-tls-verify: true'] : []),
    ...(credentials.caPem === undefined ? [] : [`    certificate-authority-data: ${b64(credentials.caPem)}`]),
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    namespace: ${namespace}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    'preferences: {}',
    'users:',
    `- name: ${name}`,
    ...(user.length === 0 ? ['  user: {}'] : ['  user:', ...user]),
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, serverUrl: string, credentials: KubeconfigCredentials = {}): void {
  writeFileSync(path, kubeconfigYaml(serverUrl, 'barque', 'default', credentials), { mode: 0o600 });
}
