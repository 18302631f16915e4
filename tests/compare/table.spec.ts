import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { colorEnabled, compareScenario, defaultCatalog, formatCompare, scenarioMachines } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { exampleScenario, ROOT } from '../helpers/scenario.ts';

const ESC = '\x1b[';

async function pkruSwapout() {
  const catalog = defaultCatalog();
  const s = exampleScenario('pkru-swapout.yaml');
  return compareScenario(s, scenarioMachines(s, catalog, undefined), catalog, { check: true });
}

describe('the compare table', () => {
  describe('when the terminal is 80 columns wide', () => {
    it('should fit every line, cut same-outcome cells with …, and show the differing read in full (pkey: 5)', async () => {
      const text = formatCompare(await pkruSwapout(), { width: 80 });
      const table = text.split('\n').slice(
        1,
        text.split('\n').findIndex((l) => l.startsWith('  (≠')),
      );
      for (const l of table) expect(l.length, l).toBeLessThanOrEqual(80);
      expect(table.some((l) => l.includes('…'))).toBe(true);
      expect(table.join('\n')).toMatch(/pkey: 5/);
      expect(table.join('\n')).toMatch(/SEGV_ACCERR/);
    });
  });

  describe('when colour is on', () => {
    it('should colour ≠ (red) and nothing when it is off', async () => {
      const c = await pkruSwapout();
      expect(formatCompare(c, { color: true })).toContain(`${ESC}31m≠${ESC}0m`);
      expect(formatCompare(c, { color: false })).not.toContain(ESC);
    });
  });

  describe('when the environment says NO_COLOR or FORCE_COLOR', () => {
    it('should follow NO_COLOR over FORCE_COLOR over the terminal', () => {
      expect(colorEnabled({ isTTY: true }, {})).toBe(true);
      expect(colorEnabled({ isTTY: false }, {})).toBe(false);
      expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
      expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
      expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
      expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    });

    it("should colour the command's output under FORCE_COLOR and not under NO_COLOR", () => {
      const run = (env: Record<string, string>) => {
        const e: Record<string, string | undefined> = { ...process.env, ...env };
        if (env.NO_COLOR === undefined) delete e.NO_COLOR;
        return spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/vmlab.js'), 'compare', 'examples/pkru-swapout.yaml'], {
          cwd: ROOT,
          encoding: 'utf8',
          env: e,
        }).stdout;
      };
      expect(run({ FORCE_COLOR: '1' })).toContain(`${ESC}31m≠`);
      expect(run({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
    });
  });
});
