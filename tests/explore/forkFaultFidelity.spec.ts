import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { ROOT } from '../helpers/scenario.ts';

/**
 * Faults racing fork and map changes, where the model once had a violation the kernel
 * cannot have (tests/explore/fidelity): Linux per-VMA locks (fault.lock vma_lock), what
 * holds a fault's area lock and what waits for it, clean under vma_lock and mmap_lock
 * alike; and OpenBSD's fork, which never sleeps on a busy page. Every schedule to the
 * default bound (2) must be clean.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-fork-fault-'));

async function explore(file: string) {
  const lines: string[] = [];
  const log = join(dir, file.replace(/\.yaml$/, '.jsonl'));
  const code = await exploreCommand(resolve(ROOT, 'tests/explore/fidelity', file), { json: true, log }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

function expectClean(doc: { ok: boolean; machines: { machine: string; violation?: unknown; complete: boolean; schedules: number }[] }) {
  expect(doc.ok).toBe(true);
  expect(doc.machines.map((m) => m.machine)).toEqual(['vma_lock', 'mmap_lock']);
  for (const m of doc.machines) {
    expect(m.violation).toBeUndefined();
    expect(m.complete).toBe(true);
    expect(m.schedules).toBeGreaterThan(1);
  }
}

describe('per-VMA locks', () => {
  describe('when a write fault that must page in from swap races fork', () => {
    it('should retry under mmap_lock (do_swap_page VM_FAULT_RETRY), leaving no copy-on-write page writable', async () => {
      const { code, doc } = await explore('vma-lock-swapin-fork.yaml');
      expect(code).toBe(0);
      expectClean(doc);
    });
  });
  describe('when a copy-on-write fault sleeping under the area lock races munmap and mprotect', () => {
    it('should make both wait for the fault (vma_start_write): no PTE without an entry, none writable in a read-only one', async () => {
      const { code, doc } = await explore('vma-lock-cow-munmap.yaml');
      expect(code).toBe(0);
      expectClean(doc);
    });
  });
});

describe('abi openbsd fork (uvmspace_fork)', () => {
  describe('when a write fault paging in keeps its page busy while it relocks the map fork holds', () => {
    it('should not sleep on the busy page (no object split): clean to bound 2, no deadlock', async () => {
      const { code, doc } = await explore('openbsd-pagein-fork.yaml');
      expect(code).toBe(0);
      expect(doc.ok).toBe(true);
      expect(doc.bound).toBe(2);
      expect(doc.machines).toHaveLength(1);
      const [m] = doc.machines;
      expect(m.machine).toBe('amd64-openbsd');
      expect(m.violation).toBeUndefined();
      expect(m.complete).toBe(true);
      expect(m.schedules).toBeGreaterThan(1);
    });
  });
});

/**
 * fork.copy and fault.pager_relock crossed (docs/policies.md): each kernel pairs its fork
 * with its own fault. FreeBSD's fork waits for a busy page and its fault never sleeps for the
 * map holding one; UVM's fault does, and its fork never waits for a page. Either pair is
 * clean; FreeBSD's fork with UVM's fault deadlocks, under either ABI.
 */
describe('fork.copy with fault.pager_relock', () => {
  function deadlock(doc: { ok: boolean; machines: { machine: string; violation?: { invariants: string[]; verified: boolean } }[] }, machine: string) {
    expect(doc.ok).toBe(true);
    expect(doc.machines.map((m) => m.machine)).toEqual([machine]);
    const v = doc.machines[0]!.violation;
    expect(v, `${machine}: no violation`).toBeDefined();
    expect(v!.invariants).toEqual(['deadlock']);
    expect(v!.verified).toBe(true);
  }

  describe('when abi openbsd forks with FreeBSD split (fork.copy: split) while its fault relocks with the page busy', () => {
    it('should deadlock: fork sleeps in vm_object_split on the page, the fault for the map fork holds', async () => {
      const { code, doc } = await explore('openbsd-pagein-fork-split.yaml');
      expect(code).toBe(0);
      deadlock(doc, 'openbsd-split');
    });
  });

  describe("when abi freebsd's fault relocks as UVM does (fault.pager_relock: relock_busy) while its fork splits", () => {
    it('should deadlock the same way', async () => {
      const { code, doc } = await explore('freebsd-pagein-fork-relock.yaml');
      expect(code).toBe(0);
      deadlock(doc, 'freebsd-relock-busy');
    });
  });

  describe("when abi freebsd runs either kernel's pair (split with restart, share_amap with relock_busy)", () => {
    it('should be clean to bound 2 under both', async () => {
      const { code, doc } = await explore('freebsd-pagein-fork-pairs.yaml');
      expect(code).toBe(0);
      expect(doc.ok).toBe(true);
      expect(doc.machines.map((m: { machine: string }) => m.machine)).toEqual(['freebsd-pair', 'uvm-pair']);
      for (const m of doc.machines) {
        expect(m.violation).toBeUndefined();
        expect(m.complete).toBe(true);
        expect(m.schedules).toBeGreaterThan(1);
      }
    });
  });
});
