import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrpcFrameError, GrpcFrameParser, grpcFrame } from './grpc-frame.ts';

describe('grpc framing', () => {
  it('prefixes a zero compressed flag and the big-endian length', () => {
    const frame = grpcFrame(Buffer.from('hello'));
    expect([...frame.subarray(0, 5)]).toEqual([0, 0, 0, 0, 5]);
    expect(frame.subarray(5).toString()).toBe('hello');
    expect([...grpcFrame(Buffer.alloc(0))]).toEqual([0, 0, 0, 0, 0]);
  });

  it('splits a stream cut anywhere back into the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => grpcFrame(m)));
          const got: Buffer[] = [];
          const parser = new GrpcFrameParser((m) => got.push(Buffer.from(m)));
          let offset = 0;
          for (let i = 0; offset < stream.length; i++) {
            const end = Math.min(stream.length, offset + cuts[i % cuts.length]);
            parser.push(stream.subarray(offset, end));
            offset = end;
          }
          expect(got.map((b) => [...b])).toEqual(messages.map((m) => [...m]));
          expect(parser.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('refuses compressed messages', () => {
    const frame = grpcFrame(Buffer.from('x'));
    frame[0] = 1;
    expect(() => new GrpcFrameParser(() => {}).push(frame)).toThrow(GrpcFrameError);
  });
});
