// resource.Quantity with exact arithmetic, for what must add up and print as Kubernetes prints it (ResourceQuota
// usage: "500m" + "500m" is "1", "128Mi" + "128Mi" is "256Mi"). Amounts are kept as whole nano-units in a bigint,
// Kubernetes' own precision limit: finer input is rounded up, as ParseQuantity does. The scheduler's and kubelet's
// float readers (agents/scheduler/quantity.ts, agents/kubelet/runtime/quantity.ts) stay as they are: they only
// compare, never print or sum to a value someone reads back.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The amount in nano-units (1 = 1e-9). */
  readonly nanos: bigint;
  /** How String() renders it: the format of the suffix it was written with. */
  readonly format: QuantityFormat;
}

/** The text kube-apiserver's decoder quotes when a quantity does not parse. */
export const QUANTITY_SYNTAX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANOS_PER_UNIT = 1_000_000_000n;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

export const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

export function quantityOf(units: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(units) * NANOS_PER_UNIT, format };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Division rounding away from zero (inf.RoundUp), as Kubernetes rounds what is finer than a nano-unit. */
function divideUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q - 1n : q + 1n;
}

/** A quantity from its text (or a JSON number, which Kubernetes also accepts); undefined when it does not parse. */
export function parseQuantity(value: unknown): Quantity | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined) return undefined;
  const m = NUMBER.exec(text);
  if (m === null) return undefined;
  const [, sign, whole, fraction = '', suffix] = m;
  if (whole === '' && fraction === '') return undefined;
  let format: QuantityFormat = 'DecimalSI';
  let exponent10 = 0;
  let binaryBits = 0;
  if (suffix in DECIMAL_SUFFIXES) exponent10 = DECIMAL_SUFFIXES[suffix];
  else if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    binaryBits = BINARY_SUFFIXES[suffix];
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent10 = Number(suffix.slice(1));
  } else return undefined;
  // (whole.fraction) × 10^exponent10 × 2^binaryBits, in nano-units: mantissa × 10^(scale) with scale counting them.
  let mantissa = BigInt(`${whole}${fraction}` || '0') * (1n << BigInt(binaryBits));
  const scale = exponent10 - fraction.length + 9;
  mantissa = scale >= 0 ? mantissa * pow10(scale) : divideUp(mantissa, pow10(-scale));
  return { nanos: sign === '-' ? -mantissa : mantissa, format };
}

export function isZero(q: Quantity): boolean {
  return q.nanos === 0n;
}

/** a + b, in a's format unless a is zero (Quantity.Add). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Thousandths, rounded up (MilliValue). */
export function milliValue(q: Quantity): bigint {
  return divideUp(q.nanos, 1_000_000n);
}

/** Quantity.String(): the canonical form, e.g. "1", "500m", "256Mi", "1e3", "1500". */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  if (q.format === 'BinarySI' && abs >= 1024n * NANOS_PER_UNIT && abs % NANOS_PER_UNIT === 0n) {
    let units = abs / NANOS_PER_UNIT;
    let power = 0;
    while (power < BINARY_BY_EXPONENT.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${sign}${units}${BINARY_BY_EXPONENT[power]}`;
  }
  // Decimal: strip factors of ten, then step the exponent down to a multiple of three.
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const extra = ((exponent % 3) + 3) % 3;
  mantissa *= pow10(extra);
  exponent -= extra;
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  const suffix = DECIMAL_BY_EXPONENT.get(exponent);
  return suffix === undefined ? `${sign}${mantissa}e${exponent}` : `${sign}${mantissa}${suffix}`;
}

/** A resource list (name → quantity text) parsed; names whose value does not parse are left out. */
export type ResourceList = Map<string, Quantity>;

export function parseResourceList(list: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (typeof list !== 'object' || list === null || Array.isArray(list)) return out;
  for (const [name, value] of Object.entries(list)) {
    const q = parseQuantity(value);
    if (q !== undefined) out.set(name, q);
  }
  return out;
}

/** The list as JSON carries it: name → canonical text, names sorted. */
export function resourceListJson(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...list.keys()].sort()) out[name] = formatQuantity(list.get(name)!);
  return out;
}

/** quota.Add: every name of either list, summed. */
export function addResourceLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) out.set(name, addQuantities(out.get(name) ?? ZERO, q));
  return out;
}

/** quota.Mask: only the given names. */
export function maskResourceList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const name of names) {
    const q = list.get(name);
    if (q !== undefined) out.set(name, q);
  }
  return out;
}

/** quota.Equals: the same names with equal amounts. */
export function resourceListsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [name, q] of a) {
    const other = b.get(name);
    if (other === undefined || compareQuantities(q, other) !== 0) return false;
  }
  return true;
}
