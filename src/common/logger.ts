// One way to log: pino, structured JSON; pretty only when a person is watching a terminal.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level?: LevelWithSilent;
  /** Defaults to stderr, so stdout stays free for command output (etcdctl-style tables, JSON). */
  destination?: NodeJS.WritableStream & { fd?: number };
  /** Force or forbid pretty output; by default pretty only on a TTY. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? (process.env.BARQUE_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? Boolean((destination as { isTTY?: boolean }).isTTY);
  if (pretty) {
    return pino({
      name: options.name,
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ name: options.name, level }, pino.destination({ fd: destination.fd ?? 2, sync: false }));
}

/** A logger that drops everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
