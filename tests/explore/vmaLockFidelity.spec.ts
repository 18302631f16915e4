import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { ROOT } from '../helpers/scenario.ts';

/**
 * Linux per-VMA locks (fault.lock vma_lock): what holds a fault's area lock, and what waits
 * for it. Each fixture had a violation in the model the kernel cannot have; every schedule
 * to the default bound must now be clean, under vma_lock and mmap_lock alike.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-vma-lock-'));

async function explore(file: string) {
  const lines: string[] = [];
  const log = join(dir, file.replace(/\.yaml$/, '.jsonl'));
  const code = await exploreCommand(resolve(ROOT, 'tests/explore/fixtures', file), { json: true, log }, (s) => lines.push(s));
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
