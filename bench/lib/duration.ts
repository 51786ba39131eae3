// Command-line durations: "10s", "500ms", "2m", or a bare number of seconds.
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) throw new Error(`bad duration "${text}": want e.g. 10s, 500ms, 2m`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
  if (!(ms > 0)) throw new Error(`duration must be positive, got "${text}"`);
  return ms;
}
