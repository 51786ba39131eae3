// `barque bench k8s`: density, pod startup latency, API latency, component CPU/RSS and failover drills on a
// `barque cluster`, once per store (barque's, real etcd 3.4), one side-by-side table. Flags: settings.ts (USAGE).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Progress } from '../lib/index.ts';
import { comparisonTable, writeReport, type K8sReport } from './report.ts';
import { parseSettings, UsageError, USAGE } from './settings.ts';
import { runStore, type StoreRun } from './store-run.ts';
import { REPO_ROOT } from '../../src/common/repo-root.ts';


export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let settings;
  try {
    settings = parseSettings(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`barque bench k8s: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  const outDir = resolve(settings.outDir ?? join(REPO_ROOT, 'bench', 'results', `${startedAt.replace(/[:.]/g, '-')}-k8s`));
  const progress = new Progress();
  const report: K8sReport = { command: `barque bench k8s ${argv.join(' ')}`.trim(), startedAt, loadAverage: loadavg(), runs: [] };
  const work = settings.workDir ?? mkdtempSync(join(tmpdir(), 'barque-bench-k8s-'));
  try {
    for (const store of settings.stores) {
      const run: StoreRun = await runStore(store, settings, join(work, store), progress);
      report.runs.push(run);
      writeReport(report, outDir);
    }
  } finally {
    if (settings.workDir === undefined) rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`\n${comparisonTable(report.runs)}\nresults: ${outDir}\n`);
  return report.runs.every((r) => r.allRunning && (r.latency?.allRunning ?? true)) ? 0 : 3;
}
