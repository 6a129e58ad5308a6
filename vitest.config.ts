import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes the temporary folders each test file made (test/helpers/brokers.ts tempDir).
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: broker-backed tests compete for CPU, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
