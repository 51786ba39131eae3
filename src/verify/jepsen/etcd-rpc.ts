// The runner's own etcd v3 gRPC clients (grpc-js with barque's codecs). They never go through the members'
// CONNECT proxies ('grpc.enable_http_proxy': 0, whatever the runner's environment says) and reconnect quickly
// after a member comes back, so that a fault ends for the clients when it ends for the cluster.
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../store/proto/index.ts';

type Service = 'KV' | 'Lease' | 'Watch' | 'Cluster' | 'Maintenance';
type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.enable_http_proxy': 0,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.min_reconnect_backoff_ms': 100,
};

/** A gRPC failure as the runner classifies it. */
export interface RpcFailure {
  readonly code: number;
  readonly details: string;
}

export function rpcFailure(err: unknown): RpcFailure {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN,
    details: typeof e.details === 'string' ? e.details : String(e.message ?? err),
  };
}

/**
 * True when the request certainly never reached a server: the channel had no connection. Everything else
 * (deadline, reset mid-call, etcd's "request timed out") may have taken effect.
 */
export function neverSent(f: RpcFailure): boolean {
  return f.code === grpc.status.UNAVAILABLE && /No connection established|ECONNREFUSED|failed to connect|Connection refused/i.test(f.details);
}

/** One member's endpoint: a client per service on one shared channel. */
export class EtcdRpc {
  private readonly clients = new Map<Service, AnyClient>();
  private closed = false;

  /** `credentials` for https members (TLS, with a client certificate when they require one); plaintext otherwise. */
  constructor(
    readonly url: string,
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {}

  unary<T>(service: Service, method: string, request: unknown, deadlineMs: number): Promise<T> {
    const client = this.client(service);
    return new Promise((resolve, reject) => {
      client[method](request, { deadline: Date.now() + deadlineMs }, (err: unknown, response: T) => (err ? reject(err) : resolve(response)));
    });
  }

  /** A bidirectional Watch stream. */
  watch(): grpc.ClientDuplexStream<unknown, Record<string, unknown>> {
    return (this.client('Watch') as unknown as { Watch(): grpc.ClientDuplexStream<unknown, Record<string, unknown>> }).Watch();
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(service: Service): AnyClient {
    if (this.closed) throw new Error(`client for ${this.url} is closed`);
    let c = this.clients.get(service);
    if (c === undefined) {
      const first = this.clients.values().next().value;
      const options: grpc.ClientOptions = { ...CLIENT_CHANNEL_OPTIONS };
      // All services of one endpoint share a channel, as etcd's clientv3 does.
      if (first !== undefined) options.channelOverride = first.getChannel();
      const Ctor = loadEtcdProtos().services[service].Client;
      c = new Ctor(this.url.replace(/^[a-z]+:\/\//, ''), this.credentials, options) as AnyClient;
      this.clients.set(service, c);
    }
    return c;
  }
}
