// Standard five-field cron schedules as CronJobs use them (minute hour day-of-month month day-of-week; lists, ranges,
// steps, month and weekday names, `?`, and the @yearly/@monthly/@weekly/@daily/@hourly macros), evaluated in UTC.
// As in cron, when both day fields are restricted a day matches if either does. Parsing errors carry the field.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class CronParseError extends Error {}

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

function parseValue(text: string, field: (typeof FIELDS)[number]): number {
  const named = 'names' in field ? (field.names as readonly string[]).indexOf(text.toLowerCase()) : -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  // Sunday may be written 7.
  const v = field.name === 'day of week' && value === 7 ? 0 : value;
  if (Number.isNaN(v) || v < field.min || v > field.max) throw new CronParseError(`failed to parse ${field.name} "${text}": out of range [${field.min}, ${field.max}]`);
  return v;
}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronParseError(`failed to parse ${field.name} "${part}": bad step`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [parseValue(a, field), parseValue(b, field)];
      if (field.name === 'day of week' && b === '7') hi = 6;
      if (lo > hi) throw new CronParseError(`failed to parse ${field.name} "${part}": beginning of range after end`);
    } else {
      lo = parseValue(range, field);
      hi = stepText === undefined ? lo : field.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(spec: string): CronSchedule {
  const text = MACROS[spec.trim().toLowerCase()] ?? spec.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: "${spec}"`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]));
  return { minutes, hours, days, months, weekdays, daysRestricted: !['*', '?'].includes(parts[2]), weekdaysRestricted: !['*', '?'].includes(parts[4]) };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  if (s.daysRestricted && s.weekdaysRestricted) return dom || dow;
  return dom && dow;
}

/** The first activation strictly after `afterMs` (ms since the epoch), or undefined within five years. */
export function nextActivation(s: CronSchedule, afterMs: number): number | undefined {
  const d = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const limit = afterMs + 5 * 366 * 86_400_000;
  while (d.getTime() <= limit) {
    if (!s.months.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else return d.getTime();
  }
  return undefined;
}
