import { CONFORMANCE, defaultCatalog, runConformance } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

describe('the pmap conformance suite', () => {
  for (const arch of ['amd64', 'arm64']) {
    describe(`when run on the built-in ${arch} pmap`, () => {
      it('should pass every case', async () => {
        const catalog = defaultCatalog();
        const results = await runConformance(catalog.presets.get(arch)!, catalog);
        expect(results.map((r) => r.name)).toEqual(CONFORMANCE.map((c) => c.name));
        expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems.join('; ')}`)).toEqual([]);
      });
    });
  }
});
