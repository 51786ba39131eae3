// Volumes without mount namespaces. Each pod has <root>/pods/<uid>/volumes/<name>/: an emptyDir is an empty
// directory there, shared by the pod's containers; configMap and secret volumes are the caller's data written as
// files (every key, or the `items` mapping); a persistentVolumeClaim volume is a symlink there to the directory of the
// claim's PersistentVolume, which therefore outlives the pod (removing the pod's folder removes the link only). A mountPath cannot be honoured literally, so a container finds a volume
// through `BARQUE_VOLUME_<NAME>` (its absolute path) and through a symlink at the mountPath taken relative to the
// container's working directory (mountPath /data → ./data). subPath mounts link to that path inside the volume.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sandbox } from '../container-driver.ts';
import { volumeEnvName } from '../container-env.ts';
import type { ContainerSpec, KeyToPath, PersistentVolumeDir, Volume } from '../types.ts';

export function podDir(root: string, uid: string): string {
  return path.join(root, 'pods', uid);
}

export function volumeDir(root: string, uid: string, volume: string): string {
  return path.join(podDir(root, uid), 'volumes', volume);
}

export function containerDir(root: string, uid: string, container: string): string {
  return path.join(podDir(root, uid), container);
}

export async function createVolumes(root: string, sandbox: Sandbox): Promise<void> {
  const req = sandbox.request;
  for (const volume of req.spec.volumes ?? []) {
    const dir = volumeDir(root, req.pod.uid, volume.name);
    if (volume.persistentVolumeClaim !== undefined) {
      await linkPersistentVolume(dir, volume.persistentVolumeClaim.claimName, req.persistentVolumes ?? {});
      continue;
    }
    await fs.mkdir(dir, { recursive: true });
    const data = volumeData(volume, req.configMaps ?? {}, req.secrets ?? {});
    if (data === undefined) continue;
    for (const { key, path: rel } of data.items) {
      const value = data.values[key];
      if (value === undefined) throw new Error(`volume ${volume.name}: key "${key}" not found`);
      const file = path.join(dir, rel);
      if (!file.startsWith(dir + path.sep)) throw new Error(`volume ${volume.name}: path "${rel}" leaves the volume`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, value, { mode: volume.secret !== undefined ? 0o600 : 0o644 });
    }
  }
}

/** The pod's volume directory as a link to the claim's volume directory (made first for DirectoryOrCreate). */
async function linkPersistentVolume(dir: string, claimName: string, volumes: Record<string, PersistentVolumeDir>): Promise<void> {
  const target = volumes[claimName];
  if (target === undefined) throw new Error(`persistentvolumeclaim "${claimName}": no volume directory was resolved for it`);
  if (target.type === 'DirectoryOrCreate') await fs.mkdir(target.path, { recursive: true, mode: 0o777 });
  const stat = await fs.stat(target.path).catch(() => undefined);
  if (stat === undefined || !stat.isDirectory()) throw new Error(`hostPath type check failed: ${target.path} is not a directory`);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.rm(dir, { force: true, recursive: false }).catch(() => undefined);
  await fs.symlink(target.path, dir);
}

function volumeData(volume: Volume, configMaps: Record<string, Record<string, string>>, secrets: Record<string, Record<string, string>>) {
  const source = volume.configMap !== undefined ? configMaps[volume.configMap.name] : volume.secret !== undefined ? secrets[volume.secret.secretName] : undefined;
  const declared = volume.configMap ?? volume.secret;
  if (declared === undefined) return undefined;
  const kind = volume.configMap !== undefined ? `configmap "${volume.configMap.name}"` : `secret "${volume.secret?.secretName}"`;
  if (source === undefined) throw new Error(`${kind} not found`);
  const items: KeyToPath[] = declared.items ?? Object.keys(source).map((key) => ({ key, path: key }));
  return { values: source, items };
}

/**
 * The container's working directory and volume variables. Without workingDir it is <pod>/<container>/work, holding
 * the mount symlinks; a workingDir is a host path used as it is (it must exist), and gets no symlinks: the kubelet
 * does not write into host directories.
 */
export async function prepareContainerFs(root: string, sandbox: Sandbox, container: ContainerSpec): Promise<{ cwd: string; env: Map<string, string> }> {
  const uid = sandbox.request.pod.uid;
  const env = new Map<string, string>();
  for (const volume of sandbox.request.spec.volumes ?? []) env.set(volumeEnvName(volume.name), volumeDir(root, uid, volume.name));
  if (container.workingDir !== undefined) return { cwd: container.workingDir, env };
  const cwd = path.join(containerDir(root, uid, container.name), 'work');
  await fs.mkdir(cwd, { recursive: true });
  for (const mount of container.volumeMounts ?? []) {
    const declared = (sandbox.request.spec.volumes ?? []).some((v) => v.name === mount.name);
    if (!declared) throw new Error(`volume mount "${mount.name}" refers to no volume of the pod`);
    const target = path.join(volumeDir(root, uid, mount.name), mount.subPath ?? '');
    const link = path.join(cwd, mount.mountPath.replace(/^\/+/, ''));
    if (link === cwd || !link.startsWith(cwd + path.sep)) continue;
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.rm(link, { force: true, recursive: false }).catch(() => undefined);
    await fs.symlink(target, link);
  }
  return { cwd, env };
}
