// The detached process that runs a `barque cluster`: one Supervisor per master (store member, apiserver,
// controller-manager, scheduler) and per node agent, the failover endpoint, the control socket, and cluster.json.
// kill-master SIGKILLs a master's process groups and keeps them down until restart-master.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { serveControl, type ControlRequest } from './control-socket.ts';
import { clusterCredentials, type ClusterCredentials } from './cluster-pki.ts';
import { endpointPort, HOST, masterPorts, type ClusterConfig, type ClusterLayout } from './cluster-layout.ts';
import { apiserverUrl, grpcAddress, hollowNodeNames, HOLLOW_NODE_PREFIX, masterComponents, memberName, nodeComponents, processNodeName, storeClientUrl } from './cluster-plan.ts';
import { FailoverEndpoint } from './failover-endpoint.ts';
import { killLeftovers } from './leftovers.ts';
import { Supervisor, type ComponentSpec, type ComponentStatus } from './supervisor.ts';

export interface MasterState {
  index: number;
  /** False between kill-master and restart-master. */
  wanted: boolean;
  components: ComponentStatus[];
}

export interface DaemonStatus {
  phase: 'starting' | 'ready' | 'stopping';
  masters: MasterState[];
  nodes: { name: string; components: ComponentStatus[] }[];
}

interface Group {
  dir: string;
  specs: ComponentSpec[];
  supervisor: Supervisor;
  wanted: boolean;
}

export class ClusterDaemon {
  private readonly masters: Group[] = [];
  private readonly nodes: (Group & { name: string })[] = [];
  private endpoint: FailoverEndpoint | undefined;
  private control: Server | undefined;
  private phase: DaemonStatus['phase'] = 'starting';
  private stopping: Promise<void> | undefined;
  private readonly exitRequested: Promise<void>;
  private requestExit: () => void = () => {};

  constructor(
    private readonly config: ClusterConfig,
    private readonly layout: ClusterLayout,
    private readonly say: (line: string) => void,
  ) {
    this.exitRequested = new Promise((resolve) => (this.requestExit = resolve));
  }

  /** Resolves once a `down` (or a signal, through down()) has stopped everything. */
  get finished(): Promise<void> {
    return this.exitRequested;
  }

  async start(): Promise<void> {
    const { config, layout } = this;
    mkdirSync(layout.dataDir, { recursive: true });
    const endpointUrl = `https://${HOST}:${endpointPort(config)}`;
    const nodeNames = Array.from({ length: config.nodes }, (_, j) => processNodeName(j));
    const creds = clusterCredentials(layout.pkiDir, config.masters, endpointUrl, nodeNames, hollowNodeNames(config), layout.kubeconfig);
    for (let i = 0; i < config.masters; i++) this.masters.push(this.group(layout.masterDir(i), masterComponents(config, layout, creds, i)));
    for (const { node, spec } of nodeComponents(config, layout, creds)) this.nodes.push({ ...this.group(join(layout.nodesDir, node), [spec]), name: node });
    for (const g of [...this.masters, ...this.nodes]) {
      const left = killLeftovers(join(g.dir, 'status.json'));
      if (left.length > 0) this.say(`ended components a previous supervisor left running in ${g.dir}: ${left.join(', ')}`);
    }
    if (existsSync(layout.controlSocket)) rmSync(layout.controlSocket);
    this.control = await serveControl(layout.controlSocket, (req) => this.handle(req));
    this.endpoint = this.makeEndpoint(creds);
    await this.endpoint.start();
    this.say(`failover endpoint listening on ${endpointUrl}`);
    this.writeClusterFile();
    // Step by step across the masters: the three store members must run together to elect a leader.
    for (let step = 0; step < this.masters[0].specs.length; step++) {
      const name = this.masters[0].specs[step].name;
      this.say(`starting ${name} on ${this.masters.length} masters`);
      // The first apiserver alone: apiservers bootstrapping one store at once race to create the `kubernetes`
      // Service, and the loser fails to start.
      if (name === 'apiserver') await this.masters[0].supervisor.start(this.masters[0].specs[step]);
      await Promise.all(this.masters.map((g, i) => (name === 'apiserver' && i === 0 ? undefined : g.supervisor.start(g.specs[step]))));
    }
    for (const n of this.nodes) {
      this.say(`starting node agent ${n.name}`);
      await n.supervisor.start(n.specs[0]);
    }
    this.phase = 'ready';
    this.writeClusterFile();
  }

  status(): DaemonStatus {
    return {
      phase: this.phase,
      masters: this.masters.map((g, index) => ({ index, wanted: g.wanted, components: g.supervisor.status() })),
      nodes: this.nodes.map((n) => ({ name: n.name, components: n.supervisor.status() })),
    };
  }

