// `barque cluster up|status|kill-master|restart-master|down`: a local multi-master cluster run by a detached
// supervisor process (src/cluster/cluster-daemon.ts); these commands start it or talk to it over its control socket.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { FlagError, forEachFlag, parseCommandFlags } from '../common/cli-flags.ts';
import { parseDurationFlag } from '../common/duration-flag.ts';
import { ClusterDaemon, type DaemonStatus } from '../cluster/cluster-daemon.ts';
import { ephemeralOverlapWarning, ephemeralPortRange } from '../cluster/ephemeral-ports.ts';
import { clusterLayout, DEFAULT_CONFIG, lastPort, readConfig, writeConfig, type ClusterConfig, type ClusterLayout, type StoreImpl } from '../cluster/cluster-layout.ts';
import { controlPlaneLeaders, formatStatus, nodeReadiness, storeStatus, type ClusterStatus } from '../cluster/cluster-status.ts';
import { callControl, ControlUnavailable } from '../cluster/control-socket.ts';
import { alive, clusterPhase, FileTail, runningSupervisor, spawnSupervisor } from '../cluster/daemon-process.ts';

const USAGE = `Usage: barque cluster up [--masters=3] [--nodes=0] [--hollow-nodes=0] [--data-dir=./barque-cluster]
                         [--base-port=27000] [--store=barque|etcd] [--startup-timeout=180s]
       barque cluster status [--data-dir=D] [-o json]
       barque cluster kill-master I [--data-dir=D]      SIGKILL every process of master I and keep them down
       barque cluster restart-master I [--data-dir=D] [--startup-timeout=180s]
                                                          start its processes again, waiting until they are healthy
       barque cluster down [--data-dir=D] [--purge]
  Ports from --base-port P: P the kubeconfig's failover endpoint; master i: P+10(i+1) store client, +1 peer,
  +2 apiserver (HTTPS), +3 gRPC; process node j: P+100+10j kubelet, +1 DNS, +2 ingress. See docs/cluster.md.
`;

