import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import { NodeClients } from './node-clients.ts';

const apiservers = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];

describe('NodeClients', () => {
  it('starts node i of an agent with per-node credentials at the i-th apiserver, as behind a load balancer', () => {
    const names = ['h-0', 'h-1', 'h-2', 'h-3'];
    const clients = new NodeClients({ apiservers, names, logger: silentLogger(), nodeCredentials: new Map(names.map((n) => [n, { token: `t-${n}` }])) });
    try {
      expect(clients.perNode.map((c) => c.currentEndpoint)).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:1']);
      for (const c of clients.perNode) expect([...c.endpoints].sort()).toEqual(apiservers);
    } finally {
      clients.close();
    }
  });

  it('shares one client, in the given order, without per-node credentials', () => {
    const clients = new NodeClients({ apiservers, names: ['a', 'b'], logger: silentLogger() });
    try {
      expect(clients.perNode[0]).toBe(clients.perNode[1]);
      expect(clients.perNode[0].endpoints).toEqual(apiservers);
    } finally {
      clients.close();
    }
  });
});
