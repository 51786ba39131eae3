// A container's environment, as the kubelet builds it: the Kubernetes service variables of the pod's namespace
// (`<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT[_<NAME>]` and the docker-link `<SVC>_PORT…` family), then the
// caller's downward-API values, POD_IP and HOSTNAME, then the container's own env (which wins), with `$(VAR)`
// references expanded against what came before, as Kubernetes does.
import type { Sandbox } from './container-driver.ts';
import type { ContainerSpec, ServiceEnvSource } from './types.ts';

export function serviceEnv(services: readonly ServiceEnvSource[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const svc of services) {
    if (svc.clusterIP === '' || svc.clusterIP === 'None' || svc.ports.length === 0) continue;
    const prefix = svc.name.toUpperCase().replace(/-/g, '_');
    const ip = svc.clusterIP;
    const first = svc.ports[0];
    env.set(`${prefix}_SERVICE_HOST`, ip);
    env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    env.set(`${prefix}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`);
    for (const p of svc.ports) {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      if (p.name !== undefined && p.name !== '') env.set(`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port));
      const link = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env.set(link, `${proto}://${ip}:${p.port}`);
      env.set(`${link}_PROTO`, proto);
      env.set(`${link}_PORT`, String(p.port));
      env.set(`${link}_ADDR`, ip);
    }
  }
  return env;
}

/** `$(NAME)` → its value when defined earlier; `$$(NAME)` escapes to a literal `$(NAME)`; unknown stays as is. */
export function expandReferences(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return env.get(name) ?? whole;
  });
}

export function containerEnv(sandbox: Sandbox, container: ContainerSpec, extra: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const req = sandbox.request;
  const env = serviceEnv(req.services ?? []);
  for (const e of req.extraEnv ?? []) env.set(e.name, e.value ?? '');
  env.set('POD_IP', sandbox.podIP);
  env.set('HOSTNAME', req.spec.hostname ?? req.pod.name);
  for (const [k, v] of extra) env.set(k, v);
  for (const e of container.env ?? []) env.set(e.name, expandReferences(e.value ?? '', env));
  return env;
}

/** The volume path variable: `BARQUE_VOLUME_<NAME>` with the name upper-cased and non-alphanumerics as `_`. */
export function volumeEnvName(volume: string): string {
  return `BARQUE_VOLUME_${volume.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
