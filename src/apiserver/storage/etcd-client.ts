// Our own etcd v3 client: the few KV and Watch calls kube-apiserver makes, across several endpoints. Unary calls go
// straight on an HTTP/2 session (common/http2/unary-channel.ts), watches through grpc-js.
//
// Failover: one endpoint is current; a call that fails with Unavailable (connection refused, reset, no leader) is
// retried on the next endpoint, at most once per endpoint. Writes are retried too: every write the apiserver makes
// is a Txn guarded by a mod_revision compare, so a retried write that had in fact been applied fails its compare
// and reports the current object instead of applying twice.
import * as grpc from '@grpc/grpc-js';
import { WIDE_WINDOW_CHANNEL_OPTIONS } from '../../common/http2/flow-control.ts';
import { UnaryChannel, type UnaryChannelTls, type UnaryMethodCodec } from '../../common/http2/unary-channel.ts';
import { loadEtcdProtos, toSafeNumber } from '../../store/proto/index.ts';
export { prefixEnd } from '../../common/key-prefix.ts';
import { prefixEnd } from '../../common/key-prefix.ts';

type Msg = Record<string, unknown>;

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface RangeResult {
  revision: number;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export type CompareSpec =
  | { key: Buffer; target: 'mod'; modRevision: number }
  | { key: Buffer; target: 'version'; version: number };

export type OpSpec =
  | { op: 'put'; key: Buffer; value: Buffer; /** An etcd lease ID: the key goes when the lease expires. */ lease?: string }
  | { op: 'delete'; key: Buffer; prevKv?: boolean }
  | { op: 'range'; key: Buffer };

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  /** One entry per op of the branch taken: the kvs of a range op, the prev_kvs of a delete, [] for a put. */
  kvs: KeyValue[][];
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv: KeyValue | null;
}

export interface WatchHandlers {
  /** A batch of events; `revision` is the last one's mod_revision (never the header's: see watchPrefix). */
  onEvents(events: WatchEvent[], revision: number): void;
  /** A progress notification: the store has nothing newer for this watch than `revision`. */
  onProgress(revision: number): void;
  /** The watch ended: compacted (`compactRevision` > 0), canceled by the server, or the stream failed. */
  onError(error: EtcdWatchError): void;
}

export class EtcdWatchError extends Error {
  constructor(message: string, readonly compactRevision: number) {
    super(message);
    this.name = 'EtcdWatchError';
  }
}

export interface EtcdWatch {
  cancel(): void;
}

export interface EtcdClientOptions {
  /** `http://host:port` URLs or `host:port`. */
  endpoints: readonly string[];
  callTimeoutMs?: number;
  /** kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile (PEM text), used for https endpoints. */
  tls?: EtcdClientTls;
}

export interface EtcdClientTls {
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const MAX_INT32 = 2 ** 31 - 1;
const COMPARE_TARGET = { version: 0, mod: 2 } as const;

export function endpointAddress(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
}

export class EtcdClient {
  private readonly addresses: string[];
  private readonly callTimeoutMs: number;
  private current = 0;
  private readonly channels = new Map<string, UnaryChannel>();
  private readonly watchClients = new Map<string, grpc.Client>();
  private closed = false;
  private readonly credentials = new Map<string, grpc.ChannelCredentials>();
  /** TLS of each https endpoint for the unary channels (the same CA and client certificate). */
  private readonly channelTls = new Map<string, UnaryChannelTls>();

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('at least one etcd endpoint is required');
    this.addresses = options.endpoints.map(endpointAddress);
    // As clientv3: TLS per endpoint, for https URLs; the CA and client certificate when given.
    const tls = options.tls ?? {};
    const secure = grpc.credentials.createSsl(pemBuffer(tls.caPem), pemBuffer(tls.keyPem), pemBuffer(tls.certPem));
    for (const url of options.endpoints) {
      const https = /^https:/.test(url);
      this.credentials.set(endpointAddress(url), https ? secure : grpc.credentials.createInsecure());
      if (https) this.channelTls.set(endpointAddress(url), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem });
    }
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  get endpoints(): readonly string[] {
    return this.addresses;
  }

