// What a run leaves behind: a short summary on stdout and, in the results folder, the history, the watch streams,
// the store's write history and the result (JSON), so a failing run can be re-checked and read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './runner.ts';

export function summarize(r: RunResult, index: number): string {
  const kinds = Object.entries(r.opsByKind)
    .map(([k, c]) => `${k} ${c.ok}/${c.failed}/${c.unknown}`)
    .join(', ');
  const faults = Object.entries(r.faultsByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `run ${index + 1}: ${r.impl}, seed ${r.seed}, nemesis ${r.nemesis.join(',')}${r.unsafeLocalReads ? ', UNSAFE local reads' : ''}, ${(r.workloadMs / 1000).toFixed(0)} s`,
    `  ops ${r.ops.ok + r.ops.failed + r.ops.unknown}: ok ${r.ops.ok}, failed ${r.ops.failed}, unknown ${r.ops.unknown}  (by kind ok/failed/unknown: ${kinds})`,
    `  faults ${r.faults.length}: ${faults || 'none'}`,
    `  linearizability: ${r.linearizability.verdict} (${r.history.length} ops checked in ${(r.linearizability.checkMs / 1000).toFixed(1)} s)`,
    `  watches: ${r.watch.streams} streams, ${r.watch.resumes} resumes, ${r.watch.events} events, ${r.watch.violations.length} violations`,
    `  convergence: ${r.convergence === undefined ? 'none' : `HashKV at revision ${r.convergence.revision} ${r.convergence.agree ? 'agrees on every member' : 'DIFFERS'}`}`,
    `  anomalies: ${r.anomalies.length === 0 ? 'none' : r.anomalies.join('; ')}`,
  ];
  if (r.problems.length > 0) lines.push(`  problems: ${r.problems.join('; ')}`);
  if (r.linearizability.verdict === 'illegal') lines.push(indent(r.linearizability.text.split('\n').slice(0, 40).join('\n')));
  if (r.watch.violations.length > 0) lines.push(indent(r.watch.text.split('\n').slice(0, 20).join('\n')));
  return lines.join('\n');
}

/** Writes one run's files under `dir`; returns the folder. */
export function writeResults(dir: string, r: RunResult, index: number): string {
  const folder = join(dir, `${r.impl}-seed${r.seed}-run${index + 1}`);
  mkdirSync(folder, { recursive: true });
  const { history, watches, writeHistory, memberLogs, ...result } = r;
  for (const [name, log] of Object.entries(memberLogs)) writeFileSync(join(folder, `${name}.log`), log);
  writeFileSync(join(folder, 'history.json'), JSON.stringify(history));
  writeFileSync(join(folder, 'watches.json'), JSON.stringify(watches));
  writeFileSync(join(folder, 'write-history.json'), JSON.stringify(writeHistory));
  writeFileSync(join(folder, 'result.json'), JSON.stringify(result, null, 2));
  writeFileSync(join(folder, 'summary.txt'), `${summarize(r, index)}\n\n${r.linearizability.text}\n`);
  return folder;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
