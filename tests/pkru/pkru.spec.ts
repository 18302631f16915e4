import { composeMachine, CORE_INVARIANTS, InvariantRegistry, type Machine } from '@vmlab/core';
import { defaultCatalog, parseScenario, scenarioMachines, ScenarioRunner } from '@vmlab/lab';
import { Amd64Pmap, keyLifetimeInvariant } from '@vmlab/pmap-amd64';
import { describe, expect, it } from 'vitest';
import { exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

const EXAMPLES = [
  'pkru-swapout.yaml',
  'pkru-sysarch.yaml',
  'pkru-access.yaml',
  'pkru-lifecycle.yaml',
  'pkru-clear-on.yaml',
  'pkru-skips.yaml',
  'pkru-linux.yaml',
  'pkru-linux-execonly.yaml',
  'pkru-nopku.yaml',
  'pkru-placement.yaml',
];

describe('PKRU examples (SEMANTICS.md §1, §6.1)', () => {
  for (const f of EXAMPLES) {
    it(`${f} holds every expectation and invariant on every machine`, async () => {
      const reports = await runScenario(exampleScenario(f));
      expect(reports.length).toBeGreaterThan(0);
      for (const r of reports) {
        expect(problems(r), `${f} on ${r.machine}`).toBe('');
        expect(r.steps.some((s) => s.held === true)).toBe(true);
      }
    });
  }
});

describe('pkru.clear_on: three values, three outcomes (T1.15, T1.21)', () => {
  const scenario = (clearOn: string) => `
name: t
machine: { arch: amd64, policies: { pkru.clear_on: ${clearOn} } }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: p }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [shared, anon], as: m }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: s }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: k }
  - write: { pid: 1, addr: p, value: 1 }
  - write: { pid: 1, addr: m, value: 2 }
  - write: { pid: 1, addr: s, value: 3 }
  - write: { pid: 1, addr: k, value: 4 }
  - sysarch: { pid: 1, op: set_pkru, addr: p, len: 1 page, key: 1 }
  - sysarch: { pid: 1, op: set_pkru, addr: m, len: 1 page, key: 2 }
  - sysarch: { pid: 1, op: set_pkru, addr: s, len: 1 page, key: 3 }
  - sysarch: { pid: 1, op: set_pkru, addr: k, len: 1 page, key: 4, flags: [persist] }
  - mprotect: { pid: 1, addr: p, len: 1 page, prot: none }
  - mprotect: { pid: 1, addr: p, len: 1 page, prot: rw }
  - msync: { pid: 1, addr: m, len: 1 page, flags: [invalidate] }
  - swapout: { pid: 1 }
  - check: { pkey: { pid: 1, addr: p } }
  - check: { pkey: { pid: 1, addr: m } }
  - check: { pkey: { pid: 1, addr: s } }
  - check: { pkey: { pid: 1, addr: k } }
  - wrpkru: { pid: 1, value: 0xfffffffc }
  - read: { pid: 1, addr: p }
  - read: { pid: 1, addr: s }
`;
  const tail = async (v: string) => {
    const r = await runText(scenario(v));
    expect(problems(r)).toBe('');
    return { r, out: outcomes(r).slice(-7) };
  };

  it('map_delete (the fix): every physical removal keeps every key', async () => {
    const { r, out } = await tail('map_delete');
    expect(out).toEqual([
      { pkey: { pkey: 1, persist: false } },
      { pkey: { pkey: 2, persist: false } },
      { pkey: { pkey: 3, persist: false } },
      { pkey: { pkey: 4, persist: true } },
      { ok: true },
      { signal: 'SIGSEGV', code: 'SEGV_ACCERR', pkey: 1, addr: 0x10000000 },
      { signal: 'SIGSEGV', code: 'SEGV_ACCERR', pkey: 3, addr: 0x10002000 },
    ]);
    expect(r.counters['pkru.drop'] ?? 0).toBe(0);
  });

  it('pmap_remove (the bug): mprotect none, msync invalidate and swapout all lose non-persistent keys', async () => {
    const { r, out } = await tail('pmap_remove');
    expect(out).toEqual([{ pkey: 'none' }, { pkey: 'none' }, { pkey: 'none' }, { pkey: { pkey: 4, persist: true } }, { ok: true }, { value: 1 }, { value: 3 }]);
    expect(r.counters['pkru.drop']).toBeGreaterThanOrEqual(3);
  });

  it('pmap_remove_swapout (the first fix): swapout keeps, mprotect none and msync invalidate lose', async () => {
    const { out } = await tail('pmap_remove_swapout');
    expect(out).toEqual([
      { pkey: 'none' },
      { pkey: 'none' },
      { pkey: { pkey: 3, persist: false } },
      { pkey: { pkey: 4, persist: true } },
      { ok: true },
      { value: 1 },
      { signal: 'SIGSEGV', code: 'SEGV_ACCERR', pkey: 3, addr: 0x10002000 },
    ]);
  });

  it('the shared example shows the three values differ on the same steps', async () => {
    const reports = await runScenario(exampleScenario('pkru-clear-on.yaml'));
    expect(reports.map((r) => r.machine)).toEqual(['amd64', 'legacy-pmap-remove', 'first-fix']);
    const sig = reports.map((r) => JSON.stringify(r.steps.filter((s) => s.op === 'read' || s.op === 'check').map((s) => s.outcome)));
    expect(new Set(sig).size).toBe(3);
  });
});

describe('key 0 obeys the PKRU like any other key (Intel SDM vol. 3A 4.6.2: AD0/WD0 apply to every user page with key 0)', () => {
  for (const [abi, code] of [
    ['freebsd', 'SEGV_ACCERR'],
    ['linux', 'SEGV_PKUERR'],
  ] as const) {
    it(`${abi}: AD0 denies reads and writes of a present key-0 page, WD0 writes only; per thread; inherited by fork`, async () => {
      const r = await runText(`
name: t
machine: { arch: amd64, abi: ${abi} }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: b }
  - write: { pid: 1, addr: b, value: 7 }
  - thread: { pid: 1, tid: 1 }
  - wrpkru: { pid: 1, value: 1 }
  - read: { pid: 1, addr: b }
  - write: { pid: 1, addr: b, value: 8 }
  - read: { pid: 1, tid: 1, addr: b }
  - wrpkru: { pid: 1, value: 2 }
  - read: { pid: 1, addr: b }
  - write: { pid: 1, addr: b, value: 9 }
  - fork: { pid: 1, child: 2 }
  - write: { pid: 2, addr: b, value: 10 }
  - wrpkru: { pid: 1, value: 0 }
  - write: { pid: 1, addr: b, value: 11 }
  - read: { pid: 1, addr: b }
`);
      const o = outcomes(r);
      expect(o[5]).toMatchObject({ signal: 'SIGSEGV', code, pkey: 0 });
      expect(o[6]).toMatchObject({ signal: 'SIGSEGV', code, pkey: 0 });
      expect(o[7]).toEqual({ value: 7 });
      expect(o[9]).toEqual({ value: 7 });
      expect(o[10]).toMatchObject({ signal: 'SIGSEGV', code, pkey: 0 });
      expect(o[12]).toMatchObject({ signal: 'SIGSEGV', code, pkey: 0 });
      expect(o[14]).toEqual({ ok: true });
      expect(o[15]).toEqual({ value: 11 });
    });
  }
});

describe('FreeBSD rules', () => {
  it('T1.7: validation order: key/flags EINVAL, then range EFAULT, then no PKU', async () => {
    const r = await runText(`
name: t
machine: { arch: amd64, features: { pku: false } }
steps:
  - spawn: { pid: 1 }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 0, key: 16 }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 0, key: 1 }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 1, key: 1 }
  - sysarch: { pid: 1, op: clear_pkru, addr: 0x10000000, len: 0, key: 1 }
`);
    expect(outcomes(r).slice(1)).toEqual([{ errno: 'EINVAL' }, { errno: 'EFAULT' }, { errno: 'EOPNOTSUPP' }, { errno: 'EINVAL' }]);
  });

  it('T1.13: SET rewrites present PTEs at once and counts the rewrites', async () => {
    const r = await runText(`
name: t
machine: amd64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: b }
  - write: { pid: 1, addr: b, value: 1 }
  - write: { pid: 1, addr: b+2 pages, value: 1 }
  - sysarch: { pid: 1, op: set_pkru, addr: b, len: 3 pages, key: 12 }
  - check: { pte: { pid: 1, addr: b } }
`);
    expect(outcomes(r)[5]).toEqual({ pte: { present: true, writable: true, executable: false, size: 4096, pkey: 12 } });
    expect(r.counters['pkru.pte_rewrites']).toBe(2);
    expect(r.counters['pkru.assign']).toBe(1);
  });

  it('T1.18: the fork event copies keys before entries; the child inherits the forking thread PKRU, not the main one', async () => {
    const r = await runText(`
name: t
machine: amd64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: b }
  - write: { pid: 1, addr: b, value: 9 }
  - sysarch: { pid: 1, op: set_pkru, addr: b, len: 1 page, key: 6 }
  - thread: { pid: 1, tid: 1 }
  - pkey_set: { pid: 1, tid: 1, key: 6, deny: all }
  - fork: { pid: 1, child: 2, tid: 1 }
  - check: { pkru: { pid: 2 } }
  - read: { pid: 2, addr: b }
  - write: { pid: 1, addr: b, value: 10 }
  - read: { pid: 1, addr: b }
`);
    expect(problems(r)).toBe('');
    expect(outcomes(r).slice(7)).toEqual([
      { pkru: 0x3000 },
      { signal: 'SIGSEGV', code: 'SEGV_ACCERR', pkey: 6, addr: 0x10000000 },
      { ok: true },
      { value: 10 },
    ]);
  });

  it('T1.22: exec drops PERSIST keys too and resets PKRU to 0 (freebsd) / 0x55555554 (linux)', async () => {
    const text = (abi: string) => `
name: t
machine: { arch: amd64, abi: ${abi} }
steps:
  - spawn: { pid: 1 }
  - pkey_set: { pid: 1, key: 3, deny: all }
  - execve: { pid: 1 }
  - check: { pkru: { pid: 1 } }
`;
    expect(outcomes(await runText(text('freebsd')))[3]).toEqual({ pkru: 0 });
    expect(outcomes(await runText(text('linux')))[3]).toEqual({ pkru: 0x55555554 });
  });
});

describe('key_lifetime invariant', () => {
  /** Runs `steps` on an amd64 machine (checked, with `inv` if given); the machine and pid 1's pmap. */
  async function runAmd64(steps: string, inv?: InvariantRegistry): Promise<{ m: Machine; pm: Amd64Pmap }> {
    const catalog = defaultCatalog();
    const s = parseScenario(`name: t\nmachine: amd64\nsteps:\n${steps}`, 'inline.yaml');
    const nm = scenarioMachines(s, catalog, undefined)[0]!;
    const m = await composeMachine(nm.spec, catalog, s.files, nm.name);
    const r = new ScenarioRunner(m, s, inv === undefined ? { check: true } : { check: true, invariants: inv }).run();
    expect(problems(r)).toBe('');
    return { m, pm: m.kernel.procs.get(1)!.vmspace.pmap as Amd64Pmap };
  }

  it('records a logically deleted range only where a key lies over it (a SET over any other takes it out again)', async () => {
    const { pm } = await runAmd64(`
  - spawn: { pid: 1 }
  - mmap: { pid: 1, addr: 0x10000000, len: 1 page, prot: rw, flags: [private, anon, fixed] }
  - mmap: { pid: 1, addr: 0x20000000, len: 1 page, prot: rw, flags: [private, anon, fixed] }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 1 page, key: 2 }
  - munmap: { pid: 1, addr: 0x10000000, len: 1 page }
  - munmap: { pid: 1, addr: 0x20000000, len: 1 page }
`);
    expect(pm.deleted.intervals().map((iv) => [iv.start, iv.end])).toEqual([[0x10000000, 0x10001000]]);
  });

  it('reports a non-persistent key left over a logically deleted range', async () => {
    const inv = new InvariantRegistry();
    for (const i of CORE_INVARIANTS) inv.add(i);
    inv.add(keyLifetimeInvariant);
    const { m, pm } = await runAmd64(
      `
  - spawn: { pid: 1 }
  - mmap: { pid: 1, addr: 0x10000000, len: 1 page, prot: rw, flags: [private, anon, fixed] }
  - write: { pid: 1, addr: 0x10000000, value: 1 }
  - sysarch: { pid: 1, op: set_pkru, addr: 0x10000000, len: 1 page, key: 2 }
  - munmap: { pid: 1, addr: 0x10000000, len: 1 page }
`,
      inv,
    );
    expect(inv.check(m)).toEqual([]);
    // What a subscriber that forgot the drop would leave behind:
    pm.keys.set(0x10000000, 0x10001000, { key: 2, persist: false });
    expect(inv.check(m).map((v) => v.invariant)).toEqual(['key_lifetime']);
    // A PERSIST key there is allowed.
    pm.keys.set(0x10000000, 0x10001000, { key: 2, persist: true });
    expect(inv.check(m)).toEqual([]);
    // A present PTE whose key disagrees with the rangeset (a SET that forgot T1.13's rewrite).
    pm.keys.clear();
    m.kernel.mmap(m.kernel.procs.get(1)!, { addr: 0x20000000, len: 4096, prot: 3, protExtra: '', flags: ['private', 'anon', 'fixed'] });
    expect(m.kernel.write(m.kernel.procs.get(1)!, m.kernel.procs.get(1)!.thread(0)!, 0x20000000, 5)).toEqual({ ok: true });
    expect(inv.check(m)).toEqual([]);
    pm.keys.set(0x20000000, 0x20001000, { key: 7, persist: true });
    expect(inv.check(m).map((v) => v.message)).toEqual([expect.stringContaining('has key 0, its placement records 7')]);
  });
});

describe('pkru.clear_on policy registration', () => {
  it('is defined by the amd64 package with its three values, and is inert on arm64', async () => {
    const c = defaultCatalog();
    const d = c.policies.get('pkru.clear_on')!;
    expect(d.values).toEqual(['map_delete', 'pmap_remove', 'pmap_remove_swapout']);
    expect(d.owner).toBe('@vmlab/pmap-amd64');
    const r = await runText(`
name: t
machine: { arch: arm64, policies: { pkru.clear_on: pmap_remove } }
steps:
  - spawn: { pid: 1 }
  - check: { pkru: { pid: 1 } }
`);
    expect(problems(r)).toBe('');
  });
});
