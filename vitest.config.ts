import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Multi-process tests share two cores with everything else: bounds are generous on purpose.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
