// `barque logs`: the logs of `barque up`'s components (src/cluster/logs.ts), merged by time; -f keeps following.
import { join, resolve } from 'node:path';
import { FlagError, forEachFlag, parseCommandFlags } from '../common/cli-flags.ts';
import { formatEntry, LogFollower, readMerged, type LogEntry } from '../cluster/logs.ts';

const USAGE = `Usage: barque logs [--data-dir=./barque-data] [-f|--follow] [--component=NAME[,NAME...]] [--tail=N] [--json]
  Components: etcd, apiserver, controller-manager, scheduler, agent (their files are in <data-dir>/logs).
  Lines marked NAME* are the supervisor's own (started, exited, restarting).
`;

const FOLLOW_POLL_MS = 300;

interface LogsFlags {
  dataDir: string;
  follow: boolean;
  components?: string[];
  tail?: number;
  json: boolean;
}

export function parseLogsFlags(argv: string[]): LogsFlags {
  const flags: LogsFlags = { dataDir: './barque-data', follow: false, json: false };
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    switch (name) {
      case 'data-dir':
        flags.dataDir = value();
        break;
      case 'f':
      case 'follow':
        flags.follow = true;
        break;
      case 'component':
        flags.components = value().split(',').filter((c) => c !== '');
        break;
      case 'tail': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new FlagError(`invalid number "${v}" for --tail`);
        flags.tail = Number(v);
        break;
      }
      case 'json':
        flags.json = true;
        break;
      default:
        throw new FlagError(`unknown flag: --${name}`);
    }
  });
  return flags;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags('barque logs', USAGE, argv, parseLogsFlags);
  if ('exitCode' in parsed) return parsed.exitCode;
  const flags: LogsFlags = parsed.flags;
  const logDir = join(resolve(flags.dataDir), 'logs');
  const show = (entries: LogEntry[]): void => {
    if (entries.length === 0) return;
    process.stdout.write(`${entries.map((e) => (flags.json ? JSON.stringify(e) : formatEntry(e))).join('\n')}\n`);
  };
  const follower = flags.follow ? new LogFollower(logDir, flags.components) : undefined;
  const all = readMerged(logDir, flags.components);
  show(flags.tail === undefined ? all : all.slice(Math.max(0, all.length - flags.tail)));
  if (follower === undefined) return 0;
  await new Promise<void>((resolveStop) => {
    const timer = setInterval(() => show(follower.poll()), FOLLOW_POLL_MS);
    const stop = (): void => {
      clearInterval(timer);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
