// The scheduler's view of the cluster: nodes and the pods bound to them, plus pods it has assumed onto a node
// while their binding is in flight (so the next cycle already counts them). A bound pod seen by the informer
// confirms the assumption; a failed binding forgets it. Pods on nodes not (yet) known are kept and counted once
// the node appears.
import type { KubeObject } from '../../apiserver/index.ts';
import { objectKey } from '../client/index.ts';
import type { Snapshot } from './framework.ts';
import { NodeInfo } from './node-info.ts';

export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** node name → pod key → pod, for every node, known or not. */
  private readonly podsByNode = new Map<string, Map<string, KubeObject>>();
  private readonly nodeOfPod = new Map<string, string>();
  private readonly assumed = new Set<string>();

  get nodes(): readonly NodeInfo[] {
    return [...this.infos.values()];
  }

  get(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  setNode(node: KubeObject): void {
    const name = node.metadata?.name ?? '';
    this.infos.set(name, new NodeInfo(node, this.podsByNode.get(name) ?? []));
  }

  removeNode(node: KubeObject): void {
    this.infos.delete(node.metadata?.name ?? '');
  }

  /** A pod bound to a node (as the informer reports it, or assumed). */
  setPod(pod: KubeObject, nodeName: string): void {
    const key = objectKey(pod);
    this.removeKey(key);
    this.nodeOfPod.set(key, nodeName);
    let pods = this.podsByNode.get(nodeName);
    if (pods === undefined) this.podsByNode.set(nodeName, (pods = new Map()));
    pods.set(key, pod);
    this.infos.get(nodeName)?.setPod(key, pod);
  }

  /** The informer saw the pod bound: any assumption about it is confirmed. */
  confirmPod(pod: KubeObject, nodeName: string): void {
    this.assumed.delete(objectKey(pod));
    this.setPod(pod, nodeName);
  }

  assume(pod: KubeObject, nodeName: string): void {
    this.setPod(pod, nodeName);
    this.assumed.add(objectKey(pod));
  }

  /** A binding failed: drop the assumption (a confirmed pod stays). */
  forget(key: string): void {
    if (this.assumed.delete(key)) this.removeKey(key);
  }

  removePod(pod: KubeObject): void {
    const key = objectKey(pod);
    this.assumed.delete(key);
    this.removeKey(key);
  }

  hasPod(key: string): boolean {
    return this.nodeOfPod.has(key);
  }

  private removeKey(key: string): void {
    const nodeName = this.nodeOfPod.get(key);
    if (nodeName === undefined) return;
    this.nodeOfPod.delete(key);
    const pods = this.podsByNode.get(nodeName);
    pods?.delete(key);
    if (pods?.size === 0) this.podsByNode.delete(nodeName);
    this.infos.get(nodeName)?.removePod(key);
  }
}
