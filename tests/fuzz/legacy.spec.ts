/**
 * Fuzz reaches every legacy policy value (issue 19 §5): each value `vmlab policies` marks as
 * a historical bug is found by `vmlab fuzz` within a fixed budget (seed, --ops, --schedules),
 * shrunk to a small scenario that still fails the same way when run again, and the value
 * that fixed it is clean under the same budget (no false positive from the shadow model).
 *
 * The legacy values (from the policy catalog's descriptions; the other non-default values,
 * such as madvise.reuse=zero, exit.teardown=purge_in_exit or tlb.shootdown=deferred, are
 * designs, not bugs):
 *   pkru.clear_on=pmap_remove, pkru.clear_on=pmap_remove_swapout, map_delete.skips=freebsd,
 *   madvise.free_on_shadow=apply, fault.cow_shared_shadow=no_invalidate,
 *   swap.readbehind=after_unlock, revoke.walk=no_recheck.
 *
 * and the race values: fault.soft_fast=unlock_first, fault.lock=vma_lock_6_4,
 * exit.mmap=locked_stale, mremap.tlb_flush=dirty_only, map_clean.lock=read_locked,
 * collapse.scan=dead_only, gup.force_cow=drop_foll_write.
 *
 * The races are scheduling bugs that no serial order shows: swap.readbehind=after_unlock
 * (a fault's read-behind racing fork's object split, D15293), revoke.walk=no_recheck (the
 * revocation walk racing an munmap), fault.soft_fast=unlock_first (D38527: the fault fast
 * path racing munmap), fault.lock=vma_lock_6_4 (fork racing two threads' writes, Linux 6.4),
 * exit.mmap=locked_stale (process_mrelease racing exit), mremap.tlb_flush=dirty_only
 * (CVE-2018-18281: mremap racing truncate) and map_clean.lock=read_locked (msync racing a
 * file fault and an mmap under UVM: a deadlock), collapse.scan=dead_only (D6085: a fault
 * racing fork's collapse of its backing object, a spurious SIGSEGV) and
 * gup.force_cow=drop_foll_write (Dirty COW: a debugger's forced write racing MADV_DONTNEED
 * reaches the file). Serial fuzz cannot find them; fuzz finds them
 * in its schedule mode (`--schedules N`): each run with a `concurrent` step is also run under
 * N seeded random interleavings, the explorer's `random` strategy, and the shrunk file
 * carries the schedule that failed. The Linux ones run on examples/machines/amd64-linux.yaml
 * (the system calls are Linux's; Dirty COW too), the UVM one on examples/machines/amd64-openbsd.yaml.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzCommand } from '@vmlab/cli';
import { explore, failureSignature, runFuzzText } from '@vmlab/lab';
import { ROOT } from '../helpers/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmlab-fuzz-legacy-'));

const LINUX = join(ROOT, 'examples/machines/amd64-linux.yaml');
const OPENBSD = join(ROOT, 'examples/machines/amd64-openbsd.yaml');

interface Legacy {
  /** The preset or machine file (amd64 when absent). */
  machine?: string;
  key: string;
  legacy: string;
  fixed: string;
  seed: number;
  ops: number;
  schedules: number;
  /** The failure fuzz reports: the invariant, or the step whose expectation failed. */
  signature: string;
  /** The shrunk scenario has at most this many operations. */
  maxOps: number;
  /** What the shrunk scenario must contain (the operations the bug needs). */
  shape: RegExp[];
}

