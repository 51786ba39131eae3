// Side effects a resource needs around its writes that the generic registry cannot know: a service's cluster IP and
// node ports are claimed in the store before the service is written and released when it goes. Hooks are set per
// registry when the apiserver is wired (api-server.ts), because they need the store and the configured ranges.
import type { UserInfo } from '../auth/user.ts';
import type { KubeObject } from '../types.ts';

export type Undo = () => Promise<void>;

export const noUndo: Undo = async () => {};

export interface RegistryHooks {
  /**
   * After defaults and validation, before the create is written; may fill fields or refuse (admission: `user` is the
   * requester, undefined for internal writes). Returns how to undo it.
   */
  beforeCreate?(obj: KubeObject, dryRun: boolean, user?: UserInfo): Promise<Undo>;
  /**
   * Before each write attempt of an update, on the merged object; may fill fields. `undo` runs when that attempt is
   * not written (lost race, failure), `commit` once the update is written (releasing what the new object dropped).
   */
  beforeUpdate?(next: KubeObject, current: KubeObject, dryRun: boolean): Promise<{ undo: Undo; commit: Undo }>;
  /** After the object is gone from the store. */
  afterDelete?(obj: KubeObject): Promise<void>;
}