  async range(key: Buffer, options: { rangeEnd?: Buffer; limit?: number; revision?: number; countOnly?: boolean } = {}): Promise<RangeResult> {
    const res = await this.call('Range', {
      key,
      range_end: options.rangeEnd ?? Buffer.alloc(0),
      limit: options.limit ?? 0,
      revision: options.revision ?? 0,
      count_only: options.countOnly ?? false,
    });
    return {
      revision: headerRevision(res),
      kvs: (res.kvs as Msg[]).map(toKeyValue),
      more: res.more as boolean,
      count: toSafeNumber(res.count as bigint),
    };
  }

  async txn(compares: CompareSpec[], success: OpSpec[], failure: OpSpec[]): Promise<TxnResult> {
    const res = await this.call('Txn', {
      compare: compares.map(toCompare),
      success: success.map(toRequestOp),
      failure: failure.map(toRequestOp),
    });
    const responses = res.responses as Msg[];
    return {
      succeeded: res.succeeded as boolean,
      revision: headerRevision(res),
      kvs: responses.map((r) => {
        if (r.response === 'response_range') return ((r.response_range as Msg).kvs as Msg[]).map(toKeyValue);
        if (r.response === 'response_delete_range') return ((r.response_delete_range as Msg).prev_kvs as Msg[]).map(toKeyValue);
        return [];
      }),
    };
  }

  /** A new lease of `ttlSeconds`; its ID as a decimal string (int64). */
  async grantLease(ttlSeconds: number): Promise<string> {
    const res = await this.call('LeaseGrant', { TTL: ttlSeconds, ID: 0 }, 'Lease');
    return String(res.ID);
  }

  async revokeLease(id: string): Promise<void> {
    await this.call('LeaseRevoke', { ID: BigInt(id) }, 'Lease');
  }

  async compact(revision: number): Promise<void> {
    await this.call('Compact', { revision, physical: false });
  }