const CASES: Legacy[] = [
  {
    key: 'pkru.clear_on',
    legacy: 'pmap_remove',
    fixed: 'map_delete',
    seed: 2,
    ops: 3000,
    schedules: 0,
    signature: 'expectation of read',
    maxOps: 8,
    shape: [/op: set_pkru/, /pkey: \d/],
  },
  {
    // The first proposed fix: swapout keeps keys, PROT_NONE and msync(MS_INVALIDATE) still drop them.
    key: 'pkru.clear_on',
    legacy: 'pmap_remove_swapout',
    fixed: 'map_delete',
    seed: 2,
    ops: 3000,
    schedules: 0,
    signature: 'expectation of read',
    maxOps: 8,
    shape: [/op: set_pkru/, /(prot: none|flags: \[sync, invalidate\])/, /pkey: \d/],
  },
  {
    // A key set on an entry without an object (or a pmap with no page) outlives munmap; a
    // MAP_FIXED mapping over the same range then carries it.
    key: 'map_delete.skips',
    legacy: 'freebsd',
    fixed: 'none',
    seed: 1,
    ops: 3000,
    schedules: 0,
    signature: 'expectation of write',
    maxOps: 10,
    shape: [/op: set_pkru/, /- munmap:/, /flags: \[private, anon, fixed\]/],
  },
  {
    key: 'madvise.free_on_shadow',
    legacy: 'apply',
    fixed: 'skip',
    seed: 1,
    ops: 3000,
    schedules: 0,
    signature: 'expectation of read',
    maxOps: 8,
    // MADV_FREE applied to a shared object (or a shadow after fork) loses data the model keeps.
    shape: [/advice: free/, /(flags: \[shared, anon\]|- fork:)/],
  },
  {
    // FreeBSD-SA-21:08.vm: INHERIT_SHARE, a read, a fork, the child's write (shared_shadow_inval_test).
    key: 'fault.cow_shared_shadow',
    legacy: 'no_invalidate',
    fixed: 'invalidate',
    seed: 4,
    ops: 3000,
    schedules: 0,
    signature: 'invariant pte_target',
    maxOps: 12,
    shape: [/inherit: share/, /- fork: \{ pid: (\d+), child: (\d+)[^\n]*\n {2}- write: \{ pid: \2,/],
  },
  {
    // A race (D15293): found under random schedules, not in the serial order.
    key: 'swap.readbehind',
    legacy: 'after_unlock',
    fixed: 'before_unlock',
    seed: 2,
    ops: 2000,
    schedules: 8,
    signature: 'invariant pte_target',
    maxOps: 12,
    shape: [/concurrent:\n {6}threads:\n {8}- - write:/, /- - fork:/, /schedule: \[/, /- pageout:/],
  },
  {
    // A race: the revocation walk against an munmap of a file mapping.
    key: 'revoke.walk',
    legacy: 'no_recheck',
    fixed: 'recheck',
    seed: 2,
    ops: 2000,
    schedules: 8,
    signature: 'invariant revoke_walk',
    maxOps: 6,
    shape: [/concurrent:\n {6}threads:\n {8}- - revoke:/, /- - munmap:/, /schedule: \[/],
  },
  {
    // D38527: a fault on a resident page of the first object (its translation removed by
    // PROT_NONE and back) takes the fast path; an munmap in the window terminates the object.
    key: 'fault.soft_fast',
    legacy: 'unlock_first',
    fixed: 'unbusy_first',
    seed: 1,
    ops: 2000,
    schedules: 8,
    signature: 'invariant object_use_after_free',
    maxOps: 8,
    shape: [/concurrent:\n {6}threads:\n {8}- - read: \{ pid: \d+, tid: 0,/, /- - munmap: \{ pid: \d+, tid: 1,/, /schedule: \[/],
  },
  {
    // Linux 6.4.0–6.4.2: dup_mmap does not lock the parent's areas; thread 1's write through
    // a stale TLB entry goes to the child, and the parent reads its own write back wrong.
    machine: LINUX,
    key: 'fault.lock',
    legacy: 'vma_lock_6_4',
    fixed: 'vma_lock',
    seed: 5,
    ops: 1000,
    schedules: 24,
    signature: 'expectation of read',
    maxOps: 10,
    shape: [
      /concurrent:\n {6}threads:\n {8}- - fork: \{ pid: \d+, tid: 0,/,
      /- - write: \{ pid: \d+, tid: 1,/,
      /- - write: \{ pid: \d+, tid: 2,/,
      /schedule: \[/,
    ],
  },
  {
    // Linux 5.15–5.16: process_mrelease walks the areas exit_mmap freed.
    machine: LINUX,
    key: 'exit.mmap',
    legacy: 'locked_stale',
    fixed: 'locked_reset',
    seed: 1,
    ops: 1000,
    schedules: 8,
    signature: 'invariant mrelease_walk',
    maxOps: 8,
    shape: [/concurrent:\n {6}threads:\n {8}- - exit:/, /- - process_mrelease:/, /schedule: \[/],
  },
  {
    // CVE-2018-18281: the old range's TLB entry outlives mremap; truncate frees the page and
    // another process's fault takes the frame.
    machine: LINUX,
    key: 'mremap.tlb_flush',
    legacy: 'dirty_only',
    fixed: 'present',
    seed: 1,
    ops: 1000,
    schedules: 16,
    signature: 'invariant stale_tlb',
    maxOps: 10,
    shape: [/concurrent:\n {6}threads:\n {8}- - mremap:/, /- - truncate:/, /schedule: \[/],
  },
  {
    // NetBSD PR kern/56952 (OpenBSD uvm_map_clean): msync holds the map read-locked while it
    // waits for the fault's busy page; the fault's relock queues behind an mmap's write lock.
    machine: OPENBSD,
    key: 'map_clean.lock',
    legacy: 'read_locked',
    fixed: 'busy',
    seed: 2,
    ops: 1000,
    schedules: 8,
    signature: 'deadlock',
    maxOps: 8,
    shape: [/concurrent:\n {6}threads:\n {8}- - read:/, /- - msync:/, /- - mmap:/, /schedule: \[/],
  },
  {
    // FreeBSD D6085: fork's collapse marks the backing object dead and sleeps on a page being
    // paged in; another thread's fault walks into the dead object and gets SIGSEGV.
    key: 'collapse.scan',
    legacy: 'dead_only',
    fixed: 'collapsing',
    seed: 3,
    ops: 2000,
    schedules: 8,
    signature: 'expectation of read',
    maxOps: 12,
    shape: [
      /- pageout:/,
      /concurrent:\n {6}threads:\n {8}- - read: \{ pid: (\d+), tid: 0,[^\n]*\n {8}- - exit:[^\n]*\n {10}- fork: \{ pid: \d+, tid: 1,[^\n]*\n {8}- - read: \{ pid: \1, tid: 1,/,
      /schedule: \[/,
    ],
  },
  {
    // Dirty COW (CVE-2016-5195): a forced write into a private read-only file mapping racing
    // MADV_DONTNEED reaches the file; a shared mapping of it reads the written word.
    machine: LINUX,
    key: 'gup.force_cow',
    legacy: 'drop_foll_write',
    fixed: 'foll_cow',
    seed: 3,
    ops: 1000,
    schedules: 8,
    signature: 'expectation of read',
    maxOps: 6,
    shape: [
      /prot: r, flags: \[private\], file: /,
      /concurrent:\n {6}threads:\n {8}- - poke:/,
      /- - madvise: \{ pid: \d+, tid: 1, [^\n]*advice: dontneed/,
      /schedule: \[/,
      /- read: \{ pid: \d+, addr: m\d+\+0x[0-9a-f]+, expect: \{ value: 0xf0f0f0f \} \}/,
    ],
  },
];

interface FuzzDoc {
  ops: number;
  violation: { signature: string; shrunkOps: number; reproduced: boolean; concurrent: boolean; file: string } | null;
}

async function campaign(c: Legacy, value: string): Promise<{ code: number; doc: FuzzDoc }> {
  const lines: string[] = [];
  const out = join(dir, `${c.key}-${value}.yaml`);
  const code = await fuzzCommand(
    { machine: c.machine ?? 'amd64', policy: [`${c.key}=${value}`], seed: String(c.seed), ops: String(c.ops), schedules: String(c.schedules), json: true, out },
    (s) => lines.push(s),
  );
  return { code, doc: JSON.parse(lines.join('\n')) as FuzzDoc };
}

describe('fuzz finds and shrinks every legacy policy value', () => {
  for (const c of CASES) {
    const budget = `${c.machine !== undefined ? `${basename(c.machine)}, ` : ''}seed ${c.seed}, --ops ${c.ops}${c.schedules > 0 ? `, --schedules ${c.schedules}` : ''}`;
    describe(`${c.key}=${c.legacy} (${budget})`, () => {
      it(`should report ${c.signature}, shrunk to at most ${c.maxOps} operations that still fail the same way`, async () => {
        const { code, doc } = await campaign(c, c.legacy);
        expect(code, JSON.stringify(doc)).toBe(1);
        const v = doc.violation!;
        expect(v.signature).toBe(c.signature);
        expect(v.shrunkOps).toBeLessThanOrEqual(c.maxOps);
        expect(v.reproduced).toBe(true);
        // A race's shrunk file carries the interleaving that failed.
        if (c.schedules > 0) expect(v.concurrent).toBe(true);
        const text = readFileSync(v.file, 'utf8');
        for (const re of c.shape) expect(text).toMatch(re);
        // Run again on its own: the same failure.
        expect(failureSignature(await runFuzzText(text))).toBe(c.signature);
        // The same file with the fixed value holds.
        const fixedText = text.replace(`${c.key}: ${c.legacy}`, `${c.key}: ${c.fixed}`);
        if (c.schedules === 0) {
          const fixed = await runFuzzText(fixedText);
          expect(fixed.failures).toEqual([]);
          expect(fixed.violations).toEqual([]);
          expect(fixed.error).toBeUndefined();
        } else {
          // A race: the schedule that failed may not fit the fixed code (a thread waits
          // elsewhere), so every schedule up to two preemptions of the fixed file holds.
          const bare = fixedText.replace(/\n {6}schedule: \[[^\]]*\]/g, '');
          expect(bare).not.toMatch(/schedule:/);
          const res = await explore((hooks) => runFuzzText(bare, undefined, hooks), { strategy: 'dfs', bound: 2, seed: 0, runs: 100000 });
          expect(res.violation?.message).toBeUndefined();
          expect(res.complete).toBe(true);
          expect(res.schedules).toBeGreaterThan(1);
        }
      }, 300000);

      it(`should find nothing with ${c.key}=${c.fixed} under the same budget`, async () => {
        const { code, doc } = await campaign(c, c.fixed);
        expect(code, JSON.stringify(doc.violation)).toBe(0);
        expect(doc.violation).toBeNull();
        expect(doc.ops).toBe(c.ops);
      }, 300000);
    });
  }
});
