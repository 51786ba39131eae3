// Hollow nodes with an identity each: one `bin/barque agent --hollow-nodes 2 --kubeconfig-dir` process against a
// secure apiserver (TLS, Node,RBAC, anonymous off), each hollow node with its own bearer token as
// system:node:<name> (the kubeconfigs `barque cluster` writes). Both register and run their pods Ready; node A's
// credentials are refused (403 Forbidden, over gRPC as the kubelet calls and over REST) on node B's pod and Node.
// The agent holds no other credentials and anonymous requests are refused, so B registering and posting its pod's
// status at all shows that each kubelet speaks as itself: A's identity could do neither for B.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, RESOURCES, StatusError } from '../src/agents/client/index.ts';
import type { KubeObject } from '../src/apiserver/index.ts';
import { hollowTokens, writeHollowKubeconfigs } from '../src/cluster/hollow-identities.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { call, startSecureCluster, type SecureCluster } from './apiserver-auth-cluster.ts';
import { startAgentProcess, type AgentProcess } from './agents-kubelet-cluster.ts';

const [A, B] = ['hollow-0', 'hollow-1'];

type Pod = KubeObject & { status?: { phase?: string; conditions?: { type: string; status: string }[] } };
type Node = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

const dir = mkdtempSync(join(tmpdir(), 'barque-hollow-identity-'));
let secure: SecureCluster | undefined;
let agent: AgentProcess | undefined;
const clients: ApiClient[] = [];

const setup = setupOnce(async () => {
  const tokenFile = join(dir, 'hollow-tokens.csv');
  const tokens = hollowTokens(tokenFile, [A, B]);
  secure = await startSecureCluster({ extraTokens: readFileSync(tokenFile, 'utf8') });
  const kubeconfigDir = join(dir, 'hollow-nodes');
  writeHollowKubeconfigs(kubeconfigDir, secure.url, secure.ca.certPem, tokens);
  agent = await startAgentProcess(secure.grpcAddress, join(dir, 'root'), [
    '--node-name=hollow', '--hollow-nodes=2', '--node-index=210', '--kubelet-port=0',
    '--node-lease-renew-interval=2s', '--node-status-update-frequency=5s', `--kubeconfig-dir=${kubeconfigDir}`,
  ]);
  const client = (credentials: { certPem?: string; keyPem?: string; token?: string }): ApiClient => {
    const c = new ApiClient({ endpoints: [secure!.grpcAddress], caPem: secure!.ca.certPem, userAgent: 'hollow-identity-test', ...credentials });
    clients.push(c);
    return c;
  };
  return { secure, tokens, admin: client(secure.admin), nodeA: client({ token: tokens.get(A) }) };
});

afterAll(async () => {
  for (const c of clients) c.close();
  await agent?.stop();
  await secure?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 90_000);

const isTrue = (conditions: { type: string; status: string }[] | undefined, type: string): boolean => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

async function forbidden(work: () => Promise<unknown>): Promise<StatusError> {
  const err = await work().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(StatusError);
  return err as StatusError;
}

describe('barque agent --hollow-nodes with an identity per node', () => {
  it('registers each hollow node and runs its pods Ready', async () => {
    const { admin } = setup();
    await eventually('both hollow nodes Ready', async () => {
      const nodes = (await admin.resource<Node>(RESOURCES.nodes).list('')).items;
      return [A, B].every((n) => nodes.some((node) => node.metadata?.name === n && isTrue(node.status?.conditions, 'Ready')));
    }, 90_000, 500);
    const pods = admin.resource<Pod>(RESOURCES.pods);
    for (const node of [A, B]) {
      await pods.create('default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `on-${node}` },
        spec: { nodeName: node, containers: [{ name: 'c', image: 'barque/sim', args: ['sleep forever'] }] },
      } as Pod);
    }
    let last: Pod[] = [];
    await eventually('both pods Running and Ready', async () => {
      last = (await pods.list('default')).items;
      return [A, B].every((node) => last.some((p) => p.metadata?.name === `on-${node}` && p.status?.phase === 'Running' && isTrue(p.status?.conditions, 'Ready')));
    }, 90_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}\npods: ${JSON.stringify(last.map((p) => [p.metadata?.name, p.status]))}\nagent: ${agent?.log().slice(-4_000)}`);
    });
  });

  it("refuses node A's credentials on node B's pod and Node, over gRPC and REST", async () => {
    const { secure: c, tokens, nodeA } = setup();
    const pods = nodeA.resource<Pod>(RESOURCES.pods);
    const nodes = nodeA.resource<Node>(RESOURCES.nodes);
    // Reading is allowed to every node, and its own Node it may change: the refusals below are about B, not A.
    const podB = await pods.get('default', `on-${B}`);
    const nodeB = await nodes.get('', B);
    await nodes.patch('', A, 'merge', { metadata: { labels: { 'hollow-identity-test': 'own-node' } } });

    const denials = [
      await forbidden(() => pods.updateStatus('default', `on-${B}`, podB)),
      await forbidden(() => pods.patch('default', `on-${B}`, 'merge', { status: { phase: 'Failed' } }, { subresource: 'status' })),
      await forbidden(() => pods.delete('default', `on-${B}`)),
      await forbidden(() => nodes.updateStatus('', B, nodeB)),
      await forbidden(() => nodes.patch('', B, 'merge', { metadata: { labels: { stolen: 'yes' } } })),
    ];
    for (const e of denials) expect({ code: e.code, reason: e.reason }).toEqual({ code: 403, reason: 'Forbidden' });

    const token = tokens.get(A);
    const patch = { method: 'PATCH', token, contentType: 'application/merge-patch+json' };
    for (const path of [`/api/v1/namespaces/default/pods/on-${B}/status`, `/api/v1/nodes/${B}/status`]) {
      const reply = await call(c, path, { ...patch, body: { status: { conditions: [] } } });
      expect(reply.status).toBe(403);
      expect(reply.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 });
    }
    // B's pod is untouched and still Ready.
    const after = await pods.get('default', `on-${B}`);
    expect(after.status?.phase).toBe('Running');
  });
});
