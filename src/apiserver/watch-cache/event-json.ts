// One JSON encoding per watch event object, however many watchers it goes to. The watch cache hands every
// watcher the same object for an event (registry.watch adds the type metadata once per object, not per watcher),
// and nothing changes an object once it is in the cache, so its bytes can be shared: a pod change reached the
// controllers, the scheduler, its node and the bench's watch, each of which encoded it again.
const encoded = new WeakMap<object, Buffer>();

/** The object's JSON bytes, encoded on the first call for this object. */
export function eventJson(object: object): Buffer {
  let bytes = encoded.get(object);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(object), 'utf8');
    encoded.set(object, bytes);
  }
  return bytes;
}
