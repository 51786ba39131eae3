// barque's single executable: dispatches to a subcommand module.
import { silenceIpServernameWarning } from '../common/ip-servername-warning.ts';
import { commands } from './commands.ts';

silenceIpServernameWarning();

const usage = `barque: a Raft-replicated, etcd-compatible store with a Kubernetes-style control plane

Usage: barque <command> [flags]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(20)}${c.summary}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`barque: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  const { run } = await command.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  // A failed command exits at once: handles it opened before failing (a store client's channels, a half-started
  // listener) must not keep the process alive, or a supervisor would never see it fail and restart it.
  (code) => {
    if (code !== 0) exitSoon(code);
  },
  (err: unknown) => {
    process.stderr.write(`barque: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exitSoon(1);
  },
);

/** Exits once stdout and stderr have drained (a pipe's writes are asynchronous). */
function exitSoon(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
