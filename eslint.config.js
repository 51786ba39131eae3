// Lint: typescript-eslint's recommended rules everywhere, plus the determinism rule for the pure cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The Raft core, the simulator and the MVCC core must be deterministic: time, randomness and timers are
// injected. Only the real node driver (src/raft/node) may touch the wall clock.
const ambientNondeterminism = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Inject a Clock: no ambient time in the deterministic core.' },
    { name: 'performance', message: 'Inject a Clock: no ambient time in the deterministic core.' },
    { name: 'setTimeout', message: 'Inject a Clock: no real timers in the deterministic core.' },
    { name: 'setInterval', message: 'Inject a Clock: no real timers in the deterministic core.' },
    { name: 'setImmediate', message: 'Inject a Clock: no real timers in the deterministic core.' },
    { name: 'crypto', message: 'Inject a seeded Rng: no ambient randomness in the deterministic core.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Inject a seeded Rng: no ambient randomness in the deterministic core.' },
    { object: 'process', property: 'hrtime', message: 'Inject a Clock: no ambient time in the deterministic core.' },
    { object: 'globalThis', property: 'setTimeout', message: 'Inject a Clock.' },
    { object: 'globalThis', property: 'Date', message: 'Inject a Clock.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'node:timers', message: 'Inject a Clock.' },
        { name: 'node:timers/promises', message: 'Inject a Clock.' },
        { name: 'timers', message: 'Inject a Clock.' },
        { name: 'node:perf_hooks', message: 'Inject a Clock.' },
        { name: 'node:crypto', message: 'Inject a seeded Rng.' },
        { name: 'crypto', message: 'Inject a seeded Rng.' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'build/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/raft/**/*.ts', 'src/store/mvcc/**/*.ts', 'src/store/lease/**/*.ts', 'src/store/watch/**/*.ts', 'src/verify/**/*.ts'],
    // src/verify/jepsen is the I/O harness that drives real clusters (processes, sockets, wall time), not the checker.
    ignores: ['src/raft/node/**', 'src/raft/storage/durable/**', 'src/verify/jepsen/**', '**/*.test.ts'],
    rules: ambientNondeterminism,
  },
);
