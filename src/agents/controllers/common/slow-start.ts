// Kubernetes' slowStartBatch: make `count` calls in batches of 1, 2, 4 … so a template the apiserver rejects costs one
// failed call, not hundreds. Stops after the first batch with a failure; returns how many succeeded and the first
// error.
export async function slowStartBatch(count: number, initialBatchSize: number, call: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => call()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed !== undefined) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}
