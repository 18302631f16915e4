import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, problems, runScenario, scenarioFrom } from '../helpers/scenario.ts';

/**
 * The kernels' own regression tests, ported case by case (tests/kernel/<os>/*.yaml): each
 * file's first comment names the source file and test, and each must hold on the ABI of
 * the kernel it comes from (docs/abi/ lists what is not modelled).
 */
const KERNEL = resolve(ROOT, 'tests/kernel');
const SOURCES: Record<string, RegExp> = {
  freebsd: /^# (freebsd(-src)? tests\/sys\/vm\/\S+\.c|ltp testcases\/kernel\/syscalls\/\S+\.c)[:,] \S+/i,
  linux: /^# (linux tools\/testing\/selftests\/mm\/\S+\.c|ltp testcases\/kernel\/(syscalls|security)\/\S+\.c)[:,] \S+/i,
  openbsd: /^# (openbsd src regress\/sys\/\S+\.c|ltp testcases\/kernel\/syscalls\/\S+\.c)[:,] \S+/i,
};

describe('tests/kernel (ported kernel regression tests)', () => {
  for (const os of Object.keys(SOURCES)) {
    const dir = join(KERNEL, os);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();

    describe(`when the ${os} cases run`, () => {
      it('should hold at least one ported case', () => {
        expect(files.length).toBeGreaterThan(0);
      });

      for (const f of files) {
        it(`should hold every expectation of ${f} on abi ${os}, citing its source`, async () => {
          const text = readFileSync(join(dir, f), 'utf8');
          expect(text.split('\n')[0], `${f}: first line cites the ported test`).toMatch(SOURCES[os]!);
          const s = scenarioFrom(text, join(dir, f));
          const reports = await runScenario(s);
          for (const r of reports) {
            expect(r.machine).toBeDefined();
            expect(problems(r), `${os}/${f}`).toBe('');
            expect(r.steps.filter((x) => x.held === true).length, `${f} asserts something`).toBeGreaterThan(0);
          }
          // The kernel's ABI: named in the machine, or FreeBSD's by default.
          if (os !== 'freebsd' || /abi:/.test(text)) expect(text).toMatch(new RegExp(`abi: ${os}`));
        });
      }
    });
  }
});
