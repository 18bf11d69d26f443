import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,shared,daemon,viewer-plugin}/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // tfjs tests are CPU-bound; two cores, so keep forks to two and give slow model tests room.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
