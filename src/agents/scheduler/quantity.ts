// resource.Quantity as the scheduler needs it: "100m", "0.5", "2" CPUs in millicores; "128Mi", "1G", "1e3" as
// plain numbers (bytes, counts). Malformed quantities count as 0 (the apiserver validates what it stores).
const SUFFIXES: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const m = value.trim().match(/^([+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$/);
  if (m === null) return 0;
  return Number(m[1]) * SUFFIXES[m[2] ?? ''];
}

/** A quantity in thousandths, rounded up (Kubernetes' MilliValue): CPU in millicores. */
export function parseMilli(value: unknown): number {
  return Math.ceil(Math.round(parseQuantity(value) * 1e6) / 1e3);
}
