import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';
import { imports, sources } from '../helpers/sources.ts';

/**
 * The @vmlab packages each package may import (ARCHITECTURE.md "Packages"): core is the
 * kernel model and imports none; the MD packages and the pager know core only; plugins add
 * the MD packages (a plugin MD by nature); lab, the harness, sits over all of them; the
 * command line knows lab only.
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  'pmap-amd64': ['core'],
  'pmap-arm64': ['core'],
  'pager-swap': ['core'],
  plugins: ['core', 'pmap-amd64', 'pmap-arm64', 'pager-swap'],
  lab: ['core', 'pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins'],
  cli: ['lab'],
};
const PACKAGES = Object.keys(ALLOWED);

/** The problems with one import of a file of packages/<pkg>/src. */
function badImport(pkg: string, file: string, spec: string): string | undefined {
  const m = /^@vmlab\/([a-z0-9-]+)/.exec(spec);
  if (m !== null && !ALLOWED[pkg]!.includes(m[1]!)) return `${file} imports ${spec}`;
  // The one subpath the packages export besides their entry: their manifest (its version).
  if (m !== null && spec.length > m[0].length && spec !== `${m[0]}/package.json`) return `${file} imports a subpath ${spec}`;
  if (spec.startsWith('.') && /\.\.\/\.\.\/(?:\.\.\/)*(core|pmap-amd64|pmap-arm64|pager-swap|plugins|lab|cli)\/src/.test(spec)) {
    return `${file} reaches into another package: ${spec}`;
  }
  return undefined;
}

describe('package layering', () => {
  for (const pkg of PACKAGES) {
    describe(`when reading packages/${pkg}/src`, () => {
      it("should import only the packages its layer allows, and none through another package's src/", () => {
        const bad: string[] = [];
        for (const f of sources(join(ROOT, 'packages', pkg, 'src'))) {
          for (const spec of imports(f)) {
            const b = badImport(pkg, relative(ROOT, f), spec);
            if (b !== undefined) bad.push(b);
          }
        }
        expect(bad).toEqual([]);
      });
    });
  }

  for (const pkg of PACKAGES) {
    describe(`when reading packages/${pkg}/package.json`, () => {
      it('should declare every @vmlab package its sources import (a dependency, or a peer the host provides)', () => {
        const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
          dependencies?: Record<string, string>;
          peerDependencies?: Record<string, string>;
        };
        const deps = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
        const used = new Set<string>();
        for (const f of sources(join(ROOT, 'packages', pkg, 'src'))) {
          if (f.endsWith('.spec.ts')) continue;
          for (const spec of imports(f)) {
            const m = /^@vmlab\/[a-z0-9-]+/.exec(spec);
            if (m !== null) used.add(m[0]);
          }
        }
        expect([...used].filter((u) => !deps.includes(u))).toEqual([]);
      });
    });
  }

  describe("when reading core's public entry", () => {
    it('should list its exports (no export *) and export nothing of the harness', () => {
      const index = readFileSync(join(ROOT, 'packages/core/src/index.ts'), 'utf8');
      expect(index).not.toMatch(/export\s+(type\s+)?\*/);
      const harness = imports(join(ROOT, 'packages/core/src/index.ts')).filter((s) => /\/(scenario|replay|explore|conformance|fuzz|compare)\//.test(s));
      expect(harness).toEqual([]);
    });
  });

  describe('when the check itself is given a forbidden import', () => {
    it('should see it', () => {
      expect(badImport('pmap-amd64', 'x.ts', '@vmlab/pmap-arm64')).toBeDefined();
      expect(badImport('core', 'x.ts', '@vmlab/lab')).toBeDefined();
      expect(badImport('cli', 'x.ts', '@vmlab/core')).toBeDefined();
      expect(badImport('lab', 'x.ts', '@vmlab/cli')).toBeDefined();
      expect(badImport('lab', 'x.ts', '../../core/src/index.ts')).toBeDefined();
      expect(badImport('lab', 'x.ts', '@vmlab/core')).toBeUndefined();
    });
  });
});
