import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';
import { imports, sources } from '../helpers/sources.ts';

/** What a plugin's non-test source may import: core's entry, or an MD package's entry for an MD plugin. */
const ALLOWED: Record<string, RegExp> = {
  'pmap-riscv64': /^@vmlab\/core$/,
  'pkru-on-entries': /^@vmlab\/(core|pmap-amd64)$/,
};

/** The problems with one plugin folder's imports. */
function audit(folder: string, allowed: RegExp): string[] {
  const bad: string[] = [];
  for (const f of sources(folder)) {
    const test = f.endsWith('.spec.ts');
    for (const spec of imports(f)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(folder)) bad.push(`${relative(ROOT, f)} imports outside its folder: ${spec}`);
        continue;
      }
      if (spec.startsWith('node:') || (test && (spec === 'vitest' || spec === '@vmlab/lab'))) continue;
      if (!allowed.test(spec)) bad.push(`${relative(ROOT, f)} imports ${spec}`);
    }
  }
  return bad;
}

describe('plugins under examples/plugins', () => {
  for (const [name, allowed] of Object.entries(ALLOWED)) {
    describe(`when reading ${name}`, () => {
      it("should use only the public entry points (no other package's src/, no inversify of its own)", () => {
        expect(audit(join(ROOT, 'examples/plugins', name), allowed)).toEqual([]);
      });
    });
  }

  describe('when a plugin reaches into a package', () => {
    it('should be seen by the audit', () => {
      const folder = join(ROOT, 'tests/plugins/fixtures');
      expect(audit(folder, /^@vmlab\/core$/)).toEqual([]);
      expect(audit(join(ROOT, 'packages/plugins/src'), /^@vmlab\/core$/).some((p) => p.includes('inversify'))).toBe(true);
    });
  });
});
