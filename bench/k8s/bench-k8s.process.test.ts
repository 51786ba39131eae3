// CI smoke of `barque bench k8s`, end to end through real processes: `barque cluster up` with one master (barque's
// store), 3 hollow nodes, 3 Deployments × 10 pods, then 3 latency pods, no drills. Asserts the report's shape, never its timings.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateLoopbackPortBlock } from '../../src/store/testing/loopback-ports.ts';
import type { K8sReport } from './report.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A --base-port whose failover endpoint and master ports (cluster-layout: base, base+10…base+13) are free. */
const freeBasePort = (): Promise<number> => allocateLoopbackPortBlock(14);

function barque(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('barque bench k8s (smallest run)', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-k8s-smoke-'));
  const work = mkdtempSync(join(tmpdir(), 'bench-k8s-smoke-work-'));
  afterAll(async () => {
    // The bench brings its cluster down itself; this is for a run cut short.
    await barque(['cluster', 'down', `--data-dir=${join(work, 'barque')}`], 120_000);
    rmSync(out, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a cluster, the workload and writes results.json, report.md and charts', { timeout: 300_000 }, async () => {
    const base = await freeBasePort();
    const run = await barque(['bench', 'k8s', '--stores=barque', '--masters=1', '--hollow-nodes=3', '--deployments=3', '--replicas=10', '--latency-pods=3', '--latency-rate=5', '--no-drills', '--probe-rate=2', '--timeout=180', `--base-port=${base}`, `--out=${out}`, `--work-dir=${work}`], 280_000);
    expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
    expect(run.stderr).toMatch(/barque: creating 3 Deployments × 10 replicas \(30 pods\)/);
    expect(run.stderr).toMatch(/barque: cluster down/);

    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as K8sReport;
    expect(report.runs).toHaveLength(1);
    const [r] = report.runs;
    expect(r).toMatchObject({ store: 'barque', pods: 30, allRunning: true, drills: [] });
    expect(r.startup.running).toBe(30);
    expect(r.startup.scheduling.bound).toBe(30);
    expect(r.startup.startup.count).toBe(30);
    expect(r.startup.startup.p99Ms).toBeGreaterThanOrEqual(r.startup.startup.p50Ms);
    // The second observer, a REST watch through the kubeconfig's endpoint, saw every pod Running too.
    expect(r.restStartup?.running).toBe(30);
    expect(r.restStartup?.startup.count).toBe(30);
    const probeCalls = ['DELETE configmaps', 'GET configmaps', 'LIST pods', 'POST configmaps', 'PUT configmaps'];
    expect(r.api.map((c) => `${c.verb} ${c.resource}`).sort()).toEqual(probeCalls);
    // The latency pods: counted apart from the saturation pods, with a probe of their own.
    expect(run.stderr).toMatch(/barque: creating 3 latency pods, 5\/s/);
    expect(r.latency).toMatchObject({ pods: 3, allRunning: true });
    expect(r.latency?.startup.running).toBe(3);
    expect(r.latency?.startup.startup.count).toBe(3);
    expect(r.latency?.api.map((c) => `${c.verb} ${c.resource}`).sort()).toEqual(probeCalls);
    const roles = new Set(r.usage.map((u) => u.component));
    for (const role of ['m0/etcd', 'm0/apiserver', 'm0/controller-manager', 'm0/scheduler']) expect(roles).toContain(role);
    for (const u of r.usage) expect(u.peakRssMiB).toBeGreaterThan(0);

    const report_md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report_md).toContain('| pod startup p99, latency pods ');
    expect(report_md).toContain('| pod startup p99, saturation pods ');
    expect(report_md).toContain('| pod startup p99, saturation pods, REST watch observer ');
    expect(readdirSync(out).sort()).toEqual(['pods-bound.svg', 'report.md', 'results.json', 'startup-cdf.svg']);
    expect(run.stdout).toContain(`results: ${out}`);
  });
});
