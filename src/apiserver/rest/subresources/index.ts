// The door to subresources other than `status`: the handler for a resource's named subresource, if it has one.
import type { ResourceDef } from '../../resources/index.ts';
import { bindingHandler } from './binding.ts';
import { evictionHandler } from './eviction.ts';
import { scaleHandler } from './scale.ts';
import type { SubresourceHandler } from './subresource.ts';

export { toScale } from './scale.ts';
export type { SubresourceHandler, SubresourceReply, SubresourceRequest } from './subresource.ts';

const HANDLERS: Readonly<Record<string, SubresourceHandler>> = { scale: scaleHandler, binding: bindingHandler, eviction: evictionHandler };

export function subresourceHandler(def: ResourceDef, name: string): SubresourceHandler | undefined {
  if (!(def.subresources ?? []).some((s) => s.name === name)) return undefined;
  return HANDLERS[name];
}
