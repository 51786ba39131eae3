import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTokenFile } from '../apiserver/index.ts';
import { readKubeconfigCredentials } from '../agents/client/kubeconfig-credentials.ts';
import { hollowIdentities } from './hollow-identities.ts';

describe('hollow node identities', () => {
  const dir = mkdtempSync(join(tmpdir(), 'barque-hollow-id-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every hollow node its own token as system:node:<name> in system:nodes, and a kubeconfig carrying it', () => {
    const ids = hollowIdentities(dir, 'https://127.0.0.1:27000', 'CA PEM', ['hollow-0', 'hollow-1']);
    const users = parseTokenFile(readFileSync(ids.tokenFile, 'utf8'));
    expect([...users.values()]).toEqual([
      { name: 'system:node:hollow-0', uid: 'system:node:hollow-0', groups: ['system:nodes'] },
      { name: 'system:node:hollow-1', uid: 'system:node:hollow-1', groups: ['system:nodes'] },
    ]);
    expect(statSync(ids.tokenFile).mode & 0o777).toBe(0o600);
    const [token0, token1] = [...users.keys()];
    expect(token0).toMatch(/^[0-9a-f]{64}$/);
    expect(token1).not.toBe(token0);
    expect(readKubeconfigCredentials(join(ids.kubeconfigDir, 'hollow-1.kubeconfig'))).toEqual({ caPem: 'CA PEM', token: token1 });
  });

  it('keeps the tokens of a resumed cluster and adds the new nodes', () => {
    const first = parseTokenFile(readFileSync(join(dir, 'hollow-tokens.csv'), 'utf8'));
    const ids = hollowIdentities(dir, 'https://127.0.0.1:27000', 'CA PEM', ['hollow-0', 'hollow-1', 'hollow-2']);
    const again = parseTokenFile(readFileSync(ids.tokenFile, 'utf8'));
    for (const [token, user] of first) expect(again.get(token)).toEqual(user);
    expect(again.size).toBe(3);
  });
});
