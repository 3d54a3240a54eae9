import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores here; integration tests spawn brokers and agents of their own.
    maxWorkers: 2,
    // A temp dir of its own per run, checked empty at the end (tests clean up after themselves).
    globalSetup: ['./test-support/tmpdir-guard.ts'],
  },
});
