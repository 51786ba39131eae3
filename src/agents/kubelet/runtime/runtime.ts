// The Runtime interface: what the kubelet's sync loop asks of a node's container runtime. One implementation runs
// real child processes, the other simulates them (hollow nodes); both pass the compliance suite in compliance.ts.
//
// Unlike CRI, the runtime owns each pod's container lifecycle once the pod runs: restart policy with
// CrashLoopBackOff, probes and graceful termination live here (shared by both implementations in
// pod-supervisor.ts), so the sync loop only runs and removes pods and reports what podStatus() says.
import type { ExecResult, ExecSession, ExecStreamOptions, LogOptions, PodRuntimeStatus, PodStats, RunPodRequest } from './types.ts';

export interface Runtime {
  /**
   * Creates the sandbox (allocates the pod's IP, prepares volumes) and starts every container. Idempotent per uid.
   * Rejects, leaving nothing behind, when the sandbox cannot be made (a configMap or secret volume whose data was
   * not passed, no pod address left): the kubelet retries, as after a FailedMount.
   */
  runPod(request: RunPodRequest): Promise<PodRuntimeStatus>;
  /** undefined when the pod is unknown (never run, or removed). */
  podStatus(uid: string): PodRuntimeStatus | undefined;
  listPods(): PodRuntimeStatus[];
  /** Sends `signal` to a running container (SIGKILL = its process dies); the restart policy then applies. */
  killContainer(uid: string, container: string, signal?: 'SIGTERM' | 'SIGKILL'): void;
  /**
   * Stops every container without restarting it: SIGTERM, then SIGKILL after the grace period (default: the pod's
   * terminationGracePeriodSeconds, itself defaulting to 30 s). Resolves when all have exited.
   */
  stopPod(uid: string, gracePeriodSeconds?: number): Promise<void>;
  /** stopPod, then deletes logs, volumes and releases the pod IP. Unknown uids are ignored. */
  removePod(uid: string, gracePeriodSeconds?: number): Promise<void>;
  /** Log lines of one container attempt, newest attempt unless `previous`; with `follow`, until that attempt ends. */
  readLogs(uid: string, container: string, options?: LogOptions): AsyncIterable<string>;
  /** Runs a command in the container's environment (exec probes, kubectl exec without a TTY). */
  exec(uid: string, container: string, command: string[], timeoutMs?: number): Promise<ExecResult>;
  /**
   * Starts a command in the container's environment with its streams open (kubectl exec). Rejects with a
   * RuntimeError when the container is not running or the command cannot start.
   */
  execStream(uid: string, container: string, command: string[], options: ExecStreamOptions): Promise<ExecSession>;
  /**
   * Joins a running container's output from now on, and its input when its spec has stdin (kubectl attach). The
   * session's `exited` resolves (with 0) when the container ends or `kill()` detaches; the container runs on.
   */
  attach(uid: string, container: string, options: { stdin: boolean }): Promise<ExecSession>;
  stats(uid: string): Promise<PodStats>;
  /** Called (with the pod uid) after every status change; returns an unsubscribe function. */
  onPodChange(listener: (uid: string) => void): () => void;
  /** Stops and removes every pod. */
  close(): Promise<void>;
}
