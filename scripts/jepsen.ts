// Entry for `npm run jepsen`: see src/verify/jepsen/cli.ts and docs/verification.md.
import { main } from '../src/verify/jepsen/index.ts';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`jepsen: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