interface Flags {
  dataDir: string;
  config: Partial<ClusterConfig>;
  json: boolean;
  purge: boolean;
  startupTimeoutMs: number;
  master?: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { dataDir: './barque-cluster', config: {}, json: false, purge: false, startupTimeoutMs: 180_000 };
  // kill-master and restart-master take the master's index first.
  const indexed = argv.length > 0 && /^\d+$/.test(argv[0]);
  if (indexed) flags.master = Number(argv[0]);
  forEachFlag(indexed ? argv.slice(1) : argv, (flag) => {
    const count = (min: number): number => {
      const v = flag.value();
      if (!/^\d+$/.test(v) || Number(v) < min) throw new FlagError(`invalid --${flag.name} "${v}": want an integer >= ${min}`);
      return Number(v);
    };
    switch (flag.name) {
      case 'data-dir':
        flags.dataDir = flag.value();
        break;
      case 'masters':
        flags.config.masters = count(1);
        break;
      case 'nodes':
        flags.config.nodes = count(0);
        break;
      case 'hollow-nodes':
        flags.config.hollowNodes = count(0);
        break;
      case 'base-port':
        flags.config.basePort = count(1);
        break;
      case 'store': {
        const v = flag.value();
        if (v !== 'barque' && v !== 'etcd') throw new FlagError(`invalid --store "${v}": want barque or etcd`);
        flags.config.store = v as StoreImpl;
        break;
      }
      case 'startup-timeout':
        flags.startupTimeoutMs = parseDurationFlag(flag.value());
        break;
      case 'o':
      case 'output': {
        const v = flag.value();
        if (v !== 'json') throw new FlagError(`invalid output format "${v}": want json`);
        flags.json = true;
        break;
      }
      case 'purge':
        flags.purge = true;
        break;
      default:
        throw new FlagError(`unknown flag: --${flag.name}`);
    }
  });
  return flags;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const fail = (line: string): number => {
  process.stderr.write(`barque cluster: ${line}\n`);
  return 1;
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const parsed = parseCommandFlags(`barque cluster ${sub}`, USAGE, rest, parseFlags);
  if ('exitCode' in parsed) return parsed.exitCode;
  const flags = parsed.flags;
  const layout = clusterLayout(flags.dataDir);
  try {
    switch (sub) {
      case 'up':
        return await up(layout, flags);
      case 'supervise':
        return await supervise(layout);
      case 'status':
        return await status(layout, flags);
      case 'kill-master':
      case 'restart-master': {
        if (flags.master === undefined) return fail(`${sub} needs a master index`);
        // The supervisor answers restart-master once the master's processes are healthy again: on a loaded machine
        // that can take minutes (the apiserver lists every object into its watch cache), so wait as long as `up` would.
        const result = await callControl(layout.controlSocket, { op: sub, master: flags.master }, sub === 'restart-master' ? flags.startupTimeoutMs : undefined);
        say(sub === 'kill-master' ? `master ${flags.master} killed (pids ${(result as { pids: number[] }).pids.join(', ')})` : `master ${flags.master} restarted`);
        return 0;
      }
      case 'down':
        return await down(layout, flags);
      default:
        process.stderr.write(`barque cluster: unknown subcommand "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ControlUnavailable) return fail(`${err.message} (data dir ${layout.dataDir})`);
    throw err;
  }
}

async function up(layout: ClusterLayout, flags: Flags): Promise<number> {
  const saved = readConfig(layout);
  const config: ClusterConfig = { ...DEFAULT_CONFIG, ...saved, ...(saved === undefined ? flags.config : {}) };
  if (saved !== undefined) {
    const differs = (Object.keys(flags.config) as (keyof ClusterConfig)[]).filter((k) => flags.config[k] !== saved[k]);
    if (differs.length > 0) say(`barque cluster: resuming the cluster in ${layout.dataDir} as it was made; ignoring --${differs.join(', --')}`);
  }
  if (lastPort(config) > 65535) throw new FlagError(`--base-port ${config.basePort} leaves no room for the cluster's ports`);
  const overlap = ephemeralOverlapWarning(config.basePort, lastPort(config), ephemeralPortRange());
  if (overlap !== undefined) say(`barque cluster: warning: ${overlap}`);
  mkdirSync(layout.dataDir, { recursive: true });
  writeConfig(layout, config);
  let pid = runningSupervisor(layout);
  const tail = new FileTail(layout.supervisorLog);
  if (pid === null) {
    say(`barque cluster: starting ${config.masters} masters, ${config.nodes} nodes, ${config.hollowNodes} hollow nodes (store: ${config.store}); data in ${layout.dataDir}`);
    pid = spawnSupervisor(layout);
  } else {
    say(`barque cluster: already running (supervisor pid ${pid})`);
  }
  const deadline = Date.now() + flags.startupTimeoutMs;
  for (;;) {
    const text = tail.read();
    if (text !== '') process.stdout.write(text);
    const phase = clusterPhase(layout);
    if (phase?.supervisorPid === pid && phase.phase === 'ready') break;
    if (!alive(pid)) return fail(`the cluster supervisor exited; see ${layout.supervisorLog}`);
    if (Date.now() > deadline) {
      await callControl(layout.controlSocket, { op: 'down' }).catch(() => undefined);
      return fail(`not healthy within ${flags.startupTimeoutMs / 1000} s; stopping it (see ${layout.supervisorLog} and <data-dir>/m*/logs)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  say('');
  say(`barque cluster is up (supervisor pid ${pid}). To use it:`);
  say(`  export KUBECONFIG=${layout.kubeconfig}`);
  say('  kubectl get nodes');
  say(`(endpoints: ${layout.clusterFile}; bin/barque cluster status|down --data-dir ${layout.dataDir})`);
  return 0;
}

async function supervise(layout: ClusterLayout): Promise<number> {
  const config = readConfig(layout);
  if (config === undefined) return fail(`no cluster-config.json in ${layout.dataDir}; use \`barque cluster up\``);
  writeFileSync(layout.pidFile, `${process.pid}\n`);
  const stamp = (line: string): void => say(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const daemon = new ClusterDaemon(config, layout, stamp);
  process.once('SIGTERM', () => void daemon.down());
  process.once('SIGINT', () => void daemon.down());
  try {
    const started = await Promise.race([daemon.start().then(() => true), daemon.finished.then(() => false)]);
    if (started) stamp('cluster ready');
  } catch (err) {
    stamp(`cluster failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await daemon.down();
    rmSync(layout.pidFile, { force: true });
    process.exit(1);
  }
  await daemon.finished;
  rmSync(layout.pidFile, { force: true });
  process.exit(0);
}

async function status(layout: ClusterLayout, flags: Flags): Promise<number> {
  const config = readConfig(layout);
  if (config === undefined) return fail(`no cluster in ${layout.dataDir}`);
  const supervisor = (await callControl(layout.controlSocket, { op: 'status' }, 10_000).catch(() => null)) as DaemonStatus | null;
  const [store, leaders, nodes] = await Promise.all([storeStatus(layout, config), controlPlaneLeaders(layout, config), nodeReadiness(layout, config)]);
  const s: ClusterStatus = { store, ...leaders, nodes, supervisor };
  process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
  return 0;
}

async function down(layout: ClusterLayout, flags: Flags): Promise<number> {
  const pid = runningSupervisor(layout);
  if (pid === null) {
    say('barque cluster: not running');
  } else {
    await callControl(layout.controlSocket, { op: 'down' });
    const deadline = Date.now() + 120_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) return fail(`the supervisor (pid ${pid}) is still stopping after 120 s`);
    say('barque cluster: stopped');
  }
  if (flags.purge) {
    rmSync(layout.dataDir, { recursive: true, force: true });
    say(`barque cluster: removed ${layout.dataDir}`);
  }
  return 0;
}
