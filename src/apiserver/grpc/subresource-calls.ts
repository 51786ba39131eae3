// Subresources other than status (scale, binding, eviction) over gRPC: the REST router's handlers, called with the
// same parsed request, so both front ends answer alike.
import { parseJsonBody } from '../rest/http-util.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { pathNotFound } from '../rest/status.ts';
import { subresourceHandler } from '../rest/subresources/index.ts';

export interface SubresourceCall {
  namespace: string;
  name: string;
  subresource: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  body?: Buffer;
  patchType?: string;
  dryRun?: boolean;
}

/** The handler's reply body; 404 for a subresource the resource does not serve. */
export async function callSubresource(registry: ResourceRegistry, call: SubresourceCall): Promise<unknown> {
  const handler = call.name === '' ? undefined : subresourceHandler(registry.def, call.subresource);
  if (handler === undefined) throw pathNotFound();
  const reply = await handler({
    registry,
    namespace: call.namespace,
    name: call.name,
    method: call.method,
    body: async () => (call.body === undefined ? undefined : parseJsonBody(call.body)),
    patchType: call.patchType ?? '',
    dryRun: call.dryRun ?? false,
  });
  return reply.body;
}
