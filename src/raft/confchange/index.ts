// Membership changes: computing and validating the next configuration.
export { Changer, checkInvariants, type ChangeResult } from './changer.ts';
export { restoreConfig, type RestoreOptions } from './restore.ts';
