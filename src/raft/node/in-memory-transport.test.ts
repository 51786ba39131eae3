import { InMemoryHub } from './in-memory-transport.ts';
import { describeTransportCompliance, type TransportHarness } from './transport-compliance.ts';

describeTransportCompliance('InMemoryTransport', (): TransportHarness => {
  const hub = new InMemoryHub();
  const queueLimits = { framesMax: 32, bytesMax: 1024 * 1024 };
  return {
    queueFramesMax: queueLimits.framesMax,
    start: async (id) => hub.connect(id, { queueLimits }),
    address: (id) => `mem://${id}`,
    startSilent: async (id) => {
      hub.pause(id);
      return async () => hub.resume(id);
    },
    cleanup: async () => {},
  };
});
