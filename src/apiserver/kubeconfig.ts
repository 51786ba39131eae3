// A kubeconfig for talking to this apiserver over plain HTTP (no credentials yet). YAML written by hand: the shape is
// fixed and small. For http:// servers it also says insecure-skip-tls-verify: kubectl ignores it there, and
// @kubernetes/client-node refuses plain HTTP without it.
import { writeFileSync } from 'node:fs';

export function kubeconfigYaml(serverUrl: string, name = 'barque', namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${serverUrl}`,
    ...(serverUrl.startsWith('http://') ? ['    insecure-skip-tls-verify: true'] : []),
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
    '  user: {}',
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, serverUrl: string): void {
  writeFileSync(path, kubeconfigYaml(serverUrl), { mode: 0o600 });
}
