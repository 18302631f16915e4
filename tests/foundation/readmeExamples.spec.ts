import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

// Inside the repository (git-ignored) so the examples resolve the @vmlab packages as a user's code would.
mkdirSync(join(ROOT, '.vmlab-tmp'), { recursive: true });
const TMP = mkdtempSync(join(ROOT, '.vmlab-tmp', 'readme-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The first ```ts block of a README. */
function firstTsBlock(readme: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, readme), 'utf8'));
  if (m === null) throw new Error(`${readme} has no ts example`);
  return m[1]!;
}

/** Runs a module from the repository root, as `pnpm vmlab` runs the sources. */
function runModule(name: string, text: string): { code: number; out: string; err: string } {
  const file = join(TMP, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, ['--conditions=vmlab-source', '--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('the README examples', () => {
  describe("when core's example runs", () => {
    it("should read the forked child a copy of the parent's word (0x41)", () => {
      const text = firstTsBlock('packages/core/README.md');
      expect(text).not.toMatch(/@vmlab\/(cli|lab)/);
      const r = runModule('core-example.ts', `${text}\nconsole.log(JSON.stringify(k.read(child, child.thread(0)!, addr!)));\n`);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out.trim().split('\n').at(-1)!)).toEqual({ value: 0x41 });
    });
  });

  describe("when lab's example runs", () => {
    it('should print both runs with every expectation held and no violation', () => {
      const r = runModule('lab-example.ts', firstTsBlock('packages/lab/README.md'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('fork inheritance and COW on amd64');
      expect(r.out).toContain('fork inheritance and COW on arm64');
      expect(r.out.match(/5\/5 expectations held, 0 invariant violations/g)).toHaveLength(2);
    });
  });
});
