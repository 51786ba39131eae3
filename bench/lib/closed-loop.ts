// A closed loop of C clients: each client issues one request, waits for its answer, issues the next. Samples are
// taken only between the end of the warm-up and the deadline; requests still in flight at the deadline are
// waited for but not counted.
import { performance } from 'node:perf_hooks';
import { LatencyRecorder } from './latency.ts';

/** Issues request number `seq` of client `client`; calls `done` exactly once with an error text or null. */
export type IssueRequest = (client: number, seq: number, done: (error: string | null) => void) => void;

export interface ClosedLoopOptions {
  clients: number;
  durationMs: number;
  warmupMs: number;
  issue: IssueRequest;
  /** Called about once a second while measuring, with the completions so far (for a progress line). */
  onSecond?: (completed: number, elapsedMs: number) => void;
}

export interface ClosedLoopResult {
  clients: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  /** Sorted latencies of the successful requests, in ms. */
  latenciesMs: Float64Array;
  /** The first few distinct error texts. */
  errorSamples: string[];
}

const ERROR_SAMPLES_MAX = 5;

export function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { clients, durationMs, warmupMs, issue } = options;
  if (!(clients >= 1 && durationMs > 0 && warmupMs >= 0)) throw new Error('clients >= 1, durationMs > 0, warmupMs >= 0');
  const latencies = new LatencyRecorder();
  const errorSamples: string[] = [];
  let ops = 0;
  let errors = 0;
  let measuring = false;
  let stopped = false;
  let inFlight = 0;
  let measureStart = 0;
  let measureEnd = 0;

  return new Promise((resolve) => {
    const finishIfDrained = (): void => {
      if (!stopped || inFlight > 0) return;
      clearInterval(ticker);
      const seconds = (measureEnd - measureStart) / 1000;
      resolve({
        clients,
        ops,
        errors,
        seconds,
        opsPerSecond: ops / seconds,
        latenciesMs: latencies.sorted(),
        errorSamples,
      });
    };
    const start = (client: number, seq: number): void => {
      inFlight++;
      const t0 = performance.now();
      let answered = false;
      issue(client, seq, (error) => {
        if (answered) throw new Error('closed loop: done() called twice for one request');
        answered = true;
        inFlight--;
        const t1 = performance.now();
        if (measuring && t0 >= measureStart) {
          if (error === null) {
            ops++;
            latencies.record(t1 - t0);
          } else {
            errors++;
            if (errorSamples.length < ERROR_SAMPLES_MAX && !errorSamples.includes(error)) errorSamples.push(error);
          }
        }
        if (stopped) return finishIfDrained();
        start(client, seq + 1);
      });
    };
    const ticker = setInterval(() => {
      if (measuring) options.onSecond?.(ops, performance.now() - measureStart);
    }, 1000);
    setTimeout(() => {
      measuring = true;
      measureStart = performance.now();
      setTimeout(() => {
        measuring = false;
        stopped = true;
        measureEnd = performance.now();
        finishIfDrained();
      }, durationMs);
    }, warmupMs);
    for (let c = 0; c < clients; c++) start(c, 0);
  });
}
