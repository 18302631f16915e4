import { describe, expect, it } from 'vitest';
import { exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

const EXAMPLES = ['bti-guard.yaml', 'bti-lifecycle.yaml', 'bti-abis.yaml', 'bti-linux.yaml', 'bti-freebsd-prot.yaml'];

describe('BTI examples (SEMANTICS.md §2)', () => {
  for (const f of EXAMPLES) {
    it(`${f} holds every expectation and invariant on every machine`, async () => {
      const reports = await runScenario(exampleScenario(f));
      for (const r of reports) {
        expect(problems(r), `${f} on ${r.machine}`).toBe('');
        expect(r.steps.some((s) => s.held === true)).toBe(true);
      }
    });
  }
});

describe('BTI rules', () => {
  it('T2.6: an indirect call to a non-pad in a guarded page is SIGILL/ILL_ILLOPC at the address', async () => {
    const r = await runText(`
name: t
machine: arm64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rwx, flags: [private, anon], as: t }
  - write: { pid: 1, addr: t+8, value: 0x12345678 }
  - sysarch: { pid: 1, op: guard_page, addr: t, len: 1 page }
  - fetch: { pid: 1, addr: t+8, branch: call }
  - fetch: { pid: 1, addr: t+8, branch: direct }
`);
    expect(outcomes(r).slice(4)).toEqual([{ signal: 'SIGILL', code: 'ILL_ILLOPC', addr: 0x10000008 }, { value: 0x12345678 }]);
  });

  it('T2.5: swapout keeps the guard, munmap drops it, fork copies it, exec clears it', async () => {
    const r = await runText(`
name: t
machine: arm64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rx, flags: [private, anon], as: t }
  - sysarch: { pid: 1, op: guard_page, addr: t, len: 2 pages }
  - read: { pid: 1, addr: t }
  - swapout: { pid: 1 }
  - check: { guarded: { pid: 1, addr: t } }
  - fork: { pid: 1, child: 2 }
  - munmap: { pid: 1, addr: t, len: 1 page }
  - check: { guarded: { pid: 1, addr: t } }
  - check: { guarded: { pid: 1, addr: t+1 page } }
  - check: { guarded: { pid: 2, addr: t } }
  - execve: { pid: 2 }
  - check: { guarded: { pid: 2, addr: 0x10001000 } }
`);
    expect(problems(r)).toBe('');
    const o = outcomes(r);
    expect(o[5]).toEqual({ guarded: true });
    expect(o[8]).toEqual({ guarded: false });
    expect(o[9]).toEqual({ guarded: true });
    expect(o[10]).toEqual({ guarded: true });
    expect(o[12]).toEqual({ guarded: false });
  });

  it('guard_page on amd64 and set_pkru on arm64 are EINVAL; pkey_set on arm64 is EOPNOTSUPP', async () => {
    const text = `
name: t
steps:
  - spawn: { pid: 1 }
  - sysarch: { pid: 1, op: guard_page, addr: 0x10000000, len: 1 page }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 1 page, key: 1 }
  - pkey_set: { pid: 1, key: 1, deny: all }
`;
    const arm = await runText(text, 'arm64');
    expect(outcomes(arm).slice(1)).toEqual([{ ok: true }, { errno: 'EINVAL' }, { errno: 'EOPNOTSUPP' }]);
    const amd = await runText(text, 'amd64');
    expect(outcomes(amd)[1]).toEqual({ errno: 'EINVAL' });
  });
});
