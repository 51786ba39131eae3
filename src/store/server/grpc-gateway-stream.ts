// etcd's gateway for the streaming calls (`curl -N -X POST .../v3/watch -d '{"create_request":{"key":"Zm9v"}}'`):
// as grpc-gateway does it, the request body holds one or more JSON messages back to back; for a client stream
// each is sent in order and the send side is then half-closed, for a server stream the one message is the
// request. Each response is written as it comes as one line `{"result": <message>}`; the HTTP response stays
// open until the call ends (a keep-alive stream ends once the body's messages are answered; a watch stays until
// the client goes away). The call runs through the same handler as over gRPC, with a call object standing in for
// grpc-js's: the handler cannot tell the two apart. Statuses and texts: etcd 3.4.23 (its gateway) was the oracle.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import type { PlainHttpAnswer, PlainHttpSink } from '../../common/http2/index.ts';

export interface StreamRoute {
  definition: grpc.MethodDefinition<unknown, unknown>;
  handler: grpc.UntypedHandleCall;
}

/** Streaming methods by path (`/package.Service/Method`). */
export type StreamRoutes = ReadonlyMap<string, StreamRoute>;

/** Adds every streaming method of a service that has a handler to `routes` (unary ones go to the fast path). */
export function addStreamRoutes(routes: Map<string, StreamRoute>, definition: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation): void {
  for (const [name, method] of Object.entries(definition)) {
    if ((!method.requestStream && !method.responseStream) || handlers[name] === undefined) continue;
    routes.set(method.path, { definition: method as grpc.MethodDefinition<unknown, unknown>, handler: handlers[name] });
  }
}

