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
