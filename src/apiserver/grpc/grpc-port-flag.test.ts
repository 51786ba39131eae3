import { describe, expect, it } from 'vitest';
import { grpcPortOf, parseApiserverFlags } from '../../cli/apiserver-command.ts';

describe('--grpc-port', () => {
  it('defaults to the REST port + 1, or a free port when it is 0; an explicit value wins', () => {
    expect(grpcPortOf(parseApiserverFlags(['--etcd-servers=x:1', '--port=8080']))).toBe(8081);
    expect(grpcPortOf(parseApiserverFlags(['--etcd-servers=x:1', '--cert-dir=/d']))).toBe(6444);
    expect(grpcPortOf(parseApiserverFlags(['--etcd-servers=x:1', '--port=9000']))).toBe(9001);
    expect(grpcPortOf(parseApiserverFlags(['--etcd-servers=x:1', '--port=0']))).toBe(0);
    expect(grpcPortOf(parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--grpc-port', '7000']))).toBe(7000);
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--grpc-port=70000'])).toThrow('invalid port "70000"');
  });
});
