// `barque bench <suite>`: the CLI door to the benchmarks. Only `kv` for now.
import { run as runKv } from './main.ts';

export async function run(argv: string[]): Promise<number> {
  const [suite, ...rest] = argv;
  if (suite === 'kv') return runKv(rest);
  process.stderr.write('usage: barque bench kv [flags]   (barque bench kv --help for the flags)\n');
  return suite === undefined || suite === '--help' || suite === '-h' ? 0 : 2;
}
