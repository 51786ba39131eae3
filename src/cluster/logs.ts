// The fluentd role for `barque up`: the per-component log files (pino JSON lines, see component-log.ts) merged into
// one stream ordered by time and made readable: `08:40:01.123 apiserver    INFO  listening port=6443`.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface LogEntry {
  /** ms since the epoch; lines without a time take the previous line's. */
  time: number;
  component: string;
  level: number;
  msg: string;
  fields: Record<string, unknown>;
  /** A line that was not JSON, shown as it is. */
  raw?: string;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'name', 'v']);

export function parseLine(line: string, component: string, previousTime: number): LogEntry | null {
  if (line.trim() === '') return null;
  try {
    const obj = JSON.parse(line) as Record<string, unknown>;
    if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) if (!HIDDEN.has(k)) fields[k] = v;
      // The supervisor's own lines say which component they are about; show them under it.
      const who = obj.name === 'supervisor' ? `${component}*` : component;
      if (obj.name === 'supervisor') delete fields.component;
      return { time: typeof obj.time === 'number' ? obj.time : previousTime, component: who, level: typeof obj.level === 'number' ? obj.level : 30, msg: typeof obj.msg === 'string' ? obj.msg : '', fields };
    }
  } catch {
    // fall through: shown raw
  }
  return { time: previousTime, component, level: 30, msg: line, fields: {}, raw: line };
}

export function parseLines(text: string, component: string, startTime = 0): LogEntry[] {
  const out: LogEntry[] = [];
  let time = startTime;
  for (const line of text.split('\n')) {
    const e = parseLine(line, component, time);
    if (e === null) continue;
    time = e.time;
    out.push(e);
  }
  return out;
}

/** Merges per-component entry lists by time; ties keep each file's order (a stable sort). */
export function mergeByTime(lists: readonly LogEntry[][]): LogEntry[] {
  return lists.flat().sort((a, b) => a.time - b.time);
}

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatEntry(e: LogEntry, width = 20): string {
  const d = new Date(e.time);
  const clock = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad2(d.getUTCMilliseconds(), 3)}`;
  const level = (LEVELS[e.level] ?? String(e.level)).padEnd(5);
  const extra = Object.entries(e.fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${clock} ${e.component.padEnd(width)} ${level} ${e.msg}${extra === '' ? '' : ` ${extra}`}`;
}

export function logFiles(logDir: string, components?: readonly string[]): string[] {
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir)
    .filter((f) => f.endsWith('.log'))
    .filter((f) => components === undefined || components.includes(basename(f, '.log')))
    .sort()
    .map((f) => join(logDir, f));
}

/** Every entry so far, merged. */
export function readMerged(logDir: string, components?: readonly string[]): LogEntry[] {
  return mergeByTime(logFiles(logDir, components).map((f) => parseLines(readFileSync(f, 'utf8'), basename(f, '.log'))));
}

/**
 * Follows the log files from where they end now: each poll reads what was appended (whole lines only) to every file
 * (new ones too) and hands the batch over merged by time.
 */
export class LogFollower {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private readonly lastTime = new Map<string, number>();

  constructor(
    private readonly logDir: string,
    private readonly components?: readonly string[],
  ) {
    for (const f of logFiles(logDir, components)) this.offsets.set(f, statSync(f).size);
  }

  poll(): LogEntry[] {
    const lists: LogEntry[][] = [];
    for (const f of logFiles(this.logDir, this.components)) {
      const from = this.offsets.get(f) ?? 0;
      const size = statSync(f).size;
      if (size < from) this.offsets.set(f, 0);
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(f, 'r');
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      this.offsets.set(f, size);
      const text = (this.partial.get(f) ?? '') + buf.toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.partial.set(f, text.slice(cut + 1));
      const entries = parseLines(text.slice(0, cut + 1), basename(f, '.log'), this.lastTime.get(f) ?? 0);
      if (entries.length > 0) this.lastTime.set(f, entries[entries.length - 1].time);
      lists.push(entries);
    }
    return mergeByTime(lists);
  }
}
