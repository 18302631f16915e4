import type { Prng } from '../explore/prng.ts';
import { CALL_PADS, FUZZ_FILE, type FuzzOp, type RaceKind } from './FuzzOp.ts';
import { Model, apply } from './shadowModel.ts';

const WORDS = 4;
const ARM64_WORDS = [...CALL_PADS, 0xd503249f, 0xd503201f];

/** The order in which the extra race kinds are drawn (a kind the machine cannot run is left out). */
const RACE_ORDER: readonly RaceKind[] = ['munmap', 'fork3', 'mremap', 'mrelease', 'clean', 'collapse', 'cow'];

/**
 * Draws `n` operations valid in the model's state (the arch decides keys or guards: `amd64`,
 * `arm64`, or `none` for neither). `races`: the race kinds beyond the first three that this
 * machine runs; without any, the draws are those of the first generator (a seed's workload
 * stays what it was).
 */
export function generateOps(rng: Prng, n: number, arch: string, opts: { concurrent?: boolean; races?: ReadonlySet<RaceKind> } = {}): FuzzOp[] {
  const m = new Model();
  const ops: FuzzOp[] = [];
  const arm = arch === 'arm64';
  const conc = opts.concurrent !== false;
  const extra = RACE_ORDER.filter((k) => opts.races?.has(k) === true);
  /** Threads up to `tid` in `pid` (tid 1, then 2). */
  const threads = (pid: number, tid: number) => {
    for (let t = m.procs.get(pid)!.pkru.length; t <= tid; t++) push(t === 1 ? { op: 'thread', pid } : { op: 'thread', pid, tid: t });
  };
  const live = () => [...m.procs.keys()];
  const regions = (pid: number) => [...m.procs.get(pid)!.maps.entries()];
  const push = (op: FuzzOp) => {
    apply(m, op);
    ops.push(op);
  };
  /**
   * One of the extra races, with the swarm steps that set it up pushed first; undefined when
   * the state does not allow it (the set-up pushed so far stays: valid steps).
   */
  const raceOp = (kind: RaceKind, pid: number, pids: number[], name: string, page: number, word: number): FuzzOp | undefined => {
    const p = m.procs.get(pid)!;
    let r = p.maps.get(name)!;
    const others = pids.filter((x) => x !== pid);
    /** The file races act on a file mapping: the region drawn, or a new one. */
    const fileRegion = (): boolean => {
      if (r.file) return !m.revoked;
      if (m.revoked || p.maps.size >= 5) return false;
      name = `m${m.nextName++}`;
      push({ op: 'mmap', pid, name, pages: FUZZ_FILE.pages, shared: true, file: true });
      r = p.maps.get(name)!;
      page = rng.below(r.pages);
      return true;
    };
    switch (kind) {
      case 'munmap':
        // D38527: the page resident in the first object but not mapped (PROT_NONE and back
        // removes the translation, not the page), so the read takes the fault's fast path.
        if (rng.chance(0.6)) {
          push({ op: 'write', pid, name, page, word, value: rng.next() });
          push({ op: 'mprotect', pid, name, prot: 'none' });
          push({ op: 'mprotect', pid, name, prot: 'rw' });
        }
        threads(pid, 1);
        return { op: 'race_munmap', pid, name, page, word };
      case 'fork3': {
        if (pids.length >= 4) return undefined;
        threads(pid, 2);
        // Thread 1 writes the page first: its CPU's TLB caches a writable translation.
        push({ op: 'write', pid, name, page, word: 0, value: rng.next(), tid: 1 });
        push({ op: 'race_fork3', pid, child: m.nextPid++, name, page, word1: 0, value1: rng.next(), word2: 1, value2: rng.next() });
        // The parent reads back what its own thread wrote last.
        return { op: 'read', pid, name, page, word: 0 };
      }
      case 'mremap': {
        // CVE-2018-18281: a file page in thread 1's TLB, the mapping moved over a fresh
        // anonymous one, the file truncated and its page taken by another process.
        if ((r.file && r.prot.some((x) => x !== r.prot[0])) || !fileRegion()) return undefined;
        const first = r.addr / 4096;
        for (let i = 0; i < r.pages; i++) if (p.keys.has(first + i)) return undefined;
        let by = others.length > 0 ? rng.pick(others) : undefined;
        if (by === undefined) {
          if (pids.length >= 4) return undefined;
          by = m.nextPid++;
          push({ op: 'spawn', pid: by });
        }
        if (m.procs.get(by)!.maps.size >= 6) return undefined;
        const to = `m${m.nextName++}`;
        push({ op: 'mmap', pid, name: to, pages: r.pages, shared: false, file: false });
        const byName = `m${m.nextName++}`;
        push({ op: 'mmap', pid: by, name: byName, pages: 1, shared: false, file: false });
        threads(pid, 1);
        push({ op: 'read', pid, name, page, word: 0, tid: 1 });
        return { op: 'race_mremap', pid, name, to, by, byName, value: rng.next(), page };
      }
      case 'mrelease': {
        if (others.length === 0) return undefined;
        // Private anonymous pages written: what exit_mmap frees and the reaper walks.
        if (!r.shared && !r.file) for (let i = 0; i < Math.min(r.pages, 2); i++) push({ op: 'write', pid, name, page: i, word: 0, value: rng.next() });
        return { op: 'race_mrelease', pid, by: rng.pick(others) };
      }
      case 'clean': {
        // The uvm_map_clean deadlock: a fault on a file page not resident (it busies the page
        // and sleeps for I/O), msync flushing the range, an mmap queued for the write lock.
        if (!fileRegion()) return undefined;
        if (rng.chance(0.6)) push({ op: 'pageout', pid, name });
        threads(pid, 2);
        return { op: 'race_clean', pid, name, page, word, fresh: `m${m.nextName++}` };
      }
      case 'collapse': {
        // D6085: the region's page `page` only in the object a first child c2 shares (on
        // swap), the parent's write of another page gives it a shadow that a second child c3
        // shares; c3's read pages in while c2 exits and the parent's fork collapses the shadow.
        if (r.shared || r.file || r.inherit === 'share' || r.pages < 2 || pids.length > 1) return undefined;
        const other = page === 0 ? 1 : page - 1;
        threads(pid, 1);
        push({ op: 'write', pid, name, page: other, word: 0, value: rng.next() });
        push({ op: 'write', pid, name, page, word, value: rng.next() });
        push({ op: 'pageout', pid, name, page, len: 1 });
        const c2 = m.nextPid++;
        push({ op: 'fork', pid, child: c2 });
        push({ op: 'write', pid, name, page: other, word: 0, value: rng.next() });
        const c3 = m.nextPid++;
        push({ op: 'fork', pid, child: c3 });
        threads(c3, 1);
        return { op: 'race_collapse', pid, c2, c3, c4: m.nextPid++, name, page, word };
      }
      case 'cow': {
        // Dirty COW: a shared view of the file, then the forced write racing MADV_DONTNEED on a
        // private read-only mapping of it; the view read back shows whether the file changed.
        if (!fileRegion()) return undefined;
        threads(pid, 1);
        push({ op: 'race_cow', pid, fresh: `m${m.nextName++}`, word, value: rng.next() });
        return { op: 'read', pid, name, page: 0, word };
      }
    }
  };
  while (ops.length < n) {
    const pids = live();
    if (pids.length === 0 || (pids.length < 4 && rng.chance(0.03))) {
      push({ op: 'spawn', pid: m.nextPid++ });
      continue;
    }
    const pid = rng.pick(pids);
    const p = m.procs.get(pid)!;
    const rs = regions(pid);
    const roll = rng.below(100);
    if (rs.length === 0 || roll < 8) {
      if (rs.length >= 6) continue;
      const file = !m.revoked && rng.chance(0.2);
      const name = `m${m.nextName++}`;
      let pages = file ? FUZZ_FILE.pages : 1 + rng.below(8);
      const shared = file || rng.chance(0.2);
      // Address reuse: MAP_FIXED at the start of a range this process unmapped, as long as it is free.
      if (p.freed.size > 0 && rng.chance(0.5)) {
        const at = rng.pick([...p.freed]);
        let run = 0;
        while (p.freed.has(at + run)) run++;
        if (!file) pages = 1 + rng.below(Math.min(run, 8));
        if (pages <= run) {
          push({ op: 'mmap', pid, name, pages, shared, file, at: at * 4096 });
          continue;
        }
      }
      push({ op: 'mmap', pid, name, pages, shared, file });
      continue;
    }
    const [name, r] = rng.pick(rs);
    const page = rng.below(r.pages);
    const word = rng.below(WORDS);
    const value = () => (arm && rng.chance(0.5) ? rng.pick(ARM64_WORDS) : rng.next());
    let op: FuzzOp;
    if (roll < 34) op = { op: 'write', pid, name, page, word, value: value() };
    else if (roll < 58) op = arm && rng.chance(0.4) ? { op: 'fetch', pid, name, page, word } : { op: 'read', pid, name, page, word };
    else if (roll < 60) {
      if (r.file) continue;
      const inherit = rng.pick(['share', 'share', 'copy'] as const);
      if (inherit === 'share' && pids.length < 4 && rng.chance(0.5)) {
        // Swarm bias toward the shared-shadow case (FreeBSD-SA-21:08): map the page, share
        // the region with a new child, let the child write it, and read it back here.
        push({ op: 'minherit', pid, name, inherit });
        push({ op: 'read', pid, name, page, word });
        const child = m.nextPid++;
        push({ op: 'fork', pid, child });
        push({ op: 'write', pid: child, name, page, word, value: value() });
        op = { op: 'read', pid, name, page, word };
      } else op = { op: 'minherit', pid, name, inherit };
    } else if (roll < 63) op = { op: 'munmap', pid, name };
    else if (roll < 67) {
      const prot = arm ? rng.pick(['none', 'r', 'rw', 'rx', 'rwx'] as const) : rng.pick(['none', 'r', 'rw', 'rw'] as const);
      if (rng.chance(0.5) && r.pages > 1) {
        const pg = rng.below(r.pages);
        op = { op: 'mprotect', pid, name, prot, page: pg, pages: 1 + rng.below(r.pages - pg) };
      } else op = { op: 'mprotect', pid, name, prot };
    } else if (roll < 71) {
      if (pids.length >= 4) continue;
      op = { op: 'fork', pid, child: m.nextPid++ };
    } else if (roll < 73) {
      if (pids.length <= 1) continue;
      op = { op: 'exit', pid };
    } else if (roll < 75) op = { op: 'swapout', pid };
    else if (roll < 79) {
      const k = rng.below(3);
      if (k === 0) op = { op: 'pageout', pid, name };
      else if (k === 1) {
        const pg = rng.below(r.pages);
        op = { op: 'pageout', pid, name, page: pg, len: 1 + rng.below(r.pages - pg) };
      } else op = { op: 'pageout', pages: 1 + rng.below(8) };
    } else if (roll < 82) op = { op: 'madvise', pid, name, advice: rng.pick(['dontneed', 'free', 'free', 'willneed'] as const) };
    else if (roll < 84) {
      if (r.file && m.revoked) continue;
      op = { op: 'msync', pid, name, invalidate: rng.chance(0.7) };
    } else if (roll < 89) {
      if (arm) op = { op: 'guard', pid, name };
      else if (arch !== 'amd64') continue;
      else if (rng.chance(0.5)) {
        const key = 1 + rng.below(4);
        op = { op: 'key', pid, name, key, persist: rng.chance(0.3) };
        if (rng.chance(0.4)) {
          // Swarm bias toward key lifetimes (T1.15–T1.21): a key set on a region, then one
          // removal, then an access its rights deny. A physical removal (PROT_NONE and back,
          // msync MS_INVALIDATE, swapout) keeps the key; a logical one (munmap) drops it unless
          // persistent, seen through a MAP_FIXED mapping over the same range. The region is
          // sometimes a fresh one never touched (an entry without an object).
          let [n, reg] = [name, r];
          if (rng.chance(0.3) && rs.length < 6) {
            n = `m${m.nextName++}`;
            push({ op: 'mmap', pid, name: n, pages: 1 + rng.below(4), shared: false, file: false });
            reg = m.procs.get(pid)!.maps.get(n)!;
          }
          push({ ...op, name: n });
          const path = rng.below(4);
          if (path === 0) {
            push({ op: 'mprotect', pid, name: n, prot: 'none' });
            push({ op: 'mprotect', pid, name: n, prot: 'rw' });
          } else if (path === 1) push({ op: 'msync', pid, name: n, invalidate: true });
          else if (path === 2) push({ op: 'swapout', pid });
          else {
            if (rng.chance(0.5)) push({ op: 'swapout', pid });
            const again = `m${m.nextName++}`;
            push({ op: 'munmap', pid, name: n });
            push({ op: 'mmap', pid, name: again, pages: reg.pages, shared: false, file: false, at: reg.addr });
            n = again;
          }
          push({ op: 'pkey', pid, key, deny: rng.pick(['write', 'access', 'all'] as const) });
          const pg = rng.below(reg.pages);
          op = rng.chance(0.5) ? { op: 'write', pid, name: n, page: pg, word: 0, value: value() } : { op: 'read', pid, name: n, page: pg, word: 0 };
        }
      } else op = { op: 'pkey', pid, key: 1 + rng.below(4), deny: rng.pick(['none', 'none', 'write', 'access', 'all'] as const) };
    } else if (roll < 90) {
      if (p.pkru.length > 1 || !rng.chance(0.3)) continue;
      op = { op: 'execve', pid };
    } else if (roll < 97) {
      if (!conc) continue;
      const kind = rng.below(3 + extra.length);
      if (kind === 0) {
        if (pids.length >= 4) continue;
        let t = page;
        if (!r.shared && !r.file && r.pages >= 4 && rng.chance(0.6)) {
          // Swarm bias toward the split race (D15293): pages behind the target on swap, one
          // of them back in clean, one resident page before them, and the entry clipped after
          // the target so the object backs two entries and fork splits it.
          t = 1 + rng.below(r.pages - 2);
          const lo = Math.max(0, t - 2);
          for (let i = lo; i <= t; i++) push({ op: 'write', pid, name, page: i, word: 0, value: rng.next() });
          push({ op: 'pageout', pid, name, page: lo, len: t - lo + 1 });
          push({ op: 'read', pid, name, page: lo, word: 0 });
          if (t > lo) push({ op: 'pageout', pid, name, page: lo + 1, len: t - lo });
          if (lo > 0) push({ op: 'write', pid, name, page: lo - 1, word: 0, value: rng.next() });
          push({ op: 'mprotect', pid, name, prot: 'r', page: t + 1, pages: r.pages - t - 1 });
        }
        if (p.pkru.length < 2) push({ op: 'thread', pid });
        op = { op: 'race_fork', pid, child: m.nextPid++, name, page: t, word: 0, value: value() };
      } else if (kind === 1) {
        if (!r.file || m.revoked) continue;
        op = { op: 'race_revoke', pid, name };
      } else if (kind === 2) {
        const others = pids.filter((x) => x !== pid);
        if (others.length === 0 || (r.file && m.revoked)) continue;
        op = { op: 'race_exit', pid, by: rng.pick(others), name, page, word };
      } else {
        const got = raceOp(extra[kind - 3]!, pid, pids, name, page, word);
        if (got === undefined) continue;
        op = got;
      }
    } else {
      if (m.revoked || rng.chance(0.7)) continue;
      op = { op: 'revoke' };
    }
    push(op);
  }
  return ops;
}
