import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports or re-exports. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  const out: string[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

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
