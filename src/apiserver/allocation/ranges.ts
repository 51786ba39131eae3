// The ranges services draw from: an IPv4 CIDR for cluster IPs (network and broadcast addresses excluded, as
// kube-apiserver's allocator does) and an inclusive port range for node ports. Both are a list of `size` items
// addressed by offset, which is all the allocator needs.

export interface ItemRange {
  readonly size: number;
  itemAt(offset: number): string;
  /** The item's offset, or -1 when it is not in the range. */
  offsetOf(item: string): number;
  /** As the range was given, for messages. */
  readonly text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipv4ToNumber(ip: string): number | null {
  const m = IPV4.exec(ip);
  if (m === null) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((x) => x > 255)) return null;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class RangeError extends Error {}

/** "127.10.0.0/16": 65,534 addresses, 127.10.0.1 … 127.10.255.254. */
export function parseCidr(cidr: string): ItemRange {
  const [ip, bitsText] = cidr.split('/');
  const base = ipv4ToNumber(ip ?? '');
  const bits = Number(bitsText);
  if (base === null || bitsText === undefined || !/^\d+$/.test(bitsText) || bits < 8 || bits > 30) {
    throw new RangeError(`invalid CIDR "${cidr}": want an IPv4 network with a prefix length between 8 and 30`);
  }
  const total = 2 ** (32 - bits);
  const network = base - (base % total);
  const first = network + 1;
  return {
    size: total - 2,
    text: `${numberToIpv4(network)}/${bits}`,
    itemAt: (offset) => numberToIpv4(first + offset),
    offsetOf: (item) => {
      const n = ipv4ToNumber(item);
      return n === null || n < first || n >= first + total - 2 ? -1 : n - first;
    },
  };
}

/** "30000-32767", both ends included. */
export function parsePortRange(text: string): ItemRange {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (m === null || low < 1 || high > 65535 || low > high) throw new RangeError(`invalid port range "${text}": want LOW-HIGH within 1-65535`);
  return {
    size: high - low + 1,
    text: `${low}-${high}`,
    itemAt: (offset) => String(low + offset),
    offsetOf: (item) => {
      const n = /^\d+$/.test(item) ? Number(item) : NaN;
      return n >= low && n <= high ? n - low : -1;
    },
  };
}
