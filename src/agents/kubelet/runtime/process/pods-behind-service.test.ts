// The node-level slice of issue 9's demo, with real processes and sockets: three HTTP pods on the process runtime,
// a Service in front of them through the proxy, its name through the cluster DNS; a killed pod process restarts
// and is served again; removing the pods leaves no process behind.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Resolver } from 'node:dns/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../common/logger.ts';
import { realClock } from '../../../client/clock.ts';
import { ClusterDns } from '../../../dns/index.ts';
import { ServiceProxy, type Endpoints, type Service } from '../../../proxy/index.ts';
import { PodAddressAllocator, nodeAddressRange } from '../../pod-network/index.ts';
import { complianceBackOff, waitFor, waitForAsync } from '../compliance.ts';
import { createProcessRuntime } from './index.ts';
import { liveChildren } from './testing.ts';

function get(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    http
      .get({ host, port, agent: false, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve(body));
      })
      .on('error', () => resolve(undefined));
  });
}

describe('pods behind a service on one node (process runtime, proxy, DNS)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barque-node-'));
  const range = nodeAddressRange(12);
  const addresses = new PodAddressAllocator(range);
  const runtime = createProcessRuntime({ root, addresses, clock: realClock, backOff: complianceBackOff });
  const proxy = new ServiceProxy({ nodeAddress: range.nodeAddress, logger: silentLogger() });
  const dns = new ClusterDns({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const service: Service = { metadata: { name: 'hello', namespace: 'demo' }, spec: { type: 'NodePort', clusterIP: '127.10.212.1', ports: [{ name: 'http', port: 18090, targetPort: 8080, nodePort: 31090 }] } };
  const uids = ['hello-a', 'hello-b', 'hello-c'];

  /** What the endpoints controller will do: ready pods' IPs into the service's Endpoints. */
  const syncEndpoints = (): void => {
    const ready = runtime.listPods().filter((p) => p.containers.every((c) => c.ready));
    const endpoints: Endpoints = { metadata: { name: 'hello', namespace: 'demo' }, subsets: [{ addresses: ready.map((p) => ({ ip: p.podIP })), ports: [{ name: 'http', port: 8080 }] }] };
    proxy.setServices([service], [endpoints]);
    dns.setServices([service], [endpoints]);
  };
  runtime.onPodChange(syncEndpoints);

  afterAll(async () => {
    await proxy.close();
    await dns.close();
    await runtime.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('spreads requests over every pod, resolves the name, survives a killed process and cleans up', async () => {
    for (const uid of uids) {
      await runtime.runPod({
        pod: { uid, name: uid, namespace: 'demo' },
        spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 2, containers: [{ name: 'web', image: 'barque/sim', args: ['print starting', 'serve-http 8080'], ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { port: 'http' }, periodSeconds: 1 } }] },
      });
    }
    const dnsPort = await dns.start();
    await waitFor('three ready pods', () => runtime.listPods().filter((p) => p.containers[0].ready).length === 3);
    await proxy.settled();

    const resolver = new Resolver({ timeout: 5000, tries: 2 });
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
    const [ip] = await resolver.resolve4('hello.demo.svc.cluster.local');
    expect(ip).toBe('127.10.212.1');
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) seen.add((await get(ip, 18090)) ?? 'failed');
    expect(seen).toEqual(new Set(uids));
    expect(uids).toContain(await get(range.nodeAddress, 31090));

    runtime.killContainer('hello-b', 'web', 'SIGKILL');
    await waitFor('hello-b restarted and ready', () => {
      const c = runtime.podStatus('hello-b')?.containers[0];
      return c !== undefined && c.restartCount === 1 && c.ready;
    });
    await waitForAsync('hello-b served again', async () => {
      const replies = new Set<string>();
      for (let i = 0; i < 6; i++) replies.add((await get(ip, 18090)) ?? 'failed');
      return replies.has('hello-b') && !replies.has('failed') ? true : undefined;
    });

    for (const uid of uids) await runtime.removePod(uid);
    expect(runtime.listPods()).toEqual([]);
    expect(addresses.allocated).toBe(0);
    await waitFor('no child process left', () => liveChildren().length === 0);
    await expect(get(ip, 18090)).resolves.toBeUndefined();
  });
});
