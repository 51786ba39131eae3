import { describe, expect, it } from 'vitest';
import { BUILTIN_RESOURCES } from '../resources/index.ts';
import { buildTable, humanDuration } from './table.ts';

const def = (resource: string) => BUILTIN_RESOURCES.find((r) => r.resource === resource)!;
const now = new Date('2026-01-01T12:00:00Z');

describe('ages as kubectl prints them', () => {
  it.each([
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [200_000, '3m20s'],
    [300_000, '5m'],
    [47 * 60_000, '47m'],
    [(5 * 60 + 10) * 60_000, '5h10m'],
    [30 * 3_600_000, '30h'],
    [(3 * 24 + 4) * 3_600_000, '3d4h'],
    [120 * 24 * 3_600_000, '120d'],
    [(2 * 365 + 30) * 24 * 3_600_000, '2y30d'],
    [9 * 365 * 24 * 3_600_000, '9y'],
  ])('%d ms -> %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('Table rendering', () => {
  it('renders pods with NAME READY STATUS RESTARTS AGE and wide columns at priority 1', () => {
    const pod = {
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T11:59:00Z', resourceVersion: '5' },
      spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'n1' },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    const table = buildTable(def('pods').printer, [pod], { includeObject: 'Metadata', resourceVersion: '9', now }) as {
      kind: string;
      metadata: Record<string, unknown>;
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: Record<string, unknown> }[];
    };
    expect(table.kind).toBe('Table');
    expect(table.metadata).toEqual({ resourceVersion: '9' });
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(table.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(table.rows[0].cells).toEqual(['web', '1/2', 'CrashLoopBackOff', 3, '60s', '10.0.0.1', 'n1', '<none>', '<none>']);
    expect(table.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
  });

  it('renders services, configmaps, secrets, namespaces and events', () => {
    const cells = (resource: string, obj: Record<string, unknown>) => def(resource).printer.cells(obj, now);
    const created = { creationTimestamp: '2026-01-01T11:00:00Z' };
    expect(cells('services', { metadata: { name: 's', ...created }, spec: { type: 'NodePort', clusterIP: '10.96.0.5', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: { app: 'web' } } })).toEqual([
      's',
      'NodePort',
      '10.96.0.5',
      '<none>',
      '80:30080/TCP',
      '60m',
      'app=web',
    ]);
    expect(cells('configmaps', { metadata: { name: 'c', ...created }, data: { a: '1' }, binaryData: { b: '' } })).toEqual(['c', 2, '60m']);
    expect(cells('secrets', { metadata: { name: 's', ...created }, type: 'Opaque', data: { a: 'MQ==' } })).toEqual(['s', 'Opaque', 1, '60m']);
    expect(cells('namespaces', { metadata: { name: 'n', ...created }, status: { phase: 'Active' } })).toEqual(['n', 'Active', '60m']);
    expect(
      cells('events', {
        metadata: { name: 'e1', ...created },
        type: 'Normal',
        reason: 'Scheduled',
        message: 'ok',
        involvedObject: { kind: 'Pod', name: 'web' },
        lastTimestamp: '2026-01-01T11:58:00Z',
        count: 2,
      }).slice(0, 5),
    ).toEqual(['2m', 'Normal', 'Scheduled', 'pod/web', 'ok']);
  });
});
