import { afterAll } from 'vitest';
import { removeTempDirs } from './brokers.js';

// Every test file leaves /tmp as it found it: the folders its tests made go when the file is done
// (not after each test: some share a folder between a beforeAll and several tests).
afterAll(() => {
  removeTempDirs();
});
