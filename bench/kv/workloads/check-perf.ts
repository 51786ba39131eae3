// `etcdctl check perf --load=<s|m|l|xl>` against every member of a target: etcd's own pass/fail test (60 s of puts
// from etcd's Go client at a target rate). Its figures come from clientv3, not from our load generator.
import type { Workload, WorkloadResult } from './types.ts';

const CHECK_PERF_SECONDS = 60;
const TIMEOUT_MARGIN_MS = 120_000;

export interface CheckPerfReport {
  passed: boolean;
  writesPerSecond: number;
  slowestSeconds: number;
  stddevSeconds: number;
  /** The PASS/FAIL lines, for the notes. */
  verdicts: string[];
}

/**
 * Parses etcdctl 3.4's check perf output: lines such as "PASS: Throughput is 151 writes/s", "FAIL: Throughput too
 * low: 2601 writes/s", "PASS: Slowest request took 0.0119s", "PASS: Stddev is 0.0011s", then a final PASS or FAIL.
 */
export function parseCheckPerf(output: string): CheckPerfReport {
  const lines = output.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== '');
  const verdicts = lines.filter((l) => /^(PASS|FAIL)\b/.test(l));
  const final = verdicts.at(-1);
  const number = (re: RegExp): number => {
    for (const l of verdicts) {
      const m = re.exec(l);
      if (m !== null) return Number(m[1]);
    }
    return Number.NaN;
  };
  return {
    passed: final === 'PASS',
    writesPerSecond: number(/(\d+(?:\.\d+)?) writes\/s/),
    slowestSeconds: number(/[Ss]lowest request took (?:too long: )?(\d+(?:\.\d+)?)s/),
    stddevSeconds: number(/Stddev (?:is|too high:) ?(\d+(?:\.\d+)?)s/),
    verdicts: verdicts.filter((l) => l !== 'PASS' && l !== 'FAIL'),
  };
}

export function checkPerfWorkload(load: string): Workload {
  const workload: Workload = {
    id: `etcdctl check perf --load=${load}`,
    group: 'check-perf',
    clients: 0,
    run: async (ctx): Promise<WorkloadResult> => {
      ctx.progress.status(`${workload.id} on ${ctx.target.name}: about ${CHECK_PERF_SECONDS} s`);
      const result = await ctx.target.etcdctl(['check', 'perf', `--load=${load}`], {
        timeoutMs: CHECK_PERF_SECONDS * 1000 + TIMEOUT_MARGIN_MS,
      });
      const report = parseCheckPerf(`${result.stdout}\n${result.stderr}`);
      const ranToTheEnd = !result.stoppedByUs && report.verdicts.length > 0;
      return {
        workload: workload.id,
        group: 'check-perf',
        target: ctx.target.name,
        clients: 0,
        unit: 'writes/s',
        throughput: report.writesPerSecond,
        ops: 0,
        errors: ranToTheEnd ? 0 : 1,
        seconds: CHECK_PERF_SECONDS,
        latency: null,
        cdf: [],
        client: 'etcdctl check perf (etcd clientv3)',
        notes: {
          result: ranToTheEnd ? verdictText(report) : `did not finish (exit ${result.code}): ${lastLine(result.stderr)}`,
          slowestMs: Math.round(report.slowestSeconds * 1000 * 100) / 100,
          stddevMs: Math.round(report.stddevSeconds * 1000 * 100) / 100,
          verdicts: report.verdicts.join('; '),
        },
      };
    },
  };
  return workload;
}

/** "PASS", or "FAIL (Throughput too low: 869 writes/s)" naming what failed. */
function verdictText(report: CheckPerfReport): string {
  if (report.passed) return 'PASS';
  const failed = report.verdicts.filter((v) => v.startsWith('FAIL: ')).map((v) => v.slice('FAIL: '.length));
  return failed.length === 0 ? 'FAIL' : `FAIL (${failed.join('; ')})`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
