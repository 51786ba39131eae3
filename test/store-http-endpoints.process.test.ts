// The plain-HTTP answers of the client port (/health, /version, /metrics, the gRPC gateway's JSON calls, anything
// else 404), barque against real
// etcd 3.4.23 as the oracle, three members each: the same status, content type and body over HTTP/1.1 (curl's and
// probes' way); barque the same over HTTP/2 with prior knowledge; `etcdctl check datascale`, which reads
// process_resident_memory_bytes from /metrics, passing; and /health turning 503 {"health":"false"} on a member
// left without its quorum. Multi-process, slow; loopback only; no timing assertions.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateLoopbackPorts, EtcdCluster, runEtcdctl, type EtcdImpl } from '../src/store/testing/etcd-process.ts';
import { eventually } from './process-helpers.ts';

const TEST_TIMEOUT_MS = 240_000;

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function getHttp1(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer`)));
    req.on('error', reject);
  });
}

/** Status, Allow and body start of a request with another method (metrics bodies differ in their figures). */
function request1(url: string, method: string): Promise<{ status: number; allow: string | undefined; start: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, start: body.slice(0, 60) }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

function getHttp2(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { origin, pathname, search } = new URL(url);
    const session = http2.connect(origin);
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': `${pathname}${search}` });
    let status = 0;
    let contentType = '';
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      status = Number(h[':status']);
      contentType = String(h['content-type']);
    });
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      session.close();
      resolve({ status, contentType, body });
    });
    req.on('error', reject);
  });
}

const PATHS = ['/version', '/health', '/health?serializable=true', '/nope', '/v2/keys'];

describe('client port plain HTTP: barque vs etcd 3.4.23 (multi-process)', () => {
  const clusters = new Map<EtcdImpl, EtcdCluster>();

  beforeAll(async () => {
    for (const impl of ['etcd', 'barque'] as const) clusters.set(impl, await EtcdCluster.start({ impl, members: 3 }));
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of clusters.values()) await c.cleanup();
  });

  const url = (impl: EtcdImpl, path: string, member = 0): string => `${clusters.get(impl)!.members[member].clientUrl}${path}`;

  it('answers /health, /version and unknown paths as etcd does, over HTTP/1.1 and HTTP/2', async () => {
    for (const path of PATHS) {
      const oracle = await getHttp1(url('etcd', path));
      expect(await getHttp1(url('barque', path)), path).toEqual(oracle);
      expect(await getHttp2(url('barque', path)), `${path} over HTTP/2`).toEqual(oracle);
    }
    expect(await getHttp1(url('barque', '/health', 2))).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: '{"health":"true"}' });
    // /health and /version take GET only; /metrics any method.
    for (const [path, method] of [['/health', 'POST'], ['/version', 'PUT'], ['/metrics', 'POST'], ['/v3/kv/range', 'OPTIONS'], ['/nope', 'OPTIONS']]) {
      const oracle = await request1(url('etcd', path), method);
      expect(await request1(url('barque', path), method), `${method} ${path}`).toEqual(oracle);
    }
  }, TEST_TIMEOUT_MS);

  it("answers the gRPC gateway's JSON calls as etcd does: results, errors, unknown paths and methods", async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const post = (impl: EtcdImpl, path: string, body: string, method = 'POST') =>
      new Promise<Answer>((resolve, reject) => {
        const req = http.request(url(impl, path), { method, agent: false, timeout: 20_000 }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: text }));
        });
        req.on('timeout', () => req.destroy(new Error(`${path}: no answer`)));
        req.on('error', reject);
        req.end(method === 'GET' ? undefined : body); // Node's client sends a GET body unframed
      });
    // What differs between two clusters legitimately: their IDs, terms and the lease IDs they generate.
    // A lease's remaining TTL is read a moment apart on each: 110-120 s left of 120 is the same answer.
    const normalize = (text: string) =>
      text.replace(/"(cluster_id|member_id|raft_term|ID|leader|raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse)":"\d+"/g, '"$1":"#"').replace(/"TTL":"1(1\d|20)"/g, '"TTL":"~120"');
    const leaseIds = new Map<EtcdImpl, string>();
    const steps: Array<[string, string | ((impl: EtcdImpl) => string), string?]> = [
      ['/v3/kv/put', `{"key":"${b64('gw/a')}","value":"${b64('one')}"}`],
      ['/v3/kv/put', `{"key":"${b64('gw/a')}","value":"${b64('two')}","prev_kv":true}`],
      ['/v3/kv/put', `{"key":"${b64('gw/b')}","value":"${b64('three')}","unknown_field":1}`],
      ['/v3/kv/range', `{"key":"${b64('gw/a')}"}`],
      ['/v3beta/kv/range', `{"key":"${b64('gw/')}","range_end":"${b64('gw0')}","sort_order":"DESCEND","limit":"1"}`],
      ['/v3/kv/range', `{"key":"${b64('gw/')}","range_end":"${b64('gw0')}","count_only":true}`],
      ['/v3/kv/txn', `{"compare":[{"key":"${b64('gw/a')}","result":"EQUAL","target":"VALUE","value":"${b64('two')}"}],"success":[{"request_range":{"key":"${b64('gw/a')}"}}],"failure":[{"request_put":{"key":"${b64('gw/c')}"}}]}`],
      ['/v3/kv/put', `{"value":"${b64('x')}"}`],
      ['/v3/kv/range', `{"key":"${b64('gw/a')}","revision":"99999"}`],
      ['/v3/lease/grant', '{"TTL":"120"}'],
      ['/v3/lease/timetolive', (impl) => `{"ID":"${leaseIds.get(impl)}"}`],
      ['/v3/kv/deleterange', `{"key":"${b64('gw/')}","range_end":"${b64('gw0')}","prev_kv":true}`],
      ['/v3/kv/compaction', '{"revision":"99999"}'],
      ['/v3/maintenance/status', '{}'],
      ['/v3/kv/range', `{"key":"${b64('gw/a')}"}`, 'GET'],
      ['/v3/kv/nope', '{}'],
      ['/v3/watch', '{}', 'GET'],
    ];
    for (const [path, body, method] of steps) {
      const answers: Answer[] = [];
      for (const impl of ['etcd', 'barque'] as const) {
        const a = await post(impl, path, typeof body === 'string' ? body : body(impl), method);
        if (path === '/v3/lease/grant') leaseIds.set(impl, String((JSON.parse(a.body) as { ID: string }).ID));
        answers.push({ ...a, body: normalize(a.body) });
      }
      expect(answers[1], `${method ?? 'POST'} ${path}`).toEqual(answers[0]);
    }
    // Bodies that are not a JSON object: etcd quotes Go's JSON decoder; the status and code are what clients read.
    for (const bad of ['nope', '[1]']) {
      const a = await post('barque', '/v3/kv/range', bad);
      expect([a.status, (JSON.parse(a.body) as { code: number }).code]).toEqual([400, 3]);
    }
  }, TEST_TIMEOUT_MS);

  it("streams the gateway's watch, lease keep-alive and snapshot as JSON lines, as etcd does", async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    /** A POST whose answer is read line by line as it comes. */
    const open = (impl: EtcdImpl, path: string, body: string) => {
      const lines: string[] = [];
      let head: { status: number; contentType: string } | undefined;
      let ended = false;
      let buffered = '';
      const req = http.request(url(impl, path), { method: 'POST', agent: false }, (res) => {
        head = { status: res.statusCode ?? 0, contentType: String(res.headers['content-type']) };
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buffered += d;
          const parts = buffered.split('\n');
          buffered = parts.pop() ?? '';
          lines.push(...parts);
        });
        res.on('end', () => {
          if (buffered !== '') lines.push(buffered);
          ended = true;
        });
      });
      req.on('error', () => undefined);
      req.end(body);
      return {
        lines: async (n: number) => {
          await eventually(`${n} lines from ${impl} ${path}`, () => (lines.length >= n || ended ? true : undefined), 20_000, 50);
          return { ...head!, lines: lines.map(normalize) };
        },
        ended: async () => {
          await eventually(`the end of ${impl} ${path}`, () => (ended ? true : undefined), 20_000, 50);
          return { ...head!, lines: lines.map(normalize) };
        },
        close: () => req.destroy(),
      };
    };
    const normalize = (text: string) =>
      text.replace(/"(cluster_id|member_id|raft_term|ID|revision|create_revision|mod_revision)":"\d+"/g, '"$1":"#"').replace(/"TTL":"(2\d|30)"/g, '"TTL":"~30"');
    const gatewayPost = async (impl: EtcdImpl, path: string, body: string): Promise<string> => {
      const stream = open(impl, path, body);
      return (await stream.ended()).lines.join('\n');
    };

    for (const impl of ['etcd', 'barque'] as const) await gatewayPost(impl, '/v3/kv/put', `{"key":"${b64('gs/k')}","value":"${b64('v1')}"}`);
    const answers = new Map<EtcdImpl, unknown[]>();
    for (const impl of ['etcd', 'barque'] as const) {
      const got: unknown[] = [];
      // A watch: created at once, then an event per put, open until the client goes away.
      const watch = open(impl, '/v3/watch', `{"create_request":{"key":"${b64('gs/k')}"}}`);
      got.push(await watch.lines(1));
      await gatewayPost(impl, '/v3/kv/put', `{"key":"${b64('gs/k')}","value":"${b64('v2')}"}`);
      got.push(await watch.lines(2));
      watch.close();
      // Two requests back to back in one body; the first replays history from revision 1.
      const two = open(impl, '/v3/watch', `{"create_request":{"key":"${b64('gs/k')}","start_revision":"1"}}{"create_request":{"key":"${b64('gs/other')}"}}`);
      const twoLines = await two.lines(3);
      two.close();
      got.push({ ...twoLines, lines: [...twoLines.lines].sort() });
      // A truncated body: the call fails before it starts.
      got.push(await open(impl, '/v3/watch', '{"create_request": {"key":"Zm9v"').ended());
      // Keep-alive: one answer per request, then the stream ends; an unknown lease has TTL 0 (left out).
      const granted = await new Promise<string>((resolve, reject) => {
        const req = http.request(url(impl, '/v3/lease/grant'), { method: 'POST', agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve((JSON.parse(text) as { ID: string }).ID));
        });
        req.on('error', reject);
        req.end('{"TTL":"30"}');
      });
      got.push(await open(impl, '/v3/lease/keepalive', `{"ID":"${granted}"}`).ended());
      got.push(await open(impl, '/v3/lease/keepalive', '{"ID":"8"}').ended());
      answers.set(impl, got);
    }
    expect(answers.get('barque')).toEqual(answers.get('etcd'));

    // On every member, followers included (they pass keep-alives on to the leader): the answer comes before the end.
    const rawPost = (path: string, body: string, member: number) =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(url('barque', path, member), { method: 'POST', agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end(body);
      });
    const { ID } = JSON.parse(await rawPost('/v3/lease/grant', '{"TTL":"30"}', 0)) as { ID: string };
    for (const member of [0, 1, 2]) {
      const answer = normalize(await rawPost('/v3/lease/keepalive', `{"ID":"${ID}"}`, member));
      expect(answer, `member ${member}`).toMatch(/^\{"result":\{"header":\{.*\},"ID":"#","TTL":"~30"\}\}\n$/);
    }

    // A snapshot: the database in chunks, then its sha256 as a last 32-byte blob; no header on any chunk (3.4).
    for (const impl of ['etcd', 'barque'] as const) {
      const snapshot = await open(impl, '/v3/maintenance/snapshot', '{}').ended();
      expect(snapshot.status).toBe(200);
      const results = snapshot.lines.map((l) => (JSON.parse(l) as { result: { blob: string; header?: unknown } }).result);
      expect(results.length, impl).toBeGreaterThanOrEqual(2);
      expect(results.every((r) => r.header === undefined), impl).toBe(true);
      expect(Buffer.from(results[results.length - 1].blob, 'base64').length, impl).toBe(32);
    }
  }, TEST_TIMEOUT_MS);

  it('serves /metrics and /health alone on --listen-metrics-urls, as etcd does', async () => {
    const single = new Map<EtcdImpl, { cluster: EtcdCluster; url: string }>();
    try {
      for (const impl of ['etcd', 'barque'] as const) {
        const [port] = await allocateLoopbackPorts(1);
        const url = `http://127.0.0.1:${port}`;
        single.set(impl, { cluster: await EtcdCluster.start({ impl, members: 1, extraArgs: [`--listen-metrics-urls=${url}`] }), url });
      }
      const metricsUrl = (impl: EtcdImpl, path: string) => `${single.get(impl)!.url}${path}`;
      for (const path of ['/health', '/version', '/v3/kv/range', '/nope']) {
        const oracle = await getHttp1(metricsUrl('etcd', path));
        expect(await getHttp1(metricsUrl('barque', path)), path).toEqual(oracle);
      }
      expect(await request1(metricsUrl('barque', '/health'), 'POST')).toEqual(await request1(metricsUrl('etcd', '/health'), 'POST'));
      const metrics = await getHttp1(metricsUrl('barque', '/metrics'));
      expect(metrics.status).toBe(200);
      expect(metrics.contentType).toBe((await getHttp1(metricsUrl('etcd', '/metrics'))).contentType);
      expect(metrics.body).toMatch(/^etcd_server_has_leader 1$/m);
    } finally {
      for (const { cluster } of single.values()) await cluster.cleanup();
    }
  }, TEST_TIMEOUT_MS);

  it("serves Prometheus metrics with etcd's names, enough for etcdctl check datascale", async () => {
    for (const impl of ['etcd', 'barque'] as const) {
      const m = await getHttp1(url(impl, '/metrics'));
      expect(m.status, impl).toBe(200);
      expect(m.contentType, impl).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(m.body, impl).toMatch(/^etcd_server_has_leader 1$/m);
      expect(m.body, impl).toMatch(/^etcd_cluster_version\{cluster_version="3.4"\} 1$/m);
      expect(Number(/^process_resident_memory_bytes (\S+)$/m.exec(m.body)?.[1]), impl).toBeGreaterThan(0);
    }
    const leaders = await Promise.all([0, 1, 2].map(async (i) => /^etcd_server_is_leader 1$/m.test((await getHttp1(url('barque', '/metrics', i))).body)));
    expect(leaders.filter(Boolean).length).toBe(1);
    const r = await runEtcdctl([`--endpoints=${clusters.get('barque')!.members[0].clientUrl}`, 'check', 'datascale', '--load=s'], { timeoutMs: 180_000 });
    expect(r.stdout, r.stderr).toMatch(/^PASS: Approximate system memory used/m);
  }, TEST_TIMEOUT_MS);

  it('says {"health":"false"} with 503 on a member without its quorum, as etcd does', async () => {
    const answers: Answer[] = [];
    for (const impl of ['etcd', 'barque'] as const) {
      const cluster = clusters.get(impl)!;
      await cluster.members[1].stop();
      await cluster.members[2].stop();
      const unhealthy = async (): Promise<Answer | undefined> => {
        const a = await getHttp1(url(impl, '/health'));
        return a.status === 503 ? a : undefined;
      };
      answers.push(await eventually(`${impl}: /health false`, unhealthy, 120_000, 500));
    }
    expect(answers[0].body).toMatch(/"health":"false"/);
    expect(answers[1]).toEqual(answers[0]);
  }, TEST_TIMEOUT_MS);
});
