import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import type { Endpoints, Service } from '../proxy/index.ts';
import { IngressProxy, route, type Ingress } from './index.ts';

const ing = (name: string, spec: Ingress['spec'], namespace = 'default'): Ingress => ({ metadata: { name, namespace }, spec });
const to = (name: string, number = 80) => ({ service: { name, port: { number } } });

describe('ingress routing', () => {
  const rules: Ingress[] = [
    ing('a', {
      rules: [
        { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: to('shop') }, { path: '/api', pathType: 'Prefix', backend: to('api') }, { path: '/api/v1/exact', pathType: 'Exact', backend: to('exact') }] } },
        { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: to('wild') }] } },
        { http: { paths: [{ path: '/any', pathType: 'ImplementationSpecific', backend: to('anyhost') }] } },
      ],
    }),
    ing('z', { defaultBackend: to('fallback') }),
  ];
  const where = (host: string, path: string) => route(rules, host, path)?.backend.name;

  it('picks the most specific host, then the longest path, Exact over Prefix', () => {
    expect(where('shop.example.com', '/')).toBe('shop');
    expect(where('SHOP.example.com:8080', '/api/v1/x')).toBe('api');
    expect(where('shop.example.com', '/api/v1/exact')).toBe('exact');
    expect(where('shop.example.com', '/api/v1/exact/')).toBe('api');
    expect(where('shop.example.com', '/apis')).toBe('shop');
    expect(where('blog.example.com', '/x')).toBe('wild');
    expect(where('a.b.example.com', '/any/thing')).toBe('anyhost');
    expect(where('other.org', '/nothing')).toBe('fallback');
    expect(route([rules[0]], 'other.org', '/nothing')).toBeUndefined();
  });
});

async function namedServer(ip: string, name: string): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((req, res) => res.end(`${name} ${req.url} ${req.headers['x-forwarded-host']}`));
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { port: (server.address() as net.AddressInfo).port, server };
}

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('IngressProxy', () => {
  const servers: http.Server[] = [];
  let proxy: IngressProxy;
  let port: number;

  beforeAll(async () => {
    const blue = await Promise.all(['127.64.210.2', '127.64.210.3'].map((ip, i) => namedServer(ip, `blue-${i}`)));
    const green = await namedServer('127.64.210.4', 'green');
    servers.push(...blue.map((b) => b.server), green.server);
    const svc = (name: string): Service => ({ metadata: { name, namespace: 'web' }, spec: { clusterIP: '127.10.210.1', ports: [{ name: 'http', port: 80 }] } });
    const eps = (name: string, list: { ip: string; port: number }[]): Endpoints => ({ metadata: { name, namespace: 'web' }, subsets: list.map((l) => ({ addresses: [{ ip: l.ip }], ports: [{ name: 'http', port: l.port }] })) });
    proxy = new IngressProxy({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    proxy.setServices([svc('blue'), svc('green'), svc('empty')], [eps('blue', blue.map((b, i) => ({ ip: `127.64.210.${i + 2}`, port: b.port }))), eps('green', [{ ip: '127.64.210.4', port: green.port }])]);
    proxy.setIngresses([
      ing('two-hosts', {
        rules: [
          { host: 'blue.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'blue', port: { name: 'http' } } } }] } },
          { host: 'green.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: to('green') }, { path: '/down', pathType: 'Prefix', backend: to('empty') }] } },
        ],
      }, 'web'),
    ]);
    port = await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('routes two hosts to two services, round robin over endpoints, with forwarding headers', async () => {
    const blue = [await get(port, 'blue.test', '/a'), await get(port, 'blue.test', '/b')];
    expect(blue.map((r) => r.body).sort()).toEqual(['blue-0 /a blue.test', 'blue-1 /b blue.test']);
    expect(await get(port, 'green.test:8080', '/x?y=1')).toEqual({ status: 200, body: 'green /x?y=1 green.test:8080' });
  });

  it('answers 404 without a route and 503 for a service without endpoints', async () => {
    expect(await get(port, 'nobody.test', '/')).toEqual({ status: 404, body: 'default backend - 404\n' });
    expect((await get(port, 'green.test', '/down/here')).status).toBe(503);
  });
});