  /** SIGKILL every process of master i (their whole process groups) and keep them down. */
  async killMaster(i: number): Promise<number[]> {
    const g = this.master(i);
    g.wanted = false;
    const pids = g.supervisor.status().flatMap((c) => (c.pid === null ? [] : [c.pid]));
    for (const pid of pids) killGroup(pid);
    await g.supervisor.stopAll();
    this.writeClusterFile();
    this.say(`master ${i} killed (pids ${pids.join(', ')})`);
    return pids;
  }

  async restartMaster(i: number): Promise<void> {
    const old = this.master(i);
    if (old.wanted) throw new Error(`master ${i} is running; kill-master it first`);
    await old.supervisor.stopAll();
    const fresh = this.group(old.dir, old.specs);
    this.masters[i] = fresh;
    this.say(`restarting master ${i}`);
    for (const spec of fresh.specs) await fresh.supervisor.start(spec);
    this.writeClusterFile();
    this.say(`master ${i} running`);
  }

  /** Stops the nodes, then every master (each last started first), the endpoint and the control socket. */
  down(): Promise<void> {
    this.stopping ??= (async () => {
      this.phase = 'stopping';
      this.say('stopping the cluster');
      await Promise.all(this.nodes.map((n) => n.supervisor.stopAll()));
      await Promise.all(this.masters.map((g) => g.supervisor.stopAll()));
      await this.endpoint?.close();
      await new Promise<void>((resolve) => (this.control === undefined ? resolve() : this.control.close(() => resolve())));
      rmSync(this.layout.controlSocket, { force: true });
      this.writeClusterFile();
      this.say('cluster stopped');
      this.requestExit();
    })();
    return this.stopping;
  }

  private async handle(req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'status':
        return this.status();
      case 'kill-master':
        return { pids: await this.killMaster(req.master) };
      case 'restart-master':
        await this.restartMaster(req.master);
        return this.status();
      case 'down':
        // Answer first: the socket closes as part of stopping.
        setImmediate(() => void this.down());
        return { stopping: true };
    }
  }

  private master(i: number): Group {
    const g = this.masters[i];
    if (!Number.isInteger(i) || g === undefined) throw new Error(`no master ${i}: masters are 0..${this.masters.length - 1}`);
    return g;
  }

  private group(dir: string, specs: ComponentSpec[]): Group {
    const supervisor = new Supervisor({
      logDir: join(dir, 'logs'),
      statusFile: join(dir, 'status.json'),
      onEvent: (name, event) => {
        this.say(`${dir.slice(this.layout.dataDir.length + 1)} ${name}: ${event}`);
        this.writeClusterFile();
      },
    });
    return { dir, specs, supervisor, wanted: true };
  }

  private makeEndpoint(creds: ClusterCredentials): FailoverEndpoint {
    const backends = this.masters.map((_, i) => ({ host: HOST, port: masterPorts(this.config, i).apiserver }));
    return new FailoverEndpoint({ host: HOST, port: endpointPort(this.config), backends, caPem: readFileSync(creds.caFile, 'utf8') });
  }

  /** <data-dir>/cluster.json: the endpoints and pids for tools (format in docs/cluster.md; keep it stable). */
  private writeClusterFile(): void {
    const { config, layout } = this;
    const range = Array.from({ length: config.masters }, (_, i) => i);
    const pidsOf = (components: ComponentStatus[]): Record<string, number | null> => Object.fromEntries(components.map((c) => [c.name, c.pid]));
    const file = {
      version: 1,
      phase: this.phase,
      dataDir: layout.dataDir,
      store: config.store,
      supervisorPid: process.pid,
      kubeconfig: layout.kubeconfig,
      endpoint: `https://${HOST}:${endpointPort(config)}`,
      apiservers: range.map((i) => apiserverUrl(config, i)),
      grpcAddresses: range.map((i) => grpcAddress(config, i)),
      storeClientUrls: range.map((i) => storeClientUrl(config, i)),
      masters: range.map((i) => {
        const g = this.masters[i] as Group | undefined;
        return {
          index: i,
          name: memberName(i),
          up: g?.wanted ?? false,
          apiserver: apiserverUrl(config, i),
          grpc: grpcAddress(config, i),
          storeClientUrl: storeClientUrl(config, i),
          logDir: join(layout.masterDir(i), 'logs'),
          pids: g === undefined ? {} : pidsOf(g.supervisor.status()),
        };
      }),
      nodes: this.nodes.map((n) => ({ name: n.name, hollowNodes: n.name === HOLLOW_NODE_PREFIX ? config.hollowNodes : 0, pid: n.supervisor.status()[0]?.pid ?? null })),
    };
    // Written aside and renamed, so a reader never sees half a file.
    writeFileSync(`${layout.clusterFile}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(`${layout.clusterFile}.tmp`, layout.clusterFile);
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
