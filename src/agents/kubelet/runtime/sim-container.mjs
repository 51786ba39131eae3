// The process runtime's interpreter for `barque/sim` containers (the step language is documented in
// sim-steps.ts). Plain JavaScript so it starts as fast as node does, without a TypeScript loader.
import http from 'node:http';
import { setInterval, setTimeout } from 'node:timers';

const steps = process.argv.slice(2);
let serving = false;

function sleep(seconds) {
  if (seconds === Infinity) return new Promise(() => setInterval(() => undefined, 1 << 30));
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

function serve(port) {
  const hostname = process.env.HOSTNAME ?? '';
  const server = http.createServer((_req, res) => res.end(hostname));
  server.listen(port, process.env.POD_IP ?? '127.0.0.1');
  serving = true;
}

let ignoreSigterm = false;
process.on('SIGTERM', () => ignoreSigterm || process.exit(143));

for (const step of steps) {
  const m = /^(\S+)\s*(.*)$/.exec(step.trim());
  const [verb, rest] = [m?.[1] ?? '', m?.[2] ?? ''];
  if (verb === 'print') process.stdout.write(`${rest}\n`);
  else if (verb === 'stderr') process.stderr.write(`${rest}\n`);
  else if (verb === 'print-env') process.stdout.write(`${rest}=${process.env[rest] ?? ''}\n`);
  else if (verb === 'sleep') await sleep(rest === 'forever' ? Infinity : Number(rest));
  else if (verb === 'serve-http') serve(Number(rest));
  else if (verb === 'exit') process.exit(Number(rest));
  else if (verb === 'ignore-sigterm') ignoreSigterm = true;
  else {
    process.stderr.write(`unknown sim step "${step}"\n`);
    process.exit(2);
  }
}
if (!serving) process.exit(0);
