// Tests that disturb everything else using the same PostgreSQL (they restart it), so they run alone, after
// the main suite: `npm test` ends with `vitest run --config vitest.disruptive.config.ts`. Their files end in
// `.disruptive.ts`, which the main configuration's `*.test.ts` never picks up.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/disruptive/**/*.disruptive.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    // A PostgreSQL restart on a loaded two-core machine is not fully deterministic; one retry keeps a rare
    // timing fluke from failing the gate, while a real regression fails both attempts.
    retry: 1,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
