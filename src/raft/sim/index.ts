// The door of src/raft/sim: the deterministic simulator of a Raft cluster and its checkers.
export { runSeed, Simulator, type SimOptions, type SimResult, type SimStats } from './simulator.ts';
export { Checkers, type Violation, type LogView } from './checkers.ts';
export { SimNetwork, HEALTHY_NETWORK, type NetworkFaults, type SendFate } from './network.ts';
export { SimDisk, type DurableState } from './disk.ts';
export { EventQueue } from './event-queue.ts';
export { FaultInjector, pickFrom, type FaultWorld } from './faults.ts';
export { drawFaultMix, describeFaultMix, type FaultMix, type FaultWeights, type Profile } from './fault-mix.ts';
export { failureLine, outcomeLines, TRACE_TAIL_LINES } from './report.ts';
export { runSeedRange, type SeedRangeOutcome } from './seed-range.ts';
