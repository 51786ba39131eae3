import { describe, expect, it } from 'vitest';
import { Counter, Histogram } from './metrics-registry.ts';
import { requestInfo } from './request-metrics.ts';

describe('requestInfo', () => {
  it('classifies verbs, scopes and subresources as kube-apiserver does', () => {
    expect(requestInfo('GET', '/api/v1/namespaces/ns/pods')).toEqual({ verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace' });
    expect(requestInfo('GET', '/api/v1/pods?watch=true')).toMatchObject({ verb: 'WATCH', scope: 'cluster' });
    expect(requestInfo('PUT', '/api/v1/namespaces/ns/pods/p/status')).toMatchObject({ verb: 'PUT', resource: 'pods', subresource: 'status', scope: 'resource' });
    expect(requestInfo('DELETE', '/apis/apps/v1/namespaces/ns/deployments')).toMatchObject({ verb: 'DELETECOLLECTION', group: 'apps', resource: 'deployments' });
    expect(requestInfo('GET', '/api/v1/namespaces/ns')).toMatchObject({ verb: 'GET', resource: 'namespaces', scope: 'resource' });
    expect(requestInfo('PUT', '/api/v1/namespaces/ns/finalize')).toMatchObject({ resource: 'namespaces', subresource: 'finalize' });
    expect(requestInfo('GET', '/healthz')).toEqual({ verb: 'GET', group: '', version: '', resource: '', subresource: '', scope: '' });
  });
});

describe('text exposition', () => {
  it('renders counters and cumulative histogram buckets', () => {
    const c = new Counter('requests_total', 'Requests.');
    c.inc({ code: '200' });
    c.inc({ code: '200' });
    c.inc({ code: 'say "hi"' });
    expect(c.render()).toBe('# HELP requests_total Requests.\n# TYPE requests_total counter\nrequests_total{code="200"} 2\nrequests_total{code="say \\"hi\\""} 1');
    const h = new Histogram('latency_seconds', 'Latency.', [0.1, 1]);
    h.observe({ verb: 'GET' }, 0.05);
    h.observe({ verb: 'GET' }, 0.5);
    h.observe({ verb: 'GET' }, 5);
    expect(h.render().split('\n')).toEqual([
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{verb="GET",le="0.1"} 1',
      'latency_seconds_bucket{verb="GET",le="1"} 2',
      'latency_seconds_bucket{verb="GET",le="+Inf"} 3',
      'latency_seconds_sum{verb="GET"} 5.55',
      'latency_seconds_count{verb="GET"} 3',
    ]);
  });
});
