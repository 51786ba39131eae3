import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import type { Endpoints, Service } from '../proxy/index.ts';
import { ClusterDns } from './index.ts';

const services: Service[] = [
  { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '127.10.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
  { metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } },
  { metadata: { name: 'many', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] } },
  { metadata: { name: 'ext', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'web.shop.svc.cluster.local' } },
];
const endpoints: Endpoints[] = [
  {
    metadata: { name: 'db', namespace: 'shop' },
    subsets: [{ addresses: [{ ip: '127.64.0.5', hostname: 'db-0' }, { ip: '127.64.0.6', hostname: 'db-1' }], notReadyAddresses: [{ ip: '127.64.0.7', hostname: 'db-2' }], ports: [{ name: 'pg', port: 5432 }] }],
  },
  { metadata: { name: 'many', namespace: 'shop' }, subsets: [{ addresses: Array.from({ length: 60 }, (_, i) => ({ ip: `127.64.1.${i + 2}` })), ports: [{ name: 'x', port: 1 }] }] },
];

describe('ClusterDns', () => {
  let dns: ClusterDns;
  let upstream: ClusterDns;
  let resolver: Resolver;
  let port: number;
  let upstreamPort: number;

  beforeAll(async () => {
    upstream = new ClusterDns({ host: '127.0.0.1', port: 0, logger: silentLogger(), domain: 'elsewhere.test' });
    upstream.setServices([{ metadata: { name: 'far', namespace: 'x' }, spec: { clusterIP: '127.10.9.9', ports: [{ port: 1 }] } }], []);
    upstreamPort = await upstream.start();
    dns = new ClusterDns({ host: '127.0.0.1', port: 0, logger: silentLogger(), upstream: { host: '127.0.0.1', port: upstreamPort } });
    dns.setServices(services, endpoints);
    port = await dns.start();
    resolver = new Resolver({ timeout: 5000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
  });
  afterAll(async () => {
    await dns.close();
    await upstream.close();
  });

  it('answers A for services: the ClusterIP, or ready pod IPs when headless, and pod names', async () => {
    expect(await resolver.resolve4('web.shop.svc.cluster.local')).toEqual(['127.10.0.20']);
    expect((await resolver.resolve4('db.shop.svc.cluster.local')).sort()).toEqual(['127.64.0.5', '127.64.0.6']);
    expect(await resolver.resolve4('db-1.db.shop.svc.cluster.local')).toEqual(['127.64.0.6']);
    expect(await resolver.resolve4('127-64-3-9.shop.pod.cluster.local')).toEqual(['127.64.3.9']);
    expect(await resolver.resolveCname('ext.shop.svc.cluster.local')).toEqual(['web.shop.svc.cluster.local']);
    expect(await resolver.resolve4('WEB.Shop.svc.cluster.local.')).toEqual(['127.10.0.20']);
  });

  it('answers SRV for named ports', async () => {
    expect(await resolver.resolveSrv('_http._tcp.web.shop.svc.cluster.local')).toEqual([{ name: 'web.shop.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    expect(await resolver.resolveSrv('_dns._udp.web.shop.svc.cluster.local')).toEqual([{ name: 'web.shop.svc.cluster.local', port: 53, priority: 0, weight: 100 }]);
    const headless = await resolver.resolveSrv('_pg._tcp.db.shop.svc.cluster.local');
    expect(headless.map((r) => `${r.name}:${r.port}`).sort()).toEqual(['db-0.db.shop.svc.cluster.local:5432', 'db-1.db.shop.svc.cluster.local:5432']);
  });

  it('says NXDOMAIN for unknown cluster names and NODATA for known names without that type', async () => {
    await expect(resolver.resolve4('nope.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('web.other.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('google.com.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveSrv('_nope._tcp.web.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve6('web.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('forwards names outside the cluster domain upstream', async () => {
    expect(await resolver.resolve4('far.x.svc.elsewhere.test')).toEqual(['127.10.9.9']);
    await expect(resolver.resolve4('nothing.elsewhere.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses names outside its domain when it has no upstream', async () => {
    const direct = new Resolver({ timeout: 5000, tries: 1 });
    direct.setServers([`127.0.0.1:${upstreamPort}`]);
    await expect(direct.resolve4('web.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('truncates a large answer over UDP and gives it whole over TCP', async () => {
    expect(await resolver.resolve4('many.shop.svc.cluster.local')).toHaveLength(60);
    const reply = await new Promise<dnsPacket.Packet>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        data = Buffer.concat([data, d]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          socket.destroy();
          resolve(dnsPacket.streamDecode(data));
        }
      });
      socket.on('error', reject);
      socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'many.shop.svc.cluster.local' }] }));
    });
    expect(reply.id).toBe(7);
    expect(reply.answers).toHaveLength(60);
  });
});
