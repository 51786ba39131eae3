// The portable container language the compliance suite speaks, so one suite runs on both runtimes: a container
// with image `barque/sim` takes its args as steps, which the process runtime runs for real (sim-container.mjs, a
// node script) and the hollow runtime plays on its clock. Steps run in order:
//   print TEXT        a line on stdout          stderr TEXT     a line on stderr
//   print-env NAME    "NAME=value" on stdout    sleep SECONDS   (or "sleep forever")
//   serve-http PORT   an HTTP server on POD_IP:PORT answering 200 with the pod's HOSTNAME; runs in the background
//   exit CODE         ends the container with CODE
//   ignore-sigterm    from now on SIGTERM does nothing (to see SIGKILL after the grace period); otherwise
//                     SIGTERM ends the container with 143
// After the last step the container exits 0, unless it serves HTTP: then it runs until stopped.
// Exec commands in the suite are `sh -c` scripts of `echo`, `exit N`, `true` and `false` joined by `;`, which the
// hollow runtime interprets (see hollow/hollow-exec.ts) and the process runtime hands to /bin/sh.

export const SIM_IMAGE = 'barque/sim';

export type SimStep =
  | { kind: 'print'; text: string; stream: 'stdout' | 'stderr' }
  | { kind: 'print-env'; name: string }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'serve-http'; port: number }
  | { kind: 'exit'; code: number }
  | { kind: 'ignore-sigterm' };

export function isSimImage(image: string): boolean {
  return image === SIM_IMAGE || image.startsWith(`${SIM_IMAGE}:`);
}

export function parseSimStep(text: string): SimStep {
  const m = /^(\S+)\s*(.*)$/.exec(text.trim());
  const [verb, rest] = [m?.[1] ?? '', m?.[2] ?? ''];
  switch (verb) {
    case 'print':
      return { kind: 'print', text: rest, stream: 'stdout' };
    case 'stderr':
      return { kind: 'print', text: rest, stream: 'stderr' };
    case 'print-env':
      return { kind: 'print-env', name: rest };
    case 'sleep':
      return { kind: 'sleep', seconds: rest === 'forever' ? Infinity : Number(rest) };
    case 'serve-http':
      return { kind: 'serve-http', port: Number(rest) };
    case 'exit':
      return { kind: 'exit', code: Number(rest) };
    case 'ignore-sigterm':
      return { kind: 'ignore-sigterm' };
    default:
      throw new Error(`unknown sim step "${text}"`);
  }
}