  /**
   * A prefix watch from `startRevision` with prev_kv and progress_notify, on the current endpoint, with etcd's
   * require-leader metadata so a member cut off from its leader ends the stream instead of going quiet. The caller
   * re-establishes it after onError (the watch cache relists).
   */
  watchPrefix(prefix: Buffer, startRevision: number, handlers: WatchHandlers): EtcdWatch {
    const address = this.addresses[this.current];
    const client = this.watchClient(address);
    const meta = new grpc.Metadata();
    meta.set('hasleader', 'true');
    const stream = (client as unknown as Record<string, (m: grpc.Metadata) => grpc.ClientDuplexStream<Msg, Msg>>).Watch.call(client, meta);
    let ended = false;
    const end = (error: EtcdWatchError): void => {
      if (ended) return;
      ended = true;
      stream.cancel();
      handlers.onError(error);
    };
    stream.on('data', (res: Msg) => {
      if (ended) return;
      const compactRevision = toSafeNumber(res.compact_revision as bigint);
      if (compactRevision > 0) return end(new EtcdWatchError('etcdserver: mvcc: required revision has been compacted', compactRevision));
      if (res.canceled === true) return end(new EtcdWatchError(`watch canceled: ${String(res.cancel_reason)}`, 0));
      const events = res.events as Msg[];
      if (events.length === 0) {
        // A progress notification for this watch (progress_notify) comes only once it has caught up: its header
        // is a true position. Not so etcd 3.4's answer to a progress_request (watch_id -1): it carries the
        // store's revision at once, even while this watch still has a backlog to deliver, so it is not used.
        if (res.created !== true && res.watch_id !== BROADCAST_WATCH_ID) handlers.onProgress(headerRevision(res));
        return;
      }
      // Not the header's: a watch catching up (etcd's unsynced watchers) gets its events in chunks, each with the
      // store's current revision in the header while older events are still to come. Taken as the position, it
      // moved bookmarks past events not yet delivered, and watchers resumed beyond them: the events were lost.
      const revision = toSafeNumber((events[events.length - 1].kv as Msg).mod_revision as bigint);
      handlers.onEvents(
        events.map((e) => ({
          type: e.type === 1 ? 'DELETE' : 'PUT',
          kv: toKeyValue(e.kv as Msg),
          prevKv: e.prev_kv === null ? null : toKeyValue(e.prev_kv as Msg),
        })),
        revision,
      );
    });
    stream.on('error', (err: grpc.ServiceError) => {
      if (err.code === grpc.status.UNAVAILABLE) this.rotate(address);
      end(new EtcdWatchError(err.details || err.message, 0));
    });
    stream.on('end', () => end(new EtcdWatchError('watch stream ended', 0)));
    stream.write({
      create_request: { key: prefix, range_end: prefixEnd(prefix), start_revision: startRevision, prev_kv: true, progress_notify: true },
    });
    return { cancel: () => end(new EtcdWatchError('canceled by client', 0)) };
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels.values()) c.close();
    for (const c of this.watchClients.values()) c.close();
    this.channels.clear();
    this.watchClients.clear();
  }

  private async call(method: string, request: Msg, service: 'KV' | 'Lease' = 'KV'): Promise<Msg> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.addresses.length; attempt++) {
      const address = this.addresses[this.current];
      try {
        return await this.callOn(address, method, request, service);
      } catch (err) {
        lastError = err;
        if (!isUnavailable(err)) throw err;
        this.rotate(address);
      }
    }
    throw lastError;
  }

  private callOn(address: string, method: string, request: Msg, service: 'KV' | 'Lease'): Promise<Msg> {
    if (this.closed) return Promise.reject(new Error('etcd client is closed'));
    const codec = loadEtcdProtos().services[service].definition[method] as UnaryMethodCodec<Msg, Msg>;
    return this.channelOf(address).call(codec, request, { deadline: Date.now() + this.callTimeoutMs });
  }

  private channelOf(address: string): UnaryChannel {
    let channel = this.channels.get(address);
    if (channel === undefined) {
      // clientv3 accepts answers of any size (MaxCallRecvMsgSize defaults to MaxInt32): the watch cache's first
      // list of a resource is one Range of every object, 3,000 pods ~11 MiB.
      channel = new UnaryChannel({ address, tls: this.channelTls.get(address), maxReceiveBytes: MAX_INT32 });
      this.channels.set(address, channel);
    }
    return channel;
  }

  /** Moves on from `failed` unless another call already did. */
  private rotate(failed: string): void {
    if (this.addresses[this.current] === failed) this.current = (this.current + 1) % this.addresses.length;
  }

  private credentialsFor(address: string): grpc.ChannelCredentials {
    return this.credentials.get(address) ?? grpc.credentials.createInsecure();
  }

  private watchClient(address: string): grpc.Client {
    let client = this.watchClients.get(address);
    if (client === undefined) {
      client = new (loadEtcdProtos().services.Watch.Client)(address, this.credentialsFor(address), { 'grpc.max_receive_message_length': MAX_INT32, ...WIDE_WINDOW_CHANNEL_OPTIONS });
      this.watchClients.set(address, client);
    }
    return client;
  }
}

function pemBuffer(pem: string | undefined): Buffer | null {
  return pem === undefined ? null : Buffer.from(pem);
}

export function isUnavailable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === grpc.status.UNAVAILABLE;
}

export function isCompacted(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

/** clientv3's InvalidWatchID: a response for every watch of the stream (etcd's answer to a progress_request). */
const BROADCAST_WATCH_ID = -1n;

function headerRevision(res: Msg): number {
  return toSafeNumber((res.header as Msg).revision as bigint);
}

function toKeyValue(kv: Msg): KeyValue {
  return {
    key: kv.key as Buffer,
    value: kv.value as Buffer,
    createRevision: toSafeNumber(kv.create_revision as bigint),
    modRevision: toSafeNumber(kv.mod_revision as bigint),
    version: toSafeNumber(kv.version as bigint),
  };
}

function toCompare(c: CompareSpec): Msg {
  if (c.target === 'mod') return { result: 0, target: COMPARE_TARGET.mod, key: c.key, mod_revision: c.modRevision, target_union: 'mod_revision' };
  return { result: 0, target: COMPARE_TARGET.version, key: c.key, version: c.version, target_union: 'version' };
}

function toRequestOp(op: OpSpec): Msg {
  switch (op.op) {
    case 'put':
      return { request_put: { key: op.key, value: op.value, lease: op.lease === undefined ? 0 : BigInt(op.lease) }, request: 'request_put' };
    case 'delete':
      return { request_delete_range: { key: op.key, prev_kv: op.prevKv ?? false }, request: 'request_delete_range' };
    case 'range':
      return { request_range: { key: op.key }, request: 'request_range' };
  }
}
