// GET pods/NAME/log: kube-apiserver's log subresource, proxied to the kubelet of the pod's node
// (/containerLogs/NS/POD/CONTAINER) and streamed back as it comes (chunked, so `kubectl logs -f` follows). The
// container defaults to the pod's only one; errors carry kube-apiserver's wording.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { kubeletGet, readAll } from '../../metrics-api/kubelet-endpoint.ts';
import type { ResourceRegistry } from '../registry.ts';
import { ApiError, internalError, methodNotAllowed, type StatusReason } from '../status.ts';
import { containerOf, kubeletOf, type PodForKubelet } from './pod-kubelet.ts';

const PASSED_PARAMS = ['follow', 'previous', 'tailLines', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes'];
const CONNECT_TIMEOUT_MS = 10_000;

export async function servePodLog(
  pods: ResourceRegistry,
  nodes: ResourceRegistry,
  namespace: string,
  name: string,
  method: string,
  q: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (method !== 'GET') throw methodNotAllowed();
  const pod = (await pods.get(namespace, name)) as PodForKubelet;
  const container = containerOf(pod, name, q.get('container') ?? '');
  const endpoint = await kubeletOf(nodes, pod, name);
  const params = new URLSearchParams();
  for (const p of PASSED_PARAMS) if (q.has(p)) params.set(p, q.get(p)!);
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params}`;
  let upstream: IncomingMessage;
  try {
    upstream = await kubeletGet(endpoint, path, CONNECT_TIMEOUT_MS);
  } catch (err) {
    throw internalError(err);
  }
  if (upstream.statusCode !== 200) {
    const text = await readAll(upstream);
    let status: { message?: string; reason?: string } = {};
    try {
      status = JSON.parse(text) as typeof status;
    } catch {
      status = { message: text };
    }
    throw new ApiError(upstream.statusCode ?? 500, (status.reason ?? 'InternalError') as StatusReason, status.message ?? text);
  }
  upstream.setTimeout(0);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  req.once('close', () => upstream.destroy());
  upstream.pipe(res);
  await new Promise<void>((resolve) => {
    upstream.once('end', resolve);
    upstream.once('close', resolve);
  });
}
