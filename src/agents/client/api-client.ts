// The connection to the apiserver's gRPC front end over several apiserver addresses. One address is current; a call
// failing with UNAVAILABLE (refused, reset, server gone) moves to the next address and is retried there, with an
// exponential back-off after each full round of addresses, until `retryRoundsMax` rounds have failed.
//
// Writes are retried as well. A failure with UNAVAILABLE almost always means the request never reached a server;
// when it did, the retry meets optimistic concurrency: a repeated create fails with AlreadyExists and a repeated
// update carrying its resourceVersion fails with Conflict, so nothing is applied twice silently.
import * as grpc from '@grpc/grpc-js';
import { WIDE_WINDOW_CHANNEL_OPTIONS } from '../../common/http2/flow-control.ts';
import { sharedUnaryChannel, type UnaryChannel, type UnaryMethodCodec } from '../../common/http2/unary-channel.ts';
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { apiserverService, GRPC_MESSAGE_OPTIONS } from '../../apiserver/grpc/index.ts';
import { Backoff } from './backoff.ts';
import { channelCredentials } from './channel-credentials.ts';
import { realClock, Sleeper, type Clock } from './clock.ts';
import { StatusError } from './errors.ts';
import { ResourceClient, type ResourceRef } from './resource-client.ts';

export interface ApiClientOptions {
  /** `host:port` (or `http://host:port`) of each apiserver's gRPC front end. */
  endpoints: readonly string[];
  /** Sent as the user agent ("kube-scheduler/v1.31"); its product is the default fieldManager of writes. */
  userAgent?: string;
  clock?: Clock;
  logger?: Logger;
  /** Deadline of one unary call. */
  callTimeoutMs?: number;
  /** Full rounds over the endpoints before a call fails with UNAVAILABLE. */
  retryRoundsMax?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** The CA (PEM) that signed the apiservers' serving certificate: TLS when given, plaintext (as before) when not. */
  caPem?: string;
  /** A client certificate and key (PEM): the identity is the certificate's CN (user) and O (groups). */
  certPem?: string;
  keyPem?: string;
  /** A bearer token, sent as `authorization` metadata on every call. */
  token?: string;
}

type ServerStream = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_ROUNDS_MAX = 6;
const DEFAULT_RETRY_INITIAL_MS = 100;
const DEFAULT_RETRY_MAX_MS = 5_000;

export class ApiClient {
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly addresses: string[];
  private readonly clients = new Map<string, grpc.Client>();
  private readonly channels = new Map<string, UnaryChannel>();
  /** Metadata of every unary call. */
  private readonly headers: Readonly<Record<string, string>>;
  private current = 0;
  private closed = false;
  private readonly sleepers = new Set<Sleeper>();

  constructor(private readonly options: ApiClientOptions) {
    if (options.endpoints.length === 0) throw new Error('at least one apiserver endpoint is required');
    this.addresses = options.endpoints.map((e) => e.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, ''));
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger();
    this.headers = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  }

  get endpoints(): readonly string[] {
    return this.addresses;
  }

  /** The address calls go to now. */
  get currentEndpoint(): string {
    return this.addresses[this.current];
  }

  resource<T extends object = Record<string, unknown>>(ref: ResourceRef): ResourceClient<T> {
    return new ResourceClient<T>(this, ref);
  }

  /** One unary call with failover; failures become StatusError. */
  async call<Res>(method: string, request: unknown): Promise<Res> {
    const backoff = new Backoff({ initialMs: this.options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS, maxMs: this.options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS });
    const attemptsMax = this.addresses.length * (this.options.retryRoundsMax ?? DEFAULT_RETRY_ROUNDS_MAX);
    for (let attempt = 1; ; attempt++) {
      const address = this.addresses[this.current];
      try {
        return await this.unary<Res>(address, method, request);
      } catch (err) {
        const e = err as grpc.ServiceError;
        if (this.closed || e.code !== grpc.status.UNAVAILABLE || attempt >= attemptsMax) throw StatusError.fromGrpc(e);
        this.logger.debug({ address, method, err: e.details }, 'apiserver unavailable, trying the next one');
        this.failedOver(address);
        if (attempt % this.addresses.length === 0) await this.sleep(backoff.next());
      }
    }
  }

  /** A server-streaming call on the current endpoint; the caller handles failures (see ResourceClient.watch). */
  stream(method: string, request: unknown): { stream: grpc.ClientReadableStream<unknown>; address: string } {
    const address = this.addresses[this.current];
    const client = this.clientFor(address) as unknown as Record<string, ServerStream>;
    return { stream: client[method].call(client, request, this.metadata(), {}), address };
  }

  /** Moves off `address` if it is still current (concurrent failures move once). */
  failedOver(address: string): void {
    if (this.addresses[this.current] === address) this.current = (this.current + 1) % this.addresses.length;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sleepers) s.wake();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const c of this.channels.values()) c.release();
    this.channels.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async sleep(ms: number): Promise<void> {
    const sleeper = new Sleeper(this.clock);
    this.sleepers.add(sleeper);
    try {
      await sleeper.sleep(ms);
    } finally {
      this.sleepers.delete(sleeper);
    }
  }

  /** Unary calls go straight on HTTP/2 (common/http2/unary-channel.ts); streams through grpc-js. */
  private unary<Res>(address: string, method: string, request: unknown): Promise<Res> {
    const codec = apiserverService().definition[method] as UnaryMethodCodec<unknown, Res> | undefined;
    if (codec === undefined) return Promise.reject(new Error(`no such apiserver method: ${method}`));
    // A real-time deadline, enforced on the channel's own timer whatever clock the rest of the client uses.
    const deadline = Date.now() + (this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    return this.channelFor(address).call(codec, request, { deadline, metadata: this.headers });
  }

  private channelFor(address: string): UnaryChannel {
    if (this.closed) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'client closed', reason: 'ServiceUnavailable', code: 503 }, grpc.status.CANCELLED);
    let channel = this.channels.get(address);
    if (channel === undefined) {
      const { caPem, certPem, keyPem, userAgent } = this.options;
      channel = sharedUnaryChannel({ address, tls: caPem === undefined ? undefined : { caPem, certPem, keyPem }, userAgent });
      this.channels.set(address, channel);
    }
    return channel;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    return metadata;
  }

  private clientFor(address: string): grpc.Client {
    if (this.closed) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'client closed', reason: 'ServiceUnavailable', code: 503 }, grpc.status.CANCELLED);
    let client = this.clients.get(address);
    if (client === undefined) {
      client = new (apiserverService().Client)(address, channelCredentials(this.options), {
        ...GRPC_MESSAGE_OPTIONS,
        ...WIDE_WINDOW_CHANNEL_OPTIONS,
        ...(this.options.userAgent === undefined ? {} : { 'grpc.primary_user_agent': this.options.userAgent }),
        // Reconnect quickly after an apiserver restart instead of grpc-js's default back-off of up to 120 s.
        'grpc.max_reconnect_backoff_ms': 1_000,
        'grpc.initial_reconnect_backoff_ms': 100,
      });
      this.clients.set(address, client);
    }
    return client;
  }
}
