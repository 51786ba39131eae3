// Node/V8 flags for a `barque etcd` member process, given by whoever spawns one (the test and bench harness,
// `barque up`): V8 fixes its heap sizing at start-up, so the member cannot set it for itself, and re-executing
// bin/barque would add a second process's memory.
//
// Why: under a steady put load V8 grows the young generation to its largest (3 x 16 MiB semi-spaces), memory that
// holds only garbage between scavenges. 8 MiB saved ~20 MiB of peak RSS per member at 500 clients with no
// throughput change beyond the run-to-run noise; 4 MiB saved ~40 MiB but cost about a third of the put throughput
// (in-flight requests outlive a scavenge and get promoted). Figures: docs/benchmarks.md, "Member memory".
// BARQUE_MEMBER_NODE_FLAGS replaces them (an empty value: Node's defaults), for measuring.
const DEFAULT_FLAGS = ['--max-semi-space-size=8'];

export function memberNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.BARQUE_MEMBER_NODE_FLAGS;
  return override === undefined ? [...DEFAULT_FLAGS] : override.split(/\s+/).filter((f) => f.length > 0);
}
