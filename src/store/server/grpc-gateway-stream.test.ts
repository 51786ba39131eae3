import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { PlainHttpSink } from '../../common/http2/index.ts';
import { answerStream, splitJsonMessages } from './grpc-gateway-stream.ts';

describe('splitJsonMessages', () => {
  it('reads messages back to back, with or without space between, braces inside strings included', () => {
    expect(splitJsonMessages('{"a":1}{"b":"}{\\"x"} \n {"c":[1,{"d":2}]}')).toEqual({ messages: [{ a: 1 }, { b: '}{"x' }, { c: [1, { d: 2 }] }] });
  });

  it('takes an empty body as no message', () => {
    expect(splitJsonMessages('  \n')).toEqual({ messages: [] });
  });

  it("stops at a truncated or invalid message with Go's decoder text, keeping the ones before", () => {
    expect(splitJsonMessages('{"a":1}{"create_request": {"key":"Zm9v"')).toEqual({ messages: [{ a: 1 }], error: 'unexpected EOF' });
    expect(splitJsonMessages('{"a":1}xx')).toEqual({ messages: [{ a: 1 }], error: "invalid character 'x' looking for beginning of value" });
  });
});

describe('answerStream', () => {
  const root = protobuf.Root.fromJSON({
    nested: {
      Req: { fields: { n: { type: 'int64', id: 1 } } },
      Res: { fields: { n: { type: 'int64', id: 1 }, text: { type: 'string', id: 2 } } },
    },
  });
  const Req = root.lookupType('Req');
  const Res = root.lookupType('Res');
  const definition = (requestStream: boolean): grpc.MethodDefinition<unknown, unknown> => ({
    path: '/test.Svc/Call',
    requestStream,
    responseStream: true,
    requestSerialize: (m) => Buffer.from(Req.encode(Req.fromObject(m as object)).finish()),
    requestDeserialize: (b) => Req.toObject(Req.decode(b), { longs: String }),
    responseSerialize: (m) => Buffer.from(Res.encode(Res.fromObject(m as object)).finish()),
    responseDeserialize: (b) => Res.decode(b),
  });
  const sinkInto = (out: { chunks: string[]; ended: boolean; close?: () => void }): PlainHttpSink => ({
    write: (c) => void out.chunks.push(c),
    end: () => void (out.ended = true),
    onClose: (l) => void (out.close = l),
  });
  const base = {
    requestType: Req,
    responseType: Res,
    metadata: new grpc.Metadata(),
    headers: {},
    errorAnswer: (code: number, message: string) => ({ status: code === grpc.status.UNKNOWN ? 500 : 400, headers: {}, body: JSON.stringify({ error: message, message, code }) }),
    httpStatus: () => 404,
  };

  it("sends each message once the handler listens, then half-closes; answers are {result} lines", async () => {
    const handler = (call: grpc.ServerDuplexStream<{ n: string }, unknown>): void => {
      // Listens a turn late, as the watch service does while it waits for a token.
      setImmediate(() => {
        call.on('data', (r) => call.write({ n: r.n, text: `got ${r.n}` }));
        call.on('end', () => call.end());
      });
    };
    const answer = await answerStream({ ...base, route: { definition: definition(true), handler: handler as grpc.UntypedHandleCall }, body: '{"n":"1"} {"n":"2"}' });
    expect(answer.status).toBe(200);
    expect(answer.headers['grpc-metadata-content-type']).toBe('application/grpc');
    const out = { chunks: [] as string[], ended: false };
    answer.stream!(sinkInto(out));
    expect(out.chunks).toEqual(['{"result":{"n":"1","text":"got 1"}}\n', '{"result":{"n":"2","text":"got 2"}}\n']);
    expect(out.ended).toBe(true);
  });

  it('answers an error status before any message with its HTTP status, and after one as an error line', async () => {
    const failing = (call: grpc.ServerDuplexStream<unknown, unknown>): void => {
      call.emit('error', { code: grpc.status.NOT_FOUND, details: 'no such thing' });
    };
    const early = await answerStream({ ...base, route: { definition: definition(true), handler: failing as grpc.UntypedHandleCall }, body: '' });
    expect(early.body).toBe('{"error":"no such thing","message":"no such thing","code":5}');
    const late = (call: grpc.ServerWritableStream<{ n: string }, unknown>): void => {
      call.write({ n: call.request.n });
      setImmediate(() => call.emit('error', { code: grpc.status.NOT_FOUND, details: 'gone' }));
    };
    const answer = await answerStream({ ...base, route: { definition: definition(false), handler: late as grpc.UntypedHandleCall }, body: '{"n":"7"}' });
    const out = { chunks: [] as string[], ended: false };
    answer.stream!(sinkInto(out));
    await new Promise((r) => setImmediate(r));
    expect(out.chunks).toEqual(['{"result":{"n":"7"}}\n', '{"error":{"grpc_code":5,"http_code":404,"message":"gone","http_status":"Not Found"}}\n']);
    expect(out.ended).toBe(true);
  });

  it('cancels the call when the client goes away, even before its first answer', async () => {
    let cancelled = false;
    const waiting = (call: grpc.ServerWritableStream<unknown, unknown>): void => void call.on('cancelled', () => (cancelled = true));
    let clientGone: (() => void) | undefined;
    void answerStream({ ...base, route: { definition: definition(false), handler: waiting as grpc.UntypedHandleCall }, body: '{}', onClientClose: (l) => (clientGone = l) });
    expect(cancelled).toBe(false);
    clientGone!();
    expect(cancelled).toBe(true);
  });

  it('fails a first message that does not decode: a client stream with Unknown, a server stream with InvalidArgument', async () => {
    const never = (): void => {
      throw new Error('not called');
    };
    const bidi = await answerStream({ ...base, route: { definition: definition(true), handler: never }, body: '{"n":' });
    expect(JSON.parse(bidi.body)).toEqual({ error: 'unexpected EOF', message: 'unexpected EOF', code: grpc.status.UNKNOWN });
    const server = await answerStream({ ...base, route: { definition: definition(false), handler: never }, body: 'x' });
    expect(JSON.parse(server.body)).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });
});
