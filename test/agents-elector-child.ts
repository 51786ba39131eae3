// One leader-election candidate as its own process, for test/agents-leader-election.process.test.ts:
//   tsx test/agents-elector-child.ts <grpc address> <identity> <namespace/lease>
// Prints one JSON line per callback; SIGTERM stops it gracefully (releasing the lease), SIGKILL is a crash.
import { ApiClient, LeaderElector, LeaseLock, realClock, RESOURCES } from '../src/agents/client/index.ts';

const [address, identity, lease] = process.argv.slice(2);
const [namespace, name] = lease.split('/');
const say = (ev: string, extra: Record<string, unknown> = {}): void => void process.stdout.write(`${JSON.stringify({ ev, identity, ...extra })}\n`);

const client = new ApiClient({ endpoints: [address], callTimeoutMs: 1_000, retryRoundsMax: 1 });
const elector = new LeaderElector({
  lock: new LeaseLock(client.resource(RESOURCES.leases), namespace, name),
  identity,
  clock: realClock,
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 400,
  callbacks: {
    onStartedLeading: () => say('started'),
    onStoppedLeading: () => say('stopped'),
    onNewLeader: (id) => say('leader', { leader: id }),
  },
});
process.once('SIGTERM', () => {
  void elector.stop().then(() => {
    client.close();
    say('exit');
    process.exit(0);
  });
});
say('ready');
await elector.run();
