import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeconfigYaml } from '../../apiserver/kubeconfig.ts';
import { readKubeconfigCredentials } from './kubeconfig-credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'barque-cm-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--kubeconfig credentials', () => {
  it('reads the CA and client certificate the apiserver writes (inline data)', () => {
    const path = join(dir, 'admin');
    writeFileSync(path, kubeconfigYaml('https://127.0.0.1:6443', 'barque', 'default', { caPem: 'CA PEM\n', certPem: 'CERT PEM\n', keyPem: 'KEY PEM\n' }));
    expect(readKubeconfigCredentials(path)).toEqual({ caPem: 'CA PEM\n', certPem: 'CERT PEM\n', keyPem: 'KEY PEM\n' });
  });

  it('reads a token, and file references relative to the kubeconfig, from the current context', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA FROM FILE');
    const path = join(dir, 'token');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: b',
        'contexts: [{name: a, context: {cluster: a, user: a}}, {name: b, context: {cluster: b, user: b}}]',
        'clusters: [{name: a, cluster: {server: "https://x"}}, {name: b, cluster: {server: "https://y", certificate-authority: ca.crt}}]',
        'users: [{name: a, user: {token: wrong}}, {name: b, user: {token: right}}]',
      ].join('\n'),
    );
    expect(readKubeconfigCredentials(path)).toEqual({ caPem: 'CA FROM FILE', token: 'right' });
  });

  it('a plain-HTTP kubeconfig has no credentials', () => {
    const path = join(dir, 'plain');
    writeFileSync(path, kubeconfigYaml('http://127.0.0.1:8080'));
    expect(readKubeconfigCredentials(path)).toEqual({});
  });
});
