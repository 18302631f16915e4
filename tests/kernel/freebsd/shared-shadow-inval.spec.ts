import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { problems, runScenario, scenarioFrom } from '../../helpers/scenario.ts';

/**
 * FreeBSD tests/sys/vm/shared_shadow_inval_test.c (CVE-2021-29626), ported as the
 * scenarios of this folder (gen-shared-shadow-inval.mjs writes them): with the default
 * `fault.cow_shared_shadow: invalidate` every case holds as on a fixed kernel; with the
 * legacy `no_invalidate` each fails as the kernel did before the fix.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const FILES = readdirSync(HERE)
  .filter((f) => f.startsWith('shared_shadow_inval-') && f.endsWith('.yaml'))
  .sort();
const LEGACY = 'machine: { arch: amd64, policies: { fault.cow_shared_shadow: no_invalidate } }';

async function run(file: string, legacy: boolean) {
  let text = readFileSync(join(HERE, file), 'utf8');
  if (legacy) text = text.replace(/^machine: amd64$/m, LEGACY);
  const [r] = await runScenario(scenarioFrom(text, file));
  const lines = text.split('\n');
  /** The source line of each failed step (to see whose access it was). */
  const failedLines = r!.failures.map((f) => lines[f.pos.line - 1]!);
  const expected = r!.steps.filter((s) => s.held !== null);
  return { r: r!, failedLines, held: expected.filter((s) => s.held === true).length, total: expected.length };
}

describe('shared_shadow_inval_test (FreeBSD-SA-21:08.vm)', () => {
  it('should port both test cases with every flag combination', () => {
    expect(FILES.length).toBe(16);
  });

  for (const file of FILES) {
    const lazy = file.includes('-lazy-');
    const collapse = file.includes('collapse');
    describe(`when ${file} runs`, () => {
      it('should let P2 read P3 data in the first modlen pages and P1 data after, with no invariant broken', async () => {
        const { r, held, total } = await run(file, false);
        expect(problems(r)).toBe('');
        expect(held).toBe(total);
        expect(total).toBeGreaterThan(30);
      });

      it('should fail with fault.cow_shared_shadow: no_invalidate as the kernel did before the fix', async () => {
        const { r, failedLines } = await run(file, true);
        const stale = r.violations.filter((v) => v.invariant === 'pte_target');
        // P2 is pid 12, 22, 32, 42 or 52 (one decade per size).
        const p2Reads = failedLines.filter((l) => /read: \{ pid: [1-5]2,/.test(l));
        if (lazy) {
          // P2 keeps its translation to P1's page after P3's copy: the invariant sees it.
          expect(stale.length).toBeGreaterThan(0);
        } else {
          // vm_fault_copy_entry gave P3 a private object: nothing stale, P3's writes are lost to P2.
          expect(stale).toEqual([]);
        }
        if (lazy && collapse) {
          // vmlab's collapse removes the mappings of the shadowed page it frees (FreeBSD
          // asserts there are none), so P2's read after the collapse finds the copy.
          expect(p2Reads).toEqual([]);
        } else {
          expect(p2Reads.length).toBeGreaterThan(0);
          // Only P2's verification fails: P1 (and P4) still read P1's data.
          expect(failedLines).toEqual(p2Reads);
        }
      });
    });
  }
});
