// Durations on the command line as Kubernetes components take them: Go's time.ParseDuration grammar ("1m30s",
// "500ms", "1.5h", "250us"), plus a bare number meaning seconds, which barque has always accepted. One grammar for
// every barque command, so a flag that works on one component works on the next.
import { FlagError } from './cli-flags.ts';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** Milliseconds (rounded) for a duration flag's text; FlagError with the text when it is not one. */
export function parseDurationFlag(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(PART)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new FlagError(`invalid duration "${text}"`);
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0));
}