/** The JSON messages of a body, back to back as Go's json.Decoder reads them; `error` stops at the first bad one. */
export function splitJsonMessages(text: string): { messages: unknown[]; error?: string } {
  const messages: unknown[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) return { messages };
    const start = i;
    const first = text[i];
    if (first !== '{' && first !== '[') {
      // A scalar runs to the next space or bracket; Go's decoder names the first character it cannot take.
      const end = text.slice(i).search(/[\s{[]/);
      const token = end < 0 ? text.slice(i) : text.slice(i, i + end);
      try {
        messages.push(JSON.parse(token));
        i += token.length;
        continue;
      } catch {
        return { messages, error: `invalid character '${first}' looking for beginning of value` };
      }
    }
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (i >= text.length) return { messages, error: 'unexpected EOF' };
    i++;
    try {
      messages.push(JSON.parse(text.slice(start, i)));
    } catch (err) {
      return { messages, error: (err as Error).message };
    }
  }
}

/** What the call produced, in order: a response, the end, or an error status. */
type CallEvent = { kind: 'message'; message: unknown } | { kind: 'end' } | { kind: 'error'; code: number; message: string };

/** A stand-in for grpc-js's call object, enough for barque's handlers: streaming ones, and unary ones (grpc-gateway.ts). */
export class GatewayCall extends EventEmitter {
  cancelled = false;
  destroyed = false;
  request: unknown = undefined;
  private done = false;
  /** What watch-service.ts writes through (src/common/http2/grpc-internals.ts reads it from grpc-js's call). */
  readonly call = {
    sendMessage: (message: unknown, callback?: () => void): void => {
      this.write(message);
      callback?.();
    },
  };

  constructor(
    readonly metadata: grpc.Metadata,
    private readonly path: string,
    /** Where a stream's answers go; a unary call answers through its callback instead. */
    private readonly emitEvent: (event: CallEvent) => void = () => undefined,
  ) {
    super();
    // grpc-js sends a status when a handler emits 'error' on its call.
    this.on('error', (err: Partial<grpc.ServiceError>) => {
      this.finish({ kind: 'error', code: err.code ?? grpc.status.UNKNOWN, message: err.details ?? err.message ?? 'unknown error' });
    });
  }

  write(message: unknown, callback?: () => void): boolean {
    if (!this.done) this.emitEvent({ kind: 'message', message });
    callback?.();
    return true;
  }

  end(): void {
    this.finish({ kind: 'end' });
  }

  /** The client went away (or the answer was cut off): what grpc-js reports as a cancelled call. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.destroyed = true;
    this.done = true;
    this.emit('cancelled');
    this.emit('close');
  }

  private finish(event: CallEvent): void {
    if (this.done) return;
    this.done = true;
    this.emitEvent(event);
  }

  sendMetadata(): void {}
  getPeer(): string {
    return 'gateway';
  }
  getPath(): string {
    return this.path;
  }
  getDeadline(): number {
    return Infinity;
  }
  getHost(): string {
    return '';
  }
  getAuthContext(): object {
    return {};
  }
}

export interface GatewayStreamOptions {
  route: StreamRoute;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  body: string;
  metadata: grpc.Metadata;
  /** Headers on every answer (etcd's CORS headers). */
  headers: Readonly<Record<string, string>>;
  /** The answer for a gRPC error status before any response was written. */
  errorAnswer: (code: number, message: string) => PlainHttpAnswer;
  /** grpc-gateway's HTTP status for a gRPC code. */
  httpStatus: (code: number) => number;
  /** The client's going away, which cancels the call even before its first answer (an observe may wait long). */
  onClientClose?: (listener: () => void) => void;
}

/** Starts the call; the answer comes once its first event does (so an error before any response sets the status). */
export function answerStream(o: GatewayStreamOptions): Promise<PlainHttpAnswer> {
  const { definition, handler } = o.route;
  const { messages, error } = splitJsonMessages(o.body);
  let requests: unknown[];
  try {
    if (!definition.requestStream) {
      // A server stream's one request; grpc-gateway reads it as an InvalidArgument when it does not decode.
      if (error !== undefined) return Promise.resolve(o.errorAnswer(grpc.status.INVALID_ARGUMENT, error));
      requests = [decode(o.requestType, definition, messages[0] ?? {})];
    } else {
      // A client stream: a first message that does not decode fails the call (Unknown); a later one ends the sends.
      if (error !== undefined && messages.length === 0) return Promise.resolve(o.errorAnswer(grpc.status.UNKNOWN, error));
      requests = messages.map((m) => decode(o.requestType, definition, m));
    }
  } catch (err) {
    return Promise.resolve(o.errorAnswer(definition.requestStream ? grpc.status.UNKNOWN : grpc.status.INVALID_ARGUMENT, (err as Error).message));
  }

  const resultLine = (message: unknown): string => {
    const object = o.responseType.toObject(o.responseType.decode(definition.responseSerialize(message)), { longs: String, enums: String, bytes: String });
    return `${JSON.stringify({ result: object })}\n`;
  };
  const errorLine = (code: number, message: string): string => {
    const httpCode = o.httpStatus(code);
    return `${JSON.stringify({ error: { grpc_code: code, http_code: httpCode, message, http_status: HTTP_STATUS_TEXT[httpCode] ?? '' } })}\n`;
  };

  return new Promise((resolve) => {
    const pending: string[] = [];
    let sink: PlainHttpSink | undefined;
    let ended = false;
    let answered = false;
    const call = new GatewayCall(o.metadata, definition.path, (event) => {
      if (!answered) {
        answered = true;
        if (event.kind === 'error') return resolve(o.errorAnswer(event.code, event.message));
        resolve({ status: 200, headers: { ...o.headers, 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' }, body: '', stream: start });
      }
      if (event.kind === 'message') pending.push(resultLine(event.message));
      else if (event.kind === 'error') pending.push(errorLine(event.code, event.message));
      if (event.kind !== 'message') ended = true;
      flush();
    });
    const flush = (): void => {
      if (sink === undefined) return;
      for (const chunk of pending.splice(0)) sink.write(chunk);
      if (ended) sink.end();
    };
    const start = (s: PlainHttpSink): void => {
      sink = s;
      s.onClose(() => call.cancel());
      flush();
    };
    o.onClientClose?.(() => call.cancel());
    if (definition.requestStream) {
      // Delivered once the handler listens (it may first wait, e.g. for an auth token to be applied), then the
      // half-close, as a gRPC client's sends and CloseSend would arrive.
      let delivered = false;
      call.on('newListener', (event: string) => {
        if (event !== 'data' || delivered) return;
        delivered = true;
        queueMicrotask(() => {
          for (const r of requests) if (!call.cancelled) call.emit('data', r);
          if (!call.cancelled) call.emit('end');
        });
      });
    } else {
      call.request = requests[0];
    }
    try {
      (handler as unknown as (call: GatewayCall) => void)(call);
    } catch (err) {
      call.emit('error', { code: grpc.status.UNKNOWN, details: (err as Error).message });
    }
  });
}

/** JSON -> the wire bytes it encodes to -> the handler's request, through the method's own deserializer. */
function decode(type: protobuf.Type, definition: grpc.MethodDefinition<unknown, unknown>, json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the body is not a JSON object');
  return definition.requestDeserialize(Buffer.from(type.encode(type.fromObject(json as Record<string, unknown>)).finish()));
}

/** Go's http.StatusText for the statuses grpc-gateway maps gRPC codes to. */
const HTTP_STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
