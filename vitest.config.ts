import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['vmlab-source'] } },
  resolve: { conditions: ['vmlab-source'] },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'tests/**/*.spec.ts', 'examples/**/*.spec.ts'],
    testTimeout: 60000,
    pool: 'threads',
    reporters: ['default', './tests/helpers/summaryReporter.ts'],
  },
});
