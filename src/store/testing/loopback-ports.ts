// Free loopback ports for processes a test is about to start. A port found by binding port 0 is an ephemeral port:
// once the probe closes it, any process's next outgoing connection may take it as its local port before the child
// binds it (CI saw exactly that: a member's peer port taken, EADDRINUSE). So ports are chosen below the kernel's
// ephemeral range, where no outgoing connection lands, and each test worker takes its own slice of that range, so
// two workers never hand out the same port at once.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

const RANGE_LOW = 15_000;
const DEFAULT_EPHEMERAL_LOW = 32_768;
const SLICE_SIZE = 1_000;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

interface Slice {
  low: number;
  high: number; // exclusive
  next: number;
}

let slice: Slice | null = null;

/** This process's slice: chosen by vitest's pool id when under vitest (workers are numbered), else by pid. */
function ownSlice(): Slice {
  if (slice !== null) return slice;
  const top = ephemeralLow();
  const slices = Math.floor((top - RANGE_LOW) / SLICE_SIZE);
  if (slices < 1) throw new Error(`no room for test ports below the ephemeral range (it starts at ${top})`);
  const pool = Number(process.env.VITEST_POOL_ID);
  const index = (Number.isInteger(pool) && pool > 0 ? pool : process.pid) % slices;
  const low = RANGE_LOW + index * SLICE_SIZE;
  // Start at a random point of the slice so a worker's next test file does not reuse the ports its last one had.
  slice = { low, high: low + SLICE_SIZE, next: low + Math.floor(Math.random() * SLICE_SIZE) };
  return slice;
}

function tryListen(port: number): Promise<Server | null> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => done(server));
  });
}

function closeAll(servers: readonly Server[]): Promise<void> {
  return Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done())))).then(() => undefined);
}

/**
 * `size` consecutive ports, every one free now; the first is returned. Consecutive because some commands take a
 * base port and derive the rest (`barque up --base-port`). Walks this worker's slice, wrapping, and gives up only
 * when the whole slice has been tried.
 */
export async function allocateLoopbackPortBlock(size: number): Promise<number> {
  if (!Number.isInteger(size) || size < 1 || size > SLICE_SIZE / 4) throw new Error(`port block size must be 1..${SLICE_SIZE / 4}, got ${size}`);
  const s = ownSlice();
  for (let tried = 0; tried < SLICE_SIZE; tried += size) {
    if (s.next + size > s.high) s.next = s.low;
    const base = s.next;
    s.next += size;
    const held: Server[] = [];
    for (let port = base; port < base + size; port++) {
      const server = await tryListen(port);
      if (server === null) break;
      held.push(server);
    }
    await closeAll(held);
    if (held.length === size) return base;
  }
  throw new Error(`no ${size} consecutive free loopback ports in ${s.low}..${s.high - 1}`);
}

/** `count` distinct free ports on 127.0.0.1 (not necessarily consecutive). */
export async function allocateLoopbackPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await allocateLoopbackPortBlock(1));
  return ports;
}
