import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newPluginCommand } from '@vmlab/cli';
import { defaultCatalog, pluginMachine, runConformance } from '@vmlab/lab';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/scenario.ts';

// Inside the repository (git-ignored) so the generated files resolve @vmlab/core as a user's would.
mkdirSync(join(ROOT, '.vmlab-tmp'), { recursive: true });
const TMP = mkdtempSync(join(ROOT, '.vmlab-tmp', 'new-plugin-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function vmlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=vmlab-source', '--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('vmlab new-plugin', () => {
  describe('when a plugin is generated from the template', () => {
    it('should pass the conformance suite loaded by path', async () => {
      newPluginCommand('sparc64', { dir: TMP }, () => {});
      const results = await runConformance(pluginMachine(join(TMP, 'sparc64', 'index.ts')), defaultCatalog());
      expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems.join('; ')}`)).toEqual([]);
    });
  });

  describe('when the generated pmap is broken (protect does nothing)', () => {
    it('should fail the conformance suite', async () => {
      newPluginCommand('broken', { dir: TMP }, () => {});
      const file = join(TMP, 'broken', 'BrokenPmap.ts');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('export class BrokenPmap extends SoftPmap {');
      writeFileSync(
        file,
        text.replace('export class BrokenPmap extends SoftPmap {', 'export class BrokenPmap extends SoftPmap {\n  override protect(): void {}'),
      );
      const results = await runConformance(pluginMachine(join(TMP, 'broken', 'index.ts')), defaultCatalog());
      const failed = results.filter((r) => !r.ok).map((r) => r.name);
      expect(failed).toContain('cow-write-protect');
      expect(failed).toContain('pmap-basics');
    });
  });

  describe('when run from the command line', () => {
    it('should write the folder, whose machine file runs a scenario (exit 0)', () => {
      const g = vmlab('new-plugin', 'mips64', '--dir', TMP);
      expect(g.code).toBe(0);
      expect(g.out).toContain(join(TMP, 'mips64', 'index.ts'));
      const r = vmlab('run', 'examples/fork-inherit.yaml', '--machine', join(TMP, 'mips64', 'machine.yaml'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    });

    it('should exit 2 for a bad name or a folder that is not empty', () => {
      expect(vmlab('new-plugin', 'Bad Name', '--dir', TMP).code).toBe(2);
      const r = vmlab('new-plugin', 'mips64', '--dir', TMP);
      expect(r.code).toBe(2);
      expect(r.err).toContain('exists and is not empty');
    });
  });
});
