// A Watch stream on a bare node:http2 session, for watchers that stop reading: until resume() nothing is
// consumed, so HTTP/2 flow control stops the server's writes once the windows are full, as with a stuck client.
import http2 from 'node:http2';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';

export interface RawWatchEvent {
  watchId: number;
  revision: number;
}

export class RawWatchStream {
  private readonly stream: http2.ClientHttp2Stream;
  private pending = Buffer.alloc(0);
  /** Event revisions received per watch ID, in arrival order (filled once resumed). */
  readonly events = new Map<number, number[]>();
  readonly created: number[] = [];

  constructor(session: http2.ClientHttp2Session) {
    this.stream = session.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
    this.stream.on('error', () => undefined);
  }

  create(key: Buffer, rangeEnd: Buffer): void {
    const body = loadEtcdProtos().codecs.type('etcdserverpb.WatchRequest').encode({ create_request: { key, range_end: rangeEnd } });
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    this.stream.write(frame);
  }

  /** Starts consuming: every gRPC message is decoded and its events recorded. */
  resume(): void {
    const codec = loadEtcdProtos().codecs.type<{ watch_id: bigint; created: boolean; events: Array<{ kv: { mod_revision: bigint } }> }>('etcdserverpb.WatchResponse');
    this.stream.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 5) {
        const len = this.pending.readUInt32BE(1);
        if (this.pending.length < 5 + len) break;
        const r = codec.decode(this.pending.subarray(5, 5 + len));
        this.pending = this.pending.subarray(5 + len);
        const id = Number(r.watch_id);
        if (r.created) this.created.push(id);
        if (r.events.length === 0) continue;
        let list = this.events.get(id);
        if (list === undefined) this.events.set(id, (list = []));
        for (const e of r.events) list.push(Number(e.kv.mod_revision));
      }
    });
  }

  close(): void {
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}
