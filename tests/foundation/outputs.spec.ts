import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

// The vmlab command as a user runs it: the bin, in a folder of the user's.
const BIN = join(ROOT, 'packages/cli/bin/vmlab.js');
const TMP = mkdtempSync(join(tmpdir(), 'vmlab-outputs-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function vmlab(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("the vmlab command in a folder of the user's", () => {
  describe('when given a relative scenario path', () => {
    it('should read it from the folder it was run in', () => {
      const r = vmlab(join(ROOT, 'examples'), 'run', 'demo.yaml');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    });
  });

  describe('when fuzz finds a violation twice with no --out', () => {
    it('should write two files in the current folder, neither overwriting the other, and print each path', () => {
      const dir = mkdtempSync(join(TMP, 'fuzz-'));
      const paths = [1, 2].map(() => {
        const r = vmlab(dir, 'fuzz', '--policy', 'madvise.free_on_shadow=apply', '--seed', '2', '--ops', '3000');
        expect(r.code).toBe(1);
        const m = /written to (\S+)/.exec(r.out);
        expect(m, r.out).not.toBeNull();
        return m![1]!;
      });
      expect(paths).toEqual([join(dir, 'fuzz-amd64-seed2.yaml'), join(dir, 'fuzz-amd64-seed2-2.yaml')]);
      expect(readdirSync(dir).sort()).toEqual(['fuzz-amd64-seed2-2.yaml', 'fuzz-amd64-seed2.yaml']);
      expect(existsSync(join(ROOT, 'fuzz-violation.yaml'))).toBe(false);
    }, 120_000);
  });

  describe('when explore finds a violation twice with no --log', () => {
    it('should write two logs in the current folder and print each path', () => {
      const dir = mkdtempSync(join(TMP, 'explore-'));
      const scenario = join(ROOT, 'examples/races/d15293-swap-split/legacy.yaml');
      const paths = [1, 2].map(() => {
        const r = vmlab(dir, 'explore', scenario);
        expect(r.code).toBe(0); // the file expects this violation
        const m = /replayable log: (\S+)/.exec(r.out);
        expect(m, r.out).not.toBeNull();
        return m![1]!;
      });
      expect(paths).toEqual([
        join(dir, 'explore-d15293-swap-split-legacy-amd64-swap-2018.jsonl'),
        join(dir, 'explore-d15293-swap-split-legacy-amd64-swap-2018-2.jsonl'),
      ]);
      expect(readdirSync(dir).length).toBe(2);
    }, 120_000);
  });
});
