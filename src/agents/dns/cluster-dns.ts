// The cluster DNS server (the CoreDNS role): UDP and TCP on one address and port, answering for the cluster
// domain from the service catalog (dns-records.ts) and, for every other name, asking an upstream server when one
// is configured (REFUSED otherwise). Packets are encoded and decoded by dns-packet.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Packet, type Question } from 'dns-packet';
import type { Logger } from '../../common/logger.ts';
import { ServiceCatalog, type Endpoints, type Service, type ServiceConsumer } from '../proxy/index.ts';
import { inDomain, lookup, soa, type RecordOptions } from './dns-records.ts';

export interface ClusterDnsOptions {
  host: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
  logger: Logger;
  /** Default cluster.local. */
  domain?: string;
  /** Default 5 s, as CoreDNS's kubernetes plugin. */
  ttlSeconds?: number;
  /** Where names outside the cluster domain go, e.g. { host: '127.0.0.53', port: 53 }. */
  upstream?: { host: string; port: number };
  upstreamTimeoutMs?: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
/** Answers larger than this over UDP are truncated (the client retries over TCP). */
const UDP_PAYLOAD_MAX = 512;

export class ClusterDns implements ServiceConsumer {
  private readonly catalog = new ServiceCatalog();
  private readonly records: RecordOptions;
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly tcpConnections = new Set<net.Socket>();

  constructor(private readonly options: ClusterDnsOptions) {
    this.records = { domain: (options.domain ?? 'cluster.local').toLowerCase(), ttlSeconds: options.ttlSeconds ?? 5 };
  }

  setServices(services: readonly Service[], endpoints: readonly Endpoints[]): void {
    this.catalog.replace(services, endpoints);
  }

  /** Binds UDP and TCP; returns the port. */
  async start(): Promise<number> {
    const tcp = net.createServer((socket) => this.serveTcp(socket));
    await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(this.options.port, this.options.host, () => resolve()));
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      void this.answer(msg, true).then((reply) => reply !== undefined && udp.send(reply, rinfo.port, rinfo.address));
    });
    await new Promise<void>((resolve, reject) => udp.once('error', reject).bind(port, this.options.host, () => resolve()));
    this.tcp = tcp;
    this.udp = udp;
    return port;
  }

  async close(): Promise<void> {
    for (const s of this.tcpConnections) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp === null ? resolve() : this.udp.close(() => resolve()))),
      new Promise<void>((resolve) => (this.tcp === null ? resolve() : this.tcp.close(() => resolve()))),
    ]);
    this.udp = null;
    this.tcp = null;
  }

  private serveTcp(socket: net.Socket): void {
    this.tcpConnections.add(socket);
    socket.once('close', () => this.tcpConnections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        void this.answer(message, false).then((reply) => {
          if (reply === undefined || socket.destroyed) return;
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        });
      }
    });
  }

  /** The encoded reply to one query, or undefined for something that is not a query (dropped, as servers do). */
  private async answer(message: Buffer, overUdp: boolean): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const question = query.questions?.[0];
    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const reply = (rcode: number, extra: Partial<Packet> = {}, aa = true): Buffer =>
      this.truncate(dnsPacket.encode({ type: 'response', id: query.id, flags: (aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rd | rcode, questions: query.questions, ...extra }), overUdp, query, rcode);
    if (question === undefined || (query.questions?.length ?? 0) !== 1) return reply(RCODE.REFUSED, {}, false);
    const name = question.name.toLowerCase().replace(/\.$/, '');
    if (!inDomain(name, this.records.domain)) return this.forward(message, question, reply);
    const result = lookup(this.catalog, name, question.type, this.records);
    const negative = result.answers.length === 0 ? { authorities: [soa(this.records)] } : {};
    return reply(RCODE[result.rcode], { answers: result.answers, additionals: result.additionals, ...negative });
  }

  private truncate(encoded: Buffer, overUdp: boolean, query: Packet, rcode: number): Buffer {
    if (!overUdp || encoded.length <= UDP_PAYLOAD_MAX) return encoded;
    return dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.TRUNCATED_RESPONSE | rcode, questions: query.questions });
  }

  private forward(message: Buffer, question: Question, reply: (rcode: number, extra?: Partial<Packet>, aa?: boolean) => Buffer): Promise<Buffer> {
    const upstream = this.options.upstream;
    if (upstream === undefined) return Promise.resolve(reply(RCODE.REFUSED, {}, false));
    return new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      const done = (answer: Buffer): void => {
        clearTimeout(timer);
        socket.close();
        resolve(answer);
      };
      const timer = setTimeout(() => {
        this.options.logger.debug({ name: question.name }, 'upstream DNS timed out');
        done(reply(RCODE.SERVFAIL, {}, false));
      }, this.options.upstreamTimeoutMs ?? 2000);
      socket.on('message', (answer) => done(answer));
      socket.on('error', () => done(reply(RCODE.SERVFAIL, {}, false)));
      socket.send(message, upstream.port, upstream.host);
    });
  }
}
