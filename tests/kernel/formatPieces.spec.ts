import { describe, expect, it } from 'vitest';
import { ScenarioError } from '@vmlab/lab';
import { outcomes, problems, runScenario, runText, scenarioFrom } from '../helpers/scenario.ts';

/** The format pieces the ported tests need (docs/scenario-format.md): behaviour and bad input. */
function scenario(steps: string, machine = '{ arch: amd64, abi: freebsd }', files = ''): string {
  return `name: t\nmachine: ${machine}\n${files}steps:\n  - spawn: { pid: 1 }\n${steps}`;
}

function parseError(text: string): ScenarioError {
  try {
    scenarioFrom(text, 'bad.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('the scenario parsed');
}

describe('format pieces for ported kernel tests', () => {
  describe('when a load or store has a size and any alignment', () => {
    it('should store and load bytes little-endian, split across pages, faulting at the first byte that faults', async () => {
      const r = await runText(
        scenario(
          `${[
            '  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }',
            '  - write: { pid: 1, addr: 1, value: 1, size: 1 }',
            '  - write: { pid: 1, addr: a+1, value: 0xbeef, size: 2 }',
            '  - read: { pid: 1, addr: a, expect: { value: 0xbeef00 } }',
            '  - read: { pid: 1, addr: a+2, size: 1, expect: { value: 0xbe } }',
            '  - write: { pid: 1, addr: a+0xffe, value: 0x1122334455667788, size: 8 }',
            '  - read: { pid: 1, addr: a+0xffc, expect: { value: 0 } }',
            '  - read: { pid: 1, addr: a+0xffe, size: 2, expect: { value: 0 } }',
            '  - mmap: { pid: 1, addr: a+1 page, len: 1 page, prot: rw, flags: [private, anon, fixed] }',
            '  - write: { pid: 1, addr: a+0xffe, value: 0x1122334455667788, size: 8 }',
            '  - read: { pid: 1, addr: a+0xffe, size: 8, expect: { value: 0x1122334455667788 } }',
            '  - read: { pid: 1, addr: a+1 page, size: 4, expect: { value: 0x33445566 } }',
            '  - write: { pid: 1, addr: -1, value: 1, size: 1, expect: { signal: SIGSEGV, code: SEGV_MAPERR, addr: 0xffffffffffffffff } }',
            '  - read: { pid: 1, addr: 0x7fffffffffff, size: 2, expect: { signal: SIGSEGV, code: SEGV_MAPERR, addr: 0x7fffffffffff } }',
          ].join('\n')}\n`,
        ),
      );
      expect(problems(r)).toBe('');
      expect(outcomes(r)[2]).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: 1 });
      // The straddling store with its second page unmapped faulted at that page and stored nothing.
      expect(outcomes(r)[6]).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
      expect((outcomes(r)[6] as { addr: number }).addr % 4096).toBe(0);
    });
  });

  describe('when an address or a length is a 64-bit value', () => {
    it('should hand the exact value to the kernel, whose errno it is', async () => {
      const steps = [
        '  - mmap: { pid: 1, addr: -0x1000, len: 1 page, prot: rw, flags: [private, anon, fixed], expect: { errno: EINVAL }, expect_on: { lx: { errno: ENOMEM } } }',
        '  - mmap: { pid: 1, len: 0xffffffffffffffff, prot: rw, flags: [private, anon], expect: { errno: ENOMEM }, expect_on: { ob: { errno: EINVAL } } }',
        '  - mmap: { pid: 1, len: -0x100, prot: rw, flags: [private, anon], expect: { errno: ENOMEM }, expect_on: { ob: { errno: EINVAL } } }',
        '  - mmap: { pid: 1, len: 0x7fffffffffffefff, prot: rw, flags: [private, anon], expect: { errno: ENOMEM } }',
        '  - munmap: { pid: 1, addr: 0x10000000, len: -0x10000000, expect: { errno: EINVAL } }',
      ].join('\n');
      const text = `name: t\nmachines:\n  - { name: fb, arch: amd64, abi: freebsd }\n  - { name: lx, arch: amd64, abi: linux }\n  - { name: ob, arch: amd64, abi: openbsd }\nsteps:\n  - spawn: { pid: 1 }\n${steps}\n`;
      const reports = await runScenario(scenarioFrom(text));
      expect(reports.map((r) => r.machine)).toEqual(['fb', 'lx', 'ob']);
      for (const r of reports) expect(problems(r), r.machine).toBe('');
    });
  });

  describe('when the input is bad', () => {
    it('should name the file, line and column', () => {
      const cases: [string, RegExp][] = [
        ['  - read: { pid: 1, addr: 0x1000, size: 3 }\n', /access size/],
        ['  - write: { pid: 1, addr: 0x1000, value: 0x100, size: 1 }\n', /does not fit in 1 byte/],
        ['  - mmap: { pid: 1, len: 0x10000000000000000, prot: rw, flags: [anon] }\n', /64 bits/],
        ['  - read: { pid: 1, addr: 0x10000000000000000 }\n', /64 bits/],
        ['  - mmap: { pid: 1, len: 1 page, prot: 0x100000000, flags: [anon] }\n', /bad prot/],
        ['  - truncate: { file: /f }\n', /missing 'size'/],
        ['  - truncate: { file: /f, size: -1 }\n', /non-negative|bad size/],
        ['  - mseal: { pid: 1, addr: 0x1000, len: 1 page, flags: x }\n', /number/],
        ['  - mlockall: { pid: 1, flags: [everything] }\n', /unknown flag 'everything'/],
        ['  - mremap: { pid: 1, addr: 0x1000, old_len: 1 page }\n', /missing 'new_len'/],
        ['  - madvise: { pid: 1, addr: 0x1000, len: 1 page, advice: populate }\n', /populate_read/],
      ];
      for (const [step, msg] of cases) {
        const e = parseError(scenario(step));
        expect(e.message, step).toMatch(msg);
        expect(e.message, step).toMatch(/^bad\.yaml:5:\d+: /);
      }
    });
  });

  describe('when a Linux mapping asks for MAP_POPULATE or MAP_LOCKED', () => {
    it('should fault the pages in at mmap (and lock them), where a plain mapping faults nothing', async () => {
      const r = await runText(
        scenario(
          `${[
            '  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon, populate], as: a }',
            '  - check: { rss: { pid: 1 }, expect: { rss: 4 } }',
            '  - check: { pte: { pid: 1, addr: a+3 pages }, expect: { pte: { present: true, writable: true } } }',
            '  - mmap: { pid: 1, len: 2 pages, prot: r, flags: [private, anon, locked], as: b }',
            '  - check: { entry: { pid: 1, addr: b }, expect: { entry: { wired: true } } }',
            '  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: c }',
            '  - check: { rss: { pid: 1 }, expect: { rss: 6 } }',
            '  - mlockall: { pid: 1, flags: [future] }',
            '  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: d }',
            '  - check: { rss: { pid: 1 }, expect: { rss: 8 } }',
          ].join('\n')}\n`,
          '{ arch: amd64, abi: linux }',
        ),
      );
      expect(problems(r)).toBe('');
    });
  });

  describe('when truncate names a file the machine does not have', () => {
    it('should answer ENOENT', async () => {
      const r = await runText(scenario('  - truncate: { file: /nope, size: 0, expect: { errno: ENOENT } }\n'));
      expect(problems(r)).toBe('');
    });
  });
});
