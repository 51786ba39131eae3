// pods/exec, pods/attach and pods/portforward: kube-apiserver's connect subresources. The client's HTTP upgrade
// (SPDY/3.1 from kubectl, or a WebSocket first from newer kubectl) is passed on to the kubelet of the pod's node
// with the call translated to the kubelet's path; the kubelet's 101 goes back verbatim and the two connections
// are spliced byte for byte. A refusal (no such protocol, a WebSocket the kubelet does not speak) goes back as the
// kubelet wrote it, which is how newer kubectl learns to fall back to SPDY.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readAll } from '../../metrics-api/kubelet-endpoint.ts';
import type { ResourceRegistry } from '../registry.ts';
import { badRequest, internalError, methodNotAllowed } from '../status.ts';
import { containerOf, kubeletOf, type PodForKubelet } from './pod-kubelet.ts';
import { upgradeOf } from './upgrade-request.ts';

export const STREAMING_SUBRESOURCES = ['exec', 'attach', 'portforward'];
const CONNECT_TIMEOUT_MS = 10_000;
/** Request headers the kubelet needs to answer the upgrade itself. */
const PASSED_HEADERS = ['upgrade', 'connection', 'x-stream-protocol-version', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions'];

export async function serveStreamingCall(
  pods: ResourceRegistry,
  nodes: ResourceRegistry,
  namespace: string,
  name: string,
  subresource: string,
  method: string,
  q: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
  const upgrade = upgradeOf(req);
  if (upgrade === undefined) throw badRequest('Upgrade request required');
  const pod = (await pods.get(namespace, name)) as PodForKubelet;
  const phase = pod.status?.phase ?? '';
  let path: string;
  if (subresource === 'portforward') {
    // A WebSocket client names its ports in the call (ports=8080); the kubelet reads them as `port`.
    const ports = q.getAll('ports').flatMap((p) => p.split(',')).filter((p) => p !== '');
    path = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${ports.length > 0 ? `?port=${ports.join(',')}` : ''}`;
  } else {
    const container = containerOf(pod, name, q.get('container') ?? '');
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot ${subresource} into a container in a completed pod; current phase is ${phase}`);
    const params = new URLSearchParams();
    for (const c of q.getAll('command')) params.append('command', c);
    // The kubelet's names for the standard streams.
    for (const [ours, theirs] of [['stdin', 'input'], ['stdout', 'output'], ['stderr', 'error'], ['tty', 'tty']]) {
      if (q.get(ours) === 'true' || q.get(ours) === '1') params.set(theirs, '1');
    }
    path = `/${subresource}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params}`;
  }
  const endpoint = await kubeletOf(nodes, pod, name);
  const headers: Record<string, string[]> = {};
  for (const h of PASSED_HEADERS) {
    const values = req.headersDistinct[h];
    if (values !== undefined) headers[h] = values;
  }
  const kubelet = http.request({ host: endpoint.host, port: endpoint.port, path, method, headers, timeout: CONNECT_TIMEOUT_MS });
  kubelet.end();
  await new Promise<void>((resolve, reject) => {
    kubelet.once('error', (err) => reject(internalError(new Error(`error dialing backend: ${err.message}`))));
    kubelet.once('timeout', () => kubelet.destroy(new Error('timeout awaiting response headers')));
    kubelet.once('upgrade', (answer: IncomingMessage, backend: Socket, backendHead: Buffer) => {
      splice(upgrade.socket, upgrade.head, answer, backend, backendHead, res);
      resolve();
    });
    kubelet.once('response', (answer: IncomingMessage) => {
      void readAll(answer).then((body) => {
        const type = answer.headers['content-type'];
        res.writeHead(answer.statusCode ?? 502, { ...(type === undefined ? {} : { 'Content-Type': type }), 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        resolve();
      }, reject);
    });
  });
}

function splice(client: Duplex, clientHead: Buffer, answer: IncomingMessage, backend: Socket, backendHead: Buffer, res: ServerResponse): void {
  res.detachSocket(res.socket!);
  backend.setTimeout(0);
  const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  client.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (backendHead.length > 0) client.write(backendHead);
  if (clientHead.length > 0) backend.write(clientHead);
  client.on('error', () => backend.destroy());
  backend.on('error', () => client.destroy());
  client.on('close', () => backend.destroy());
  backend.on('close', () => client.destroy());
  client.pipe(backend);
  backend.pipe(client);
}
