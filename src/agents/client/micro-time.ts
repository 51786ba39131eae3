// metav1.MicroTime on the wire: RFC 3339 in UTC with exactly six fractional digits ("2006-01-02T15:04:05.000000Z"),
// as Lease acquireTime/renewTime are written by client-go. Our clocks have millisecond resolution.

export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Milliseconds since the epoch, or null for anything that is not an RFC 3339 time. */
export function parseMicroTime(text: unknown): number | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? null : ms;
}
