// A subresource other than `status` (scale, binding, eviction) as the router sees it: parsed request in, status code
// and body out. No HTTP here, so the gRPC front end could call the same handlers.
import type { ResourceRegistry } from '../registry.ts';

export interface SubresourceRequest {
  registry: ResourceRegistry;
  namespace: string;
  name: string;
  method: string;
  /** The request body parsed as JSON (undefined when empty). */
  body(): Promise<unknown>;
  /** The media type of a PATCH body. */
  patchType: string;
  dryRun: boolean;
}

export interface SubresourceReply {
  code: number;
  body: unknown;
}

export type SubresourceHandler = (req: SubresourceRequest) => Promise<SubresourceReply>;

/** What binding and eviction answer: kube-apiserver's create handler fills the code of a bare Success Status. */
export function createdStatus(): SubresourceReply {
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
}
