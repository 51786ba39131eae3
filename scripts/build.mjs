// `npm run build` (also run by `npm ci`/`npm install` as `prepare`): compiles src/ and bench/ into build/ with tsc
// (tsconfig.build.json), then stamps the build with the time it *started*, so that a source edited while the
// compiler ran still counts as newer than the build (scripts/build-freshness.mjs; bin/barque runs build/ only
// when it is fresh).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP } from './build-freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, STAMP);
const started = new Date();
rmSync(stamp, { force: true }); // a build that fails or is interrupted is never taken for a fresh one
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
process.stdout.write('build: compiling src/ and bench/ into build/ (tsc -p tsconfig.build.json)\n');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(`build: tsc failed (${result.status ?? result.signal}); bin/barque keeps running the sources\n`);
  process.exit(1);
}
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
process.stdout.write(`build: done in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s\n`);
