// Calls any etcd gRPC method with raw request bytes over a real grpc-js channel (identity serializers), with a
// bound on every call, and reduces the outcome to what the fuzz tests compare: the status code and text.
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';

export interface MethodInfo {
  service: string;
  name: string;
  path: string;
  requestType: string;
  requestStream: boolean;
  responseStream: boolean;
}

export interface Outcome {
  /** 'ok': a unary answer or a stream that ended cleanly; 'open': a stream still open at the bound. */
  kind: 'ok' | 'open' | 'error';
  code?: grpc.status;
  details?: string;
  responses: number;
}

/** Every method of the eight services, in .proto order. */
export function allMethods(): MethodInfo[] {
  const protos = loadEtcdProtos();
  const out: MethodInfo[] = [];
  for (const [service, svc] of Object.entries(protos.services)) {
    const reflected = protos.root.lookupService(svc.fullName);
    for (const [name, m] of Object.entries(svc.definition)) {
      const method = reflected.methods[name];
      method.resolve();
      out.push({
        service,
        name,
        path: m.path,
        requestType: method.resolvedRequestType!.fullName.replace(/^\./, ''),
        requestStream: m.requestStream,
        responseStream: m.responseStream,
      });
    }
  }
  return out;
}

const identity = (b: Buffer) => b;

export function rawClient(address: string): grpc.Client {
  // No client-side limit: oversize requests must reach the server.
  return new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
}

/**
 * One call with `bytes` as the request. Streams get the message and are left open (as clientv3 does); they
 * count as 'open' if nothing ended them after `streamSettleMs` (an answer or an error ends the wait earlier).
 * `deadlineMs` bounds the whole call: a server that never answers shows up as DEADLINE_EXCEEDED.
 */
export function rawCall(client: grpc.Client, m: MethodInfo, bytes: Buffer, deadlineMs = 10_000, streamSettleMs = 300): Promise<Outcome> {
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(m.path, identity, identity, bytes, { deadline }, (err) =>
        resolve(err ? { kind: 'error', code: err.code, details: err.details, responses: 0 } : { kind: 'ok', responses: 1 }),
      );
      return;
    }
    let responses = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const call = m.requestStream
      ? client.makeBidiStreamRequest(m.path, identity, identity, { deadline })
      : client.makeServerStreamRequest(m.path, identity, identity, bytes, { deadline });
    const finish = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.cancel();
      resolve(o);
    };
    call.on('data', () => {
      responses++;
      // A first answer (created, keep-alive, snapshot chunk) is enough to know the server took the message.
      clearTimeout(timer);
      timer = setTimeout(() => finish({ kind: 'open', responses }), streamSettleMs);
    });
    call.on('error', (e: grpc.ServiceError) => finish({ kind: 'error', code: e.code, details: e.details, responses }));
    call.on('end', () => finish({ kind: 'ok', responses }));
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) finish({ kind: 'ok', responses });
    });
    if (m.requestStream) (call as grpc.ClientDuplexStream<Buffer, Buffer>).write(bytes);
    timer = setTimeout(() => finish({ kind: 'open', responses }), streamSettleMs * 4);
  });
}
