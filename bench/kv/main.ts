// `barque bench kv` / `npm run bench`: barque vs etcd 3.4 on the same KV workloads with the same client. Flags:
// settings.ts (USAGE). `--loadgen-cost` measures the load generator itself instead.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparisonTable, runHarness } from './harness.ts';
import { runLoadgenCost } from './loadgen-cost.ts';
import { parseRunOptions, UsageError, USAGE } from './settings.ts';
import { REPO_ROOT } from '../../src/common/repo-root.ts';


export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let options;
  try {
    options = parseRunOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`barque bench kv: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.loadgenCost) return runLoadgenCost(options.settings);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, 'bench', 'results', stamp));
  const { report } = await runHarness(options, `barque bench kv ${argv.join(' ')}`.trim(), outDir);
  process.stdout.write(`\n${comparisonTable(report)}\nresults: ${outDir}\n`);
  const missing = Object.keys(report.meta.unavailable);
  if (missing.length > 0) {
    process.stderr.write(`not measured: ${missing.join(', ')} (see report.md)\n`);
    return 3;
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`barque bench kv: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
