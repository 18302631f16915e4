import { describe, expect, it } from 'vitest';
import { exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

const PRESETS = ['amd64', 'arm64'];

describe('MI VM semantics (SEMANTICS.md §3)', () => {
  for (const m of PRESETS) {
    describe(`when the examples run on ${m}`, () => {
      for (const ex of ['fork-inherit.yaml', 'demo.yaml', 'file-mappings.yaml', 'errnos.yaml', 'lifecycle.yaml']) {
        it(`should hold every expectation of ${ex} with invariants on`, async () => {
          const [r] = await runScenario(exampleScenario(ex), [m]);
          expect(problems(r!)).toBe('');
          expect(r!.steps.filter((s) => s.held === true).length).toBeGreaterThan(3);
        });
      }
    });
  }

  describe('when a child forks with COW and writes on both sides', () => {
    it('should isolate both directions and collapse the chain when the child exits', async () => {
      const r = await runText(`
name: cow both ways
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - fork: { pid: 1, child: 2 }
  - check: { object: { pid: 1, addr: a } }
  - write: { pid: 2, addr: a, value: 2 }
  - read: { pid: 1, addr: a }
  - write: { pid: 1, addr: a, value: 3 }
  - read: { pid: 2, addr: a }
  - check: { object: { pid: 1, addr: a } }
  - exit: { pid: 2 }
  - wait: { pid: 2 }
  - check: { object: { pid: 1, addr: a }, rss: { pid: 1 } }
  - read: { pid: 1, addr: a }
  - read: { pid: 2, addr: a }
`);
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o[4]).toEqual({ object: { id: expect.any(Number), depth: 0, refs: 2 } });
      expect(o[6]).toEqual({ value: 1 });
      expect(o[8]).toEqual({ value: 2 });
      expect((o[9] as { object: { depth: number } }).object.depth).toBe(0);
      expect(o[12]).toEqual({ object: { id: expect.any(Number), depth: 0, refs: 1 }, rss: 1 });
      expect(o[13]).toEqual({ value: 3 });
      expect(o[14]).toEqual({ errno: 'ESRCH' });
    });
  });

  describe('when a wired writable entry is forked', () => {
    it('should copy it at once so the parent writes without a fault', async () => {
      const r = await runText(`
name: mlock fork
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: w }
  - write: { pid: 1, addr: w, value: 7 }
  - mlock: { pid: 1, addr: w, len: 1 page }
  - fork: { pid: 1, child: 2 }
  - check: { events: { kind: fault }, save: before }
  - write: { pid: 1, addr: w, value: 8 }
  - check: { events: { kind: fault }, expect: { events: "$before.events" } }
  - read: { pid: 2, addr: w, expect: { value: 7 } }
  - check: { entry: { pid: 1, addr: w }, expect: { entry: { wired: true } } }
  - check: { entry: { pid: 2, addr: w }, expect: { entry: { wired: false } } }
`);
      expect(problems(r)).toBe('');
    });
  });

  describe('when an anonymous entry clipped in two is forked', () => {
    it('should split the shared ONEMAPPING object so each entry has its own', async () => {
      const r = await runText(`
name: split
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 8 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 0x10 }
  - write: { pid: 1, addr: a+4 pages, value: 0x14 }
  - mprotect: { pid: 1, addr: a+4 pages, len: 4 pages, prot: r }
  - check: { object: { pid: 1, addr: a }, save: lo }
  - check: { object: { pid: 1, addr: a+4 pages }, expect: { object: { id: "$lo.object.id", refs: 2 } } }
  - fork: { pid: 1, child: 2 }
  - check: { object: { pid: 1, addr: a }, expect: { object: { id: { ne: "$lo.object.id" }, refs: 2 } } }
  - check: { object: { pid: 1, addr: a+4 pages }, expect: { object: { id: "$lo.object.id", refs: 2 } } }
  - read: { pid: 2, addr: a, expect: { value: 0x10 } }
  - read: { pid: 2, addr: a+4 pages, expect: { value: 0x14 } }
  - check: { events: { kind: object_split }, expect: { events: { ge: 1 } } }
`);
      expect(problems(r)).toBe('');
    });
  });

  describe('when the invariant checker meets a broken state', () => {
    it('should name the invariant', async () => {
      const { composeMachine, CORE_INVARIANTS, InvariantRegistry, Kernel, runNow } = await import('@vmlab/core');
      const { defaultCatalog } = await import('@vmlab/lab');
      const c = defaultCatalog();
      const m = await composeMachine(c.presets.get('amd64')!, c);
      const k = m.container.get(Kernel);
      k.spawn(1, false);
      const p = k.procs.get(1)!;
      const out = runNow(k.mmap(p, { len: 4096, prot: 3, protExtra: '', flags: ['private', 'anon'] }));
      k.write(p, p.thread(0)!, out.addr!, 5);
      const inv = new InvariantRegistry();
      for (const i of CORE_INVARIANTS) inv.add(i);
      expect(inv.check(m)).toEqual([]);
      p.vmspace.map.entries[0]!.object!.refCount++;
      expect(inv.check(m).map((v) => v.invariant)).toEqual(['object_refs']);
    });
  });
});
