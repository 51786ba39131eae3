// There are no images on a process node: the image name only picks the program, by convention.
//   barque/sim[:tag]                         node sim-container.mjs <args>   (the step language, sim-steps.ts)
//   node[:tag]                               node <args>; with no args, node reads nothing and exits
//   busybox*, alpine*, bash*, debian*, ubuntu*   /bin/sh; args replace the shell, as the images' CMD ["sh"]
//   python*                                  python3 <args>
// An explicit `command` always wins (with `args` after it), as it overrides an image's ENTRYPOINT and CMD.
import path from 'node:path';
import { isSimImage } from '../sim-steps.ts';
import type { ContainerSpec } from '../types.ts';
import { REPO_ROOT } from '../../../../common/repo-root.ts';

const SIM_SCRIPT = path.join(REPO_ROOT, 'src', 'agents', 'kubelet', 'runtime', 'sim-container.mjs');

interface ImageDefaults {
  entrypoint: string[];
  cmd: string[];
}

function imageDefaults(image: string): ImageDefaults | undefined {
  const name = image.replace(/^docker\.io\//, '').replace(/^library\//, '');
  if (isSimImage(name)) return { entrypoint: [process.execPath, SIM_SCRIPT], cmd: [] };
  if (name === 'node' || name.startsWith('node:')) return { entrypoint: [process.execPath], cmd: [] };
  if (/^(busybox|alpine|bash|debian|ubuntu)([:@].*)?$/.test(name)) return { entrypoint: [], cmd: ['/bin/sh'] };
  if (/^python([:@].*)?$/.test(name)) return { entrypoint: ['python3'], cmd: [] };
  return undefined;
}

export class NoCommandError extends Error {
  constructor(image: string) {
    super(`no command for image "${image}": give the container a command (image conventions: docs/agents-runtime.md)`);
    this.name = 'NoCommandError';
  }
}

/** The argv to run, following Docker's rules for command (ENTRYPOINT) and args (CMD). */
export function containerArgv(container: ContainerSpec): string[] {
  const defaults = imageDefaults(container.image);
  if (container.command !== undefined && container.command.length > 0) return [...container.command, ...(container.args ?? [])];
  if (defaults === undefined) throw new NoCommandError(container.image);
  const argv = [...defaults.entrypoint, ...(container.args ?? defaults.cmd)];
  if (argv.length === 0) throw new NoCommandError(container.image);
  // The node image's entrypoint script: a first argument that is not a program is a script for node.
  if (defaults.entrypoint.length === 1 && defaults.entrypoint[0] === process.execPath && argv[1] === 'node') argv.splice(1, 1);
  return argv;
}
