// Kubernetes resource quantities for memory ("64Mi", "1G", "128974848", "1e9"), in bytes.
const SUFFIX: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Bytes, or undefined for text that is not a quantity. */
export function parseMemoryQuantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(text.trim());
  if (m === null) return undefined;
  return Math.ceil(Number(m[1]) * SUFFIX[m[2] ?? '']);
}
