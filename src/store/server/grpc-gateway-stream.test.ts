import { describe, expect, it } from 'vitest';
import { splitJsonMessages } from './grpc-gateway-stream.ts';

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
