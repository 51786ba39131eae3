// Linux hands out the local ports of outgoing connections from an ephemeral range; a listening port inside it may
// already be the local end of a connection another component made, and then the component meant to listen there
// cannot bind it while that connection lives (seen with `cluster up --base-port 36000`: an apiserver failed to
// start seven times over two minutes). `cluster up` warns when its port plan overlaps the range.
import { readFileSync } from 'node:fs';

const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** The ephemeral range from the contents of ip_local_port_range ("32768\t60999"); undefined if unreadable. */
export function parsePortRange(text: string): { low: number; high: number } | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  const [low, high] = [Number(m[1]), Number(m[2])];
  return low <= high ? { low, high } : undefined;
}

/** The warning for ports first..last when they overlap the range, else undefined. */
export function ephemeralOverlapWarning(first: number, last: number, range: { low: number; high: number } | undefined): string | undefined {
  if (range === undefined || last < range.low || first > range.high) return undefined;
  return `ports ${first}-${last} overlap the ephemeral port range ${range.low}-${range.high} (${RANGE_FILE}): a component may fail to bind a port that a connection already uses as its local end; choose --base-port below ${range.low - (last - first)}`;
}

/** The machine's ephemeral range; undefined off Linux or when unreadable. */
export function ephemeralPortRange(): { low: number; high: number } | undefined {
  try {
    return parsePortRange(readFileSync(RANGE_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}
