// Loaded into barque members with NODE_OPTIONS="--import <this file>" by `barque bench kv --profile`: Node 20
// refuses --cpu-prof in NODE_OPTIONS, so this starts the V8 CPU profiler through node:inspector instead and
// writes a .cpuprofile (same format as --cpu-prof; open in Chrome DevTools or speedscope) into
// BARQUE_CPU_PROFILE_DIR when the process exits (members exit cleanly on SIGTERM).
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BARQUE_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // A session on the process's own thread answers synchronously, so this completes inside the exit hook.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
