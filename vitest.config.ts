import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: broker-backed tests compete for CPU, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
