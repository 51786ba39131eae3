// Syncing one pod of this node, level-based: whatever the pod's API object and the runtime say now, move one toward
// the other. A pod being deleted is stopped with its grace period and then deleted for good (grace 0); a pod gone
// from the API is removed from the runtime; a pod not yet running is started with its inputs resolved; and the
// status the runtime reports is posted when it changed.
import type { KubeObject } from '../../apiserver/index.ts';
import { isNotFound, type Clock, type ResourceClient } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import type { EventRecorder } from '../record/index.ts';
import { containerEvents } from './pod-events.ts';
import { PodConfigError, podRunRequest, PodVolumeError, type PodInputSources } from './pod-inputs.ts';
import { podStatus } from './pod-status.ts';
import type { ApiPod } from './pod-types.ts';
import type { PodRuntimeStatus, Runtime } from './runtime/index.ts';

export interface PodSyncOptions {
  pods: ResourceClient<KubeObject>;
  runtime: Runtime;
  inputs: PodInputSources;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  hostIP: string;
  /** Ask the workers to sync `key` again later. */
  retryAfter(key: string, ms: number): void;
}

const CONFIG_RETRY_MS = 2_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class PodSync {
  /** uid of the pod this node runs under each key: a pod recreated under the same name gets a new uid. */
  private readonly uidByKey = new Map<string, string>();
  private readonly keyByUid = new Map<string, string>();
  private readonly posted = new Map<string, { fingerprint: string; status: Record<string, unknown> }>();
  private readonly lastRuntime = new Map<string, PodRuntimeStatus>();
  private readonly configErrors = new Map<string, string>();

  constructor(private readonly o: PodSyncOptions) {}

  keyOfUid(uid: string): string | undefined {
    return this.keyByUid.get(uid);
  }

  async sync(key: string, pod: ApiPod | undefined): Promise<void> {
    this.o.logger.debug({ pod: key, present: pod !== undefined, deleting: pod?.metadata.deletionTimestamp !== undefined }, 'syncing pod');
    const known = this.uidByKey.get(key);
    if (known !== undefined && known !== pod?.metadata.uid) await this.forget(key, known);
    if (pod === undefined) return;
    const uid = pod.metadata.uid;
    this.uidByKey.set(key, uid);
    this.keyByUid.set(uid, key);
    if (pod.metadata.deletionTimestamp !== undefined) return this.terminate(key, pod);
    let runtime = this.o.runtime.podStatus(uid);
    const phase = pod.status?.phase;
    // A finished pod is never run again (after an agent restart the runtime no longer knows it).
    if (runtime === undefined && (phase === 'Succeeded' || phase === 'Failed')) return;
    if (runtime === undefined) {
      try {
        runtime = await this.o.runtime.runPod(await podRunRequest(pod, this.o.inputs));
        this.configErrors.delete(uid);
      } catch (err) {
        if (err instanceof PodVolumeError) {
          // Waiting for volumes shows as ContainerCreating, as the kubelet's volume manager leaves a pod.
          this.configErrors.delete(uid);
          this.o.recorder.event(pod as unknown as KubeObject, 'Warning', 'FailedMount', err.message, 'Pod');
        } else {
          if (!(err instanceof PodConfigError)) throw err;
          this.configErrors.set(uid, err.message);
          this.o.recorder.event(pod as unknown as KubeObject, 'Warning', 'Failed', `Error: ${err.message}`, 'Pod');
        }
        this.o.retryAfter(key, CONFIG_RETRY_MS);
      }
    }
    await this.report(pod, runtime);
  }

  private async report(pod: ApiPod, runtime: PodRuntimeStatus | undefined): Promise<void> {
    const uid = pod.metadata.uid;
    if (runtime !== undefined) {
      const images = new Map(pod.spec.containers.map((c) => [c.name, c.image]));
      for (const e of containerEvents(this.lastRuntime.get(uid), runtime, images)) {
        this.o.recorder.event(this.ref(pod, e.container), e.type, e.reason, e.message);
      }
      this.lastRuntime.set(uid, runtime);
    }
    const configError = this.configErrors.get(uid);
    const previous = this.posted.get(uid)?.status;
    const status = podStatus({
      pod: previous === undefined ? pod : { ...pod, status: previous },
      runtime,
      hostIP: this.o.hostIP,
      nowIso: iso(this.o.clock.now()),
      waiting: configError === undefined ? undefined : { reason: 'CreateContainerConfigError', message: configError },
    });
    const fingerprint = JSON.stringify(status);
    if (this.posted.get(uid)?.fingerprint === fingerprint) return;
    this.o.logger.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, phase: status.phase }, 'posting pod status');
    try {
      await this.o.pods.patch(pod.metadata.namespace, pod.metadata.name, 'json', [{ op: 'add', path: '/status', value: status }, { op: 'test', path: '/metadata/uid', value: uid }], { subresource: 'status' });
      this.posted.set(uid, { fingerprint, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async terminate(key: string, pod: ApiPod): Promise<void> {
    const { uid, namespace, name } = pod.metadata;
    const running = this.o.runtime.podStatus(uid);
    if (running !== undefined) {
      for (const c of running.containers) {
        if ('running' in c.state) this.o.recorder.event(this.ref(pod, c.name), 'Normal', 'Killing', `Stopping container ${c.name}`);
      }
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
      await this.o.runtime.stopPod(uid, grace);
      const stopped = this.o.runtime.podStatus(uid);
      if (stopped !== undefined) await this.report(pod, stopped).catch(() => {});
      await this.o.runtime.removePod(uid, 0);
    }
    try {
      await this.o.pods.delete(namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err) && !String(err).includes('Precondition failed')) throw err;
    }
    this.drop(key, uid);
  }

  private async forget(key: string, uid: string): Promise<void> {
    await this.o.runtime.removePod(uid, 0);
    this.drop(key, uid);
  }

  private drop(key: string, uid: string): void {
    if (this.uidByKey.get(key) === uid) this.uidByKey.delete(key);
    this.keyByUid.delete(uid);
    this.posted.delete(uid);
    this.lastRuntime.delete(uid);
    this.configErrors.delete(uid);
  }

  private ref(pod: ApiPod, container: string): { apiVersion: string; kind: string; namespace: string; name: string; uid: string; fieldPath: string } {
    const m = pod.metadata;
    return { apiVersion: 'v1', kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid, fieldPath: `spec.containers{${container}}` };
  }
}
