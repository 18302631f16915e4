import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCommand } from '@vmlab/cli';
import { defaultCatalog, loadScenario, runOnMachine, scenarioMachines } from '@vmlab/lab';
import { EXAMPLES } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-state-'));

/** Runs an example on one of its machines with a log; returns the log's path. */
async function logOf(example: string, machine?: string): Promise<string> {
  const catalog = defaultCatalog();
  const s = loadScenario(resolve(EXAMPLES, example));
  const all = scenarioMachines(s, catalog, undefined);
  const m = machine !== undefined ? all.find((x) => x.name === machine)! : all[0]!;
  const log = join(dir, `${example}-${m.name}.jsonl`);
  await runOnMachine(s, m, catalog, { check: true, log });
  return log;
}

async function stateAt(log: string, until: number): Promise<any> {
  let out = '';
  expect(await replayCommand(log, { until: String(until), json: true }, (s) => (out += s))).toBe(0);
  return JSON.parse(out).state;
}

describe('replay --until N --json: the state a viewer shows', () => {
  describe('when a key is set on a FreeBSD amd64 range and the process is swapped out', () => {
    it('should show the key range with PERSIST, the thread PKRU, the pkey in each PTE, then no PTEs but the range kept', async () => {
      const log = await logOf('pkru-swapout.yaml', 'amd64');
      const set = await stateAt(log, 5); // spawn, mmap, write, write, sysarch set_pkru key 5
      const p = set.processes.find((x: any) => x.pid === 1);
      expect(p.md.ranges.pkru_keys).toEqual([{ start: 0x10000000, end: 0x10002000, key: 5, persist: false }]);
      expect(p.md.threads[0]).toEqual({ pkru: 0 });
      expect(p.ptes.map((x: any) => [x.va, x.pkey, x.writable])).toEqual([
        [0x10000000, 5, true],
        [0x10001000, 5, true],
      ]);
      expect(p.entries[0]).toMatchObject({ prot: 'rw', maxprot: 'rwx', inherit: 'copy', shared: false, wired: 0, offset: 0 });
      const obj = set.objects.find((o: any) => o.id === p.entries[0].object);
      expect(obj).toMatchObject({ type: 'anon', refs: 1, resident: 2, swapped: 0, backing: null });
      expect(obj.pages.map((g: any) => [g.pindex, g.dirty])).toEqual([
        [0, true],
        [1, true],
      ]);
      const out = await stateAt(log, 6); // swapout
      const q = out.processes.find((x: any) => x.pid === 1);
      expect(q.ptes).toEqual([]);
      expect(q.rss).toBe(0);
      expect(q.md.ranges.pkru_keys).toEqual([{ start: 0x10000000, end: 0x10002000, key: 5, persist: false }]);
      const o2 = out.objects.find((o: any) => o.id === p.entries[0].object);
      expect(o2).toMatchObject({ resident: 0, swapped: 2, swap: [0, 1] });
    });

    it('should show the legacy policy losing the range at swapout', async () => {
      const log = await logOf('pkru-swapout.yaml', 'amd64-legacy');
      const out = await stateAt(log, 6);
      expect(out.processes.find((x: any) => x.pid === 1).md.ranges.pkru_keys).toEqual([]);
    });
  });

  describe('when a process forks and its child writes', () => {
    it('should show the shadow chain: both shadows backed by the original at offset 0', async () => {
      const log = await logOf('fork-inherit.yaml', 'amd64');
      const text = readFileSync(log, 'utf8');
      const cmds = text
        .split('\n')
        .filter((l) => l.includes('"type":"command"'))
        .map((l) => JSON.parse(l));
      const n = cmds.length;
      const s = await stateAt(log, n);
      const shadowed = s.objects.filter((o: any) => o.backing !== null);
      for (const o of shadowed) {
        const b = s.objects.find((x: any) => x.id === o.backing);
        expect(b.shadows).toContain(o.id);
      }
      // every entry's object is listed, with a reference count at least the entries naming it
      for (const p of s.processes) for (const e of p.entries) if (e.object !== null) expect(s.objects.some((o: any) => o.id === e.object)).toBe(true);
    });
  });

  describe('when an arm64 guard is set', () => {
    it('should list the guarded range and the PTE guard bit', async () => {
      const log = await logOf('bti-guard.yaml');
      const cmds = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"command"'))
        .map((l) => JSON.parse(l));
      const g = cmds.find((c) => c.op === 'sysarch');
      const s = await stateAt(log, cmds[cmds.length - 1].seq);
      const p = s.processes.find((x: any) => x.pid === g.args.pid);
      expect(p.md.ranges.bti_guards.length).toBeGreaterThan(0);
      const rs: { start: number; end: number }[] = p.md.ranges.bti_guards;
      expect(p.ptes.length).toBeGreaterThan(0);
      for (const pte of p.ptes) expect(pte.guarded).toBe(rs.some((r) => pte.va >= r.start && pte.va < r.end));
    });
  });
  describe('when a CPU keeps a translation under deferred shootdown', () => {
    it('should list the stale TLB entry with its queued invalidation until the context switch, and none under immediate shootdown', async () => {
      const deferred = await logOf('compare-tlb-stale.yaml', 'deferred');
      const st = await stateAt(deferred, 6); // munmap
      const pmap = st.processes.find((p: any) => p.pid === 1).pmap;
      expect(st.tlb).toEqual([{ cpu: 1, pmap, va: 0x10000000, frame: expect.any(Number), writable: true, pending: true }]);
      expect((await stateAt(deferred, 9)).tlb).toEqual([]); // context_switch on cpu 1
      const immediate = await logOf('compare-tlb-stale.yaml', 'amd64');
      expect((await stateAt(immediate, 6)).tlb).toEqual([]);
    });
  });
});
