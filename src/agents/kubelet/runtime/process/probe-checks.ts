// The network probes against a pod's address: httpGet succeeds on a status from 200 to 399, tcpSocket on an
// established connection, both within the probe's timeout (as the kubelet's prober).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { ContainerSpec, HttpGetAction } from '../types.ts';

export function resolvePort(port: number | string, container: ContainerSpec): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function httpProbe(host: string, port: number, action: HttpGetAction, timeoutMs: number): Promise<boolean> {
  const client = action.scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    const req = client.get({ host, port, path: action.path ?? '/', timeout: timeoutMs, rejectUnauthorized: false, headers: { 'user-agent': 'kube-probe/1.20' } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
