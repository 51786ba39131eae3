import { describe, expect, it } from 'vitest';
import { containerEnv, expandReferences, serviceEnv, volumeEnvName } from './container-env.ts';

describe('container environment', () => {
  it('has the Kubernetes service variables, docker-link style included, and skips headless services', () => {
    const env = serviceEnv([
      { name: 'redis-primary', clusterIP: '127.10.0.11', ports: [{ name: 'redis', port: 6379 }, { name: 'metrics', port: 9121, protocol: 'TCP' }] },
      { name: 'headless', clusterIP: 'None', ports: [{ port: 80 }] },
    ]);
    expect(Object.fromEntries(env)).toEqual({
      REDIS_PRIMARY_SERVICE_HOST: '127.10.0.11',
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
      REDIS_PRIMARY_SERVICE_PORT_METRICS: '9121',
      REDIS_PRIMARY_PORT: 'tcp://127.10.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP: 'tcp://127.10.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: '127.10.0.11',
      REDIS_PRIMARY_PORT_9121_TCP: 'tcp://127.10.0.11:9121',
      REDIS_PRIMARY_PORT_9121_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_9121_TCP_PORT: '9121',
      REDIS_PRIMARY_PORT_9121_TCP_ADDR: '127.10.0.11',
    });
  });

  it('layers service vars, downward values, POD_IP and HOSTNAME under the container env, expanding $(VAR)', () => {
    const sandbox = {
      podIP: '127.64.0.9',
      request: {
        pod: { uid: 'u', name: 'web-0', namespace: 'default' },
        spec: { containers: [] },
        extraEnv: [{ name: 'NODE_NAME', value: 'n1' }],
        services: [{ name: 'web', clusterIP: '127.10.0.2', ports: [{ port: 80 }] }],
      },
    };
    const env = containerEnv(sandbox, { name: 'c', image: 'busybox', env: [{ name: 'URL', value: 'http://$(POD_IP):8080/$(NODE_NAME)/$$(NOPE)/$(MISSING)' }, { name: 'WEB_SERVICE_HOST', value: 'mine' }] });
    expect(env.get('URL')).toBe('http://127.64.0.9:8080/n1/$(NOPE)/$(MISSING)');
    expect(env.get('WEB_SERVICE_HOST')).toBe('mine');
    expect(env.get('HOSTNAME')).toBe('web-0');
    expect(expandReferences('$(A)$(B)', new Map([['A', '1']]))).toBe('1$(B)');
    expect(volumeEnvName('cache-dir.v1')).toBe('BARQUE_VOLUME_CACHE_DIR_V1');
  });
});
