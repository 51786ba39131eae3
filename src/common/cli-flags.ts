// Command-line flags the way Kubernetes components take them (--name=value, --name value, -n), walked by one loop,
// and one --help / bad-flag path for every barque subcommand. etcd's own flags live in src/store/member.
export class FlagError extends Error {}

export interface FlagCursor {
  /** The flag's name without its dashes. */
  readonly name: string;
  /** The text after '=', when the flag had one. */
  readonly inline: string | undefined;
  /** The flag's value: after '=', else the next argument (which it consumes). Call it during the visit only. */
  value(): string;
}

export function forEachFlag(argv: readonly string[], visit: (flag: FlagCursor) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    visit({
      name,
      inline,
      value: () => {
        if (inline !== undefined) return inline;
        const next = argv[++i];
        if (next === undefined) throw new FlagError(`flag needs an argument: --${name}`);
        return next;
      },
    });
  }
}

/**
 * --help (or -h) prints the usage and ends with 0; a FlagError prints "<command>: <error>" and the usage and ends
 * with 2, as Kubernetes components do; otherwise the parsed flags.
 */
export function parseCommandFlags<T>(command: string, usage: string, argv: string[], parse: (argv: string[]) => T): { flags: T } | { exitCode: number } {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return { exitCode: 0 };
  }
  try {
    return { flags: parse(argv) };
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${command}: ${err.message}\n${usage}`);
    return { exitCode: 2 };
  }
}

/** Go's flag package booleans: a bare flag is true. */
export function parseBoolFlag(text: string, name: string): boolean {
  if (['true', '1', 't', 'T', 'TRUE', 'True', ''].includes(text)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(text)) return false;
  throw new FlagError(`invalid boolean "${text}" for --${name}`);
}
