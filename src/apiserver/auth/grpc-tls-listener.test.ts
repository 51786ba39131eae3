// The TLS gRPC front end reports each call's verified client certificate (asked for, not required), the same on
// every call of a connection, and none to a client that presented none, on the unary fast path as through grpc-js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createCa, issueClientCert, issueServingCert, LOCAL_HOSTS, type KeyPair } from '../../common/pki/index.ts';
import type { GrpcListener } from '../../common/http2/index.ts';
import { UnaryChannel } from '../../common/http2/unary-channel.ts';
import { listenGrpcTls } from './grpc-tls-listener.ts';

const id = (b: Buffer): Buffer => b;
const WHO: grpc.MethodDefinition<Buffer, Buffer> = { path: '/t.T/Who', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id };

const SLOW: grpc.MethodDefinition<Buffer, Buffer> = { ...WHO, path: '/t.T/Slow' };
const paths: string[] = [];
const who = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): void => {
  paths.push(`${call.getPath()} ${call.constructor.name === 'FastUnaryCall' ? 'fast' : 'grpc-js'}`);
  const cert = call.getAuthContext().sslPeerCertificate;
  cb(null, Buffer.from(cert === undefined ? '-' : `${cert.subject.CN}/${cert.subject.O ?? ''}`));
};

let ca: KeyPair;
let server: grpc.Server;
let listener: GrpcListener;

beforeAll(async () => {
  ca = createCa('test-ca');
  const serving = issueServingCert(ca, { commonName: 'apiserver', hosts: LOCAL_HOSTS });
  server = new grpc.Server();
  server.addService({ Who: WHO, Slow: SLOW }, { Who: who, Slow: who });
  // Who goes through the unary fast path; Slow (the same handler) through grpc-js: both must see the certificate.
  const routes = new Map([[WHO.path, { definition: WHO as grpc.MethodDefinition<unknown, unknown>, handler: who as grpc.handleUnaryCall<unknown, unknown> }]]);
  listener = await listenGrpcTls(server, '127.0.0.1', 0, { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem }, { routes, limits: { maxReceiveBytes: -1, maxSendBytes: -1 } });
}, 60_000);

afterAll(async () => {
  server.forceShutdown();
  await listener.close();
});

async function ask(client: grpc.Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => client.makeUnaryRequest(path, id, id, Buffer.alloc(0), (err, res) => (err ? reject(err) : resolve(String(res)))));
}

/** Both paths' answers, which must agree. */
async function whoAmI(client: grpc.Client): Promise<string> {
  const [fast, slow] = [await ask(client, WHO.path), await ask(client, SLOW.path)];
  expect(slow).toBe(fast);
  return fast;
}

describe('gRPC TLS listener', () => {
  it("reports the client certificate's subject on every call of a connection", async () => {
    const user = issueClientCert(ca, { user: 'alice', groups: ['devs'] });
    const client = new grpc.Client(`127.0.0.1:${listener.port}`, grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(user.keyPem), Buffer.from(user.certPem)));
    try {
      paths.length = 0;
      expect(await whoAmI(client)).toBe('alice/devs');
      expect(await whoAmI(client)).toBe('alice/devs');
      expect(paths).toEqual(['/t.T/Who fast', '/t.T/Slow grpc-js', '/t.T/Who fast', '/t.T/Slow grpc-js']);
    } finally {
      client.close();
    }
  });

  it('reports no certificate for a client without one, and each connection its own', async () => {
    const anonymous = new grpc.Client(`127.0.0.1:${listener.port}`, grpc.credentials.createSsl(Buffer.from(ca.certPem)));
    const bob = issueClientCert(ca, { user: 'bob' });
    const named = new grpc.Client(`127.0.0.1:${listener.port}`, grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(bob.keyPem), Buffer.from(bob.certPem)), { 'grpc.use_local_subchannel_pool': 1 });
    try {
      expect(await whoAmI(anonymous)).toBe('-');
      expect(await whoAmI(named)).toBe('bob/');
      expect(await whoAmI(anonymous)).toBe('-');
    } finally {
      anonymous.close();
      named.close();
    }
  });

  it('serves the agents\' unary channel with its client certificate, and refuses a server the CA did not sign', async () => {
    const carol = issueClientCert(ca, { user: 'carol', groups: ['ops'] });
    const channel = new UnaryChannel({ address: `127.0.0.1:${listener.port}`, tls: { caPem: ca.certPem, certPem: carol.certPem, keyPem: carol.keyPem } });
    const stranger = new UnaryChannel({ address: `127.0.0.1:${listener.port}`, tls: { caPem: createCa('another-ca').certPem } });
    try {
      const deadline = Date.now() + 10_000;
      expect(String(await channel.call(WHO, Buffer.alloc(0), { deadline }))).toBe('carol/ops');
      expect(String(await channel.call(SLOW, Buffer.alloc(0), { deadline }))).toBe('carol/ops');
      await expect(stranger.call(WHO, Buffer.alloc(0), { deadline })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      channel.close();
      stranger.close();
    }
  });
});
