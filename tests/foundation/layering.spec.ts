import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';
import { imports, sources } from '../helpers/sources.ts';

const PACKAGES = ['core', 'pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins', 'cli'];
const FORBIDDEN: Record<string, string[]> = {
  core: ['pmap-amd64', 'pmap-arm64', 'pager-swap', 'plugins', 'cli'],
  'pmap-amd64': ['pmap-arm64', 'pager-swap', 'plugins', 'cli'],
  'pmap-arm64': ['pmap-amd64', 'pager-swap', 'plugins', 'cli'],
  'pager-swap': ['pmap-amd64', 'pmap-arm64', 'plugins', 'cli'],
  plugins: ['cli'],
  cli: [],
};

describe('package layering', () => {
  for (const pkg of PACKAGES) {
    describe(`when reading packages/${pkg}/src`, () => {
      it('should import only the packages its layer allows, and none through another package\'s src/', () => {
        const bad: string[] = [];
        for (const f of sources(join(ROOT, 'packages', pkg, 'src'))) {
          for (const spec of imports(f)) {
            const m = /^@vmlab\/([a-z0-9-]+)/.exec(spec);
            if (m !== null && FORBIDDEN[pkg]!.includes(m[1]!)) bad.push(`${relative(ROOT, f)} imports ${spec}`);
            if (m !== null && spec.length > m[0].length) bad.push(`${relative(ROOT, f)} imports a subpath ${spec}`);
            if (spec.startsWith('.') && /\.\.\/\.\.\/(?:\.\.\/)*(core|pmap-amd64|pmap-arm64|pager-swap|plugins|cli)\/src/.test(spec)) {
              bad.push(`${relative(ROOT, f)} reaches into another package: ${spec}`);
            }
          }
        }
        expect(bad).toEqual([]);
      });
    });
  }

  describe('when the check itself is given a forbidden import', () => {
    it('should see it', () => {
      const re = /^@vmlab\/([a-z0-9-]+)/.exec('@vmlab/pmap-arm64');
      expect(FORBIDDEN['pmap-amd64']!.includes(re![1]!)).toBe(true);
    });
  });
});
