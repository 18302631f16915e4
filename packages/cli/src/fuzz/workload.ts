/**
 * Random workloads for `vmlab fuzz`: an operation list drawn from a seeded generator, and a
 * shadow model that turns it into a scenario whose steps carry the outcomes the semantics
 * determine:
 * - memory: values written and read back, zero fill, copy-on-write isolation after fork,
 *   shared mappings seen by every process, minherit (INHERIT_SHARE makes the child share
 *   the region, INHERIT_COPY gives parent and child copy-on-write copies), file fill, SIGSEGV on a write to a read-only
 *   page, SIGBUS after revoke (after MADV_FREE a word may be kept or zero);
 * - amd64 protection keys: the keys `sysarch set_pkru` assigns (with or without persist),
 *   each thread's PKRU set by `pkey_set` (a new thread copies its creator's), munmap
 *   dropping the keys of the range (no VA is ever reused, so a persistent key kept over an
 *   unmapped range is never seen again), fork copying keys and the forking thread's PKRU,
 *   execve clearing both, swapout keeping them; a read or write the rights deny is SIGSEGV
 *   with the key;
 * - arm64 BTI guards: `sysarch guard_page` over a region, kept by swapout and mprotect,
 *   copied by fork, dropped by munmap and execve; a `fetch` with `branch: call` onto a
 *   guarded executable page is SIGILL unless the word is a call landing pad.
 * `concurrent` steps race two kernel threads (a write fault against a fork of the same
 * process, a revoke against an munmap of a file mapping, a debugger's peek against exit);
 * the model asserts only what every interleaving gives (the child of a fork racing a
 * write may hold the old or the new word; a peek racing exit reads the word or EFAULT).
 * A model mismatch is a failed expectation; invariants catch the rest. Shrinking removes
 * operations (delta debugging) and re-derives the expectations from the model, so a shrunk
 * file fails for a reason of the machine, not of the cut; a concurrent operation carries the
 * schedule that made it fail.
 */
import { Prng, type RunReport } from '@vmlab/core';

export type Prot = 'r' | 'rw' | 'rx' | 'rwx';
export type Deny = 'none' | 'write' | 'access' | 'all';

export type FuzzOp =
  | { op: 'spawn'; pid: number }
  | { op: 'mmap'; pid: number; name: string; pages: number; shared: boolean; file: boolean }
  | { op: 'write'; pid: number; name: string; page: number; word: number; value: number }
  | { op: 'read'; pid: number; name: string; page: number; word: number }
  | { op: 'fetch'; pid: number; name: string; page: number; word: number }
  | { op: 'munmap'; pid: number; name: string }
  /** `page`/`pages`: a sub-range (it clips the entry); without them the whole region. */
  | { op: 'mprotect'; pid: number; name: string; prot: Prot; page?: number; pages?: number }
  | { op: 'fork'; pid: number; child: number }
  /** minherit of an anonymous region: what the next fork gives the child. */
  | { op: 'minherit'; pid: number; name: string; inherit: 'share' | 'copy' }
  | { op: 'exit'; pid: number }
  | { op: 'execve'; pid: number }
  | { op: 'thread'; pid: number }
  | { op: 'swapout'; pid: number }
  | { op: 'pageout'; pid?: number; name?: string; pages?: number; page?: number; len?: number }
  | { op: 'madvise'; pid: number; name: string; advice: 'dontneed' | 'free' | 'willneed' }
  | { op: 'key'; pid: number; name: string; key: number; persist?: boolean }
  | { op: 'pkey'; pid: number; key: number; deny: Deny }
  | { op: 'guard'; pid: number; name: string }
  | { op: 'revoke' }
  /** concurrent: thread 0 writes (tid 0), thread 1 forks the same process (tid 1). */
  | { op: 'race_fork'; pid: number; child: number; name: string; page: number; word: number; value: number; schedule?: number[] }
  /** concurrent: thread 0 revokes the file, thread 1 unmaps one of its mappings. */
  | { op: 'race_revoke'; pid: number; name: string; schedule?: number[] }
  /** concurrent: thread 0 is `by` peeking a word of `pid`, thread 1 is `pid` exiting. */
  | { op: 'race_exit'; pid: number; by: number; name: string; page: number; word: number; schedule?: number[] };

export const FUZZ_FILE = { path: '/fuzz/f', pages: 4, fill: 0x0f0f0f0f };
const WORDS = 4;
/** Where the model places mappings: upward, never reusing an address. */
const MAP_BASE = 0x20000000;
/** arm64 words that are landing pads for a call (BLR): BTI c, BTI jc, PACIASP. */
export const CALL_PADS = [0xd503245f, 0xd50324df, 0xd503233f];
const ARM64_WORDS = [...CALL_PADS, 0xd503249f, 0xd503201f];

/** A word's expected contents: known, or one of several (after MADV_FREE, or a racing write). */
type Cell = number | number[];

interface Store {
  cells: Map<number, Cell>;
  file: boolean;
}

interface PageKey {
  key: number;
  persist: boolean;
}

interface Region {
  addr: number;
  pages: number;
  prot: Prot[];
  shared: boolean;
  file: boolean;
  store: Store;
  /** The key recorded for each page (the pmap's, per process). */
  keys: (PageKey | undefined)[];
  guarded: boolean[];
  /** Set by minherit; otherwise shared regions are shared with a child and private ones copied. */
  inherit?: 'share' | 'copy';
}

interface Proc {
  maps: Map<string, Region>;
  /** PKRU of each thread (index = tid). */
  pkru: number[];
}

/** The model's state while it walks an operation list. */
class Model {
  procs = new Map<number, Proc>();
  fileStore: Store = { cells: new Map(), file: true };
  revoked = false;
  nextPid = 1;
  nextName = 0;
  nextAddr = MAP_BASE;

  read(r: Region, off: number): Cell {
    return r.store.cells.get(off) ?? (r.file ? FUZZ_FILE.fill : 0);
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const alts = (c: Cell): number[] => (typeof c === 'number' ? [c] : c);
const DENY_BITS: Record<Deny, number> = { none: 0, access: 1, write: 2, all: 3 };

const inheritOf = (r: Region): 'share' | 'copy' => r.inherit ?? (r.shared ? 'share' : 'copy');

/** Whether another live process maps the same store (minherit copy would leave it reading through). */
function storeShared(m: Model, pid: number, r: Region): boolean {
  for (const [q, pr] of m.procs) for (const x of pr.maps.values()) if (x.store === r.store && (q !== pid || x !== r)) return true;
  return false;
}

/**
 * fork of a region (vmspace_fork): INHERIT_SHARE shares it; INHERIT_COPY makes both
 * entries copy-on-write (vm_map_copy_entry), so parent and child each keep a private view.
 */
function forkRegions(p: Proc): Map<string, Region> {
  const maps = new Map<string, Region>();
  for (const [n, r] of p.maps) {
    if (inheritOf(r) === 'share') maps.set(n, copyRegion(r, false));
    else {
      maps.set(n, copyRegion(r, true));
      if (!r.file) p.maps.set(n, copyRegion(r, true));
    }
  }
  return maps;
}

function copyRegion(r: Region, privateCopy: boolean): Region {
  return {
    ...r,
    prot: [...r.prot],
    keys: r.keys.map((k) => (k === undefined ? undefined : { ...k })),
    guarded: [...r.guarded],
    store: privateCopy ? { cells: new Map(r.store.cells), file: r.store.file } : r.store,
  };
}

/** Draws `n` operations valid in the model's state (the arch decides keys or guards). */
export function generateOps(rng: Prng, n: number, arch: string, opts: { concurrent?: boolean } = {}): FuzzOp[] {
  const m = new Model();
  const ops: FuzzOp[] = [];
  const arm = arch === 'arm64';
  const conc = opts.concurrent !== false;
  const live = () => [...m.procs.keys()];
  const regions = (pid: number) => [...m.procs.get(pid)!.maps.entries()];
  const push = (op: FuzzOp) => {
    apply(m, op);
    ops.push(op);
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
      const pages = file ? FUZZ_FILE.pages : 1 + rng.below(8);
      const shared = file || rng.chance(0.2);
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
    }
    else if (roll < 63) op = { op: 'munmap', pid, name };
    else if (roll < 67) {
      const prot = arm ? rng.pick(['r', 'rw', 'rx', 'rwx'] as const) : rng.pick(['r', 'rw'] as const);
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
    } else if (roll < 84) op = { op: 'madvise', pid, name, advice: rng.pick(['dontneed', 'free', 'free', 'willneed'] as const) };
    else if (roll < 89) {
      if (arm) op = { op: 'guard', pid, name };
      else if (rng.chance(0.5)) op = { op: 'key', pid, name, key: 1 + rng.below(4), persist: rng.chance(0.3) };
      else op = { op: 'pkey', pid, key: 1 + rng.below(4), deny: rng.pick(['none', 'none', 'write', 'access', 'all'] as const) };
    } else if (roll < 90) {
      if (p.pkru.length > 1 || !rng.chance(0.3)) continue;
      op = { op: 'execve', pid };
    } else if (roll < 97) {
      if (!conc) continue;
      const kind = rng.below(3);
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
      } else {
        const others = pids.filter((x) => x !== pid);
        if (others.length === 0 || (r.file && m.revoked)) continue;
        op = { op: 'race_exit', pid, by: rng.pick(others), name, page, word };
      }
    } else {
      if (m.revoked || rng.chance(0.7)) continue;
      op = { op: 'revoke' };
    }
    push(op);
  }
  return ops;
}

function writeOk(m: Model, p: Proc, r: Region, page: number, tid: number): boolean {
  if (r.file && m.revoked) return false;
  if (!r.prot[page]!.includes('w')) return false;
  return denied(p, r, page, tid, true) === undefined;
}

/** The key denying the access, if the thread's PKRU denies it. */
function denied(p: Proc, r: Region, page: number, tid: number, write: boolean): number | undefined {
  const k = r.keys[page];
  if (k === undefined || k.key === 0) return undefined;
  const bits = ((p.pkru[tid] ?? 0) >>> (2 * k.key)) & 3;
  return (bits & 1) !== 0 || (write && (bits & 2) !== 0) ? k.key : undefined;
}

/** Applies an operation to the model; false if it is not valid there (shrinking cut what it needs). */
function apply(m: Model, o: FuzzOp): boolean {
  if (o.op === 'spawn') {
    if (m.procs.has(o.pid)) return false;
    m.procs.set(o.pid, { maps: new Map(), pkru: [0] });
    m.nextPid = Math.max(m.nextPid, o.pid + 1);
    return true;
  }
  if (o.op === 'revoke') {
    if (m.revoked) return false;
    m.revoked = true;
    return true;
  }
  if (o.op === 'pageout' && o.pid === undefined) return true;
  const p = m.procs.get(o.pid!);
  if (p === undefined) return false;
  switch (o.op) {
    case 'mmap': {
      if (p.maps.has(o.name) || (o.file && m.revoked)) return false;
      const addr = m.nextAddr;
      m.nextAddr += (o.pages + 1) * 4096;
      p.maps.set(o.name, {
        addr,
        pages: o.pages,
        prot: Array<Prot>(o.pages).fill('rw'),
        shared: o.shared,
        file: o.file,
        store: o.file ? m.fileStore : { cells: new Map(), file: false },
        keys: Array<PageKey | undefined>(o.pages).fill(undefined),
        guarded: Array<boolean>(o.pages).fill(false),
      });
      return true;
    }
    case 'fork': {
      if (m.procs.has(o.child)) return false;
      const maps = forkRegions(p);
      m.procs.set(o.child, { maps, pkru: [p.pkru[0]!] });
      m.nextPid = Math.max(m.nextPid, o.child + 1);
      return true;
    }
    case 'exit':
      m.procs.delete(o.pid);
      return true;
    case 'execve':
      if (p.pkru.length > 1) return false;
      p.maps.clear();
      p.pkru = [0];
      return true;
    case 'thread':
      if (p.pkru.length >= 2) return false;
      p.pkru.push(p.pkru[0]!);
      return true;
    case 'pkey':
      p.pkru[0] = ((p.pkru[0]! & ~(3 << (2 * o.key))) | (DENY_BITS[o.deny] << (2 * o.key))) >>> 0;
      return true;
    case 'swapout':
      return true;
    case 'pageout':
      if (o.name === undefined) return true;
      {
        const r = p.maps.get(o.name);
        return r !== undefined && (o.page === undefined || o.page + (o.len ?? 1) <= r.pages);
      }
    case 'race_exit': {
      const r = p.maps.get(o.name);
      if (r === undefined || o.page >= r.pages || !m.procs.has(o.by) || o.by === o.pid || (r.file && m.revoked)) return false;
      m.procs.delete(o.pid);
      return true;
    }
    case 'race_fork': {
      const r = p.maps.get(o.name);
      if (r === undefined || o.page >= r.pages || p.pkru.length < 2 || m.procs.has(o.child)) return false;
      const off = o.page * 4096 + o.word * 4;
      const old = m.read(r, off);
      const ok = writeOk(m, p, r, o.page, 0);
      const shares = inheritOf(r) === 'share';
      const maps = forkRegions(p);
      if (ok) {
        p.maps.get(o.name)!.store.cells.set(off, o.value >>> 0);
        // The child copied the word before or after the write.
        if (!shares) maps.get(o.name)!.store.cells.set(off, [...new Set([...alts(old), o.value >>> 0])]);
      }
      m.procs.set(o.child, { maps, pkru: [p.pkru[1]!] });
      m.nextPid = Math.max(m.nextPid, o.child + 1);
      return true;
    }
    case 'race_revoke': {
      const r = p.maps.get(o.name);
      if (r === undefined || !r.file || m.revoked) return false;
      p.maps.delete(o.name);
      m.revoked = true;
      return true;
    }
  }
  const r = p.maps.get(o.name);
  if (r === undefined) return false;
  switch (o.op) {
    case 'write':
      if (o.page >= r.pages) return false;
      if (writeOk(m, p, r, o.page, 0)) r.store.cells.set(o.page * 4096 + o.word * 4, o.value >>> 0);
      return true;
    case 'read':
    case 'fetch':
      return o.page < r.pages;
    case 'munmap':
      p.maps.delete(o.name);
      return true;
    case 'minherit':
      if (r.file || (o.inherit === 'copy' && storeShared(m, o.pid, r))) return false;
      r.inherit = o.inherit;
      return true;
    case 'mprotect': {
      const from = o.page ?? 0;
      const len = o.pages ?? r.pages - from;
      if (from + len > r.pages) return false;
      for (let i = from; i < from + len; i++) r.prot[i] = o.prot;
      return true;
    }
    case 'madvise':
      // MADV_FREE on private anonymous memory: each word may keep its value or read as zero.
      if (o.advice === 'free' && !r.shared && !r.file) {
        for (const [k, v] of r.store.cells) r.store.cells.set(k, [...new Set([...alts(v), 0])]);
        // Unwritten words read as zero either way.
      }
      return true;
    case 'key':
      for (let i = 0; i < r.pages; i++) r.keys[i] = { key: o.key, persist: o.persist === true };
      return true;
    case 'guard':
      r.guarded.fill(true);
      return true;
  }
  return true;
}

function oneOf(outcomes: string[]): string {
  const u = [...new Set(outcomes)];
  return u.length === 1 ? u[0]! : `{ one_of: [${u.map((x) => ` ${x}`).join(',')} ] }`;
}

const valueOf = (c: Cell) => oneOf(alts(c).map((v) => `{ value: ${hex(v)} }`));
const segvKey = (k: number) => `{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: ${k} }`;

function readExpect(m: Model, p: Proc, r: Region, page: number, word: number, tid = 0): string {
  const k = denied(p, r, page, tid, false);
  if (r.file && m.revoked) return k === undefined ? '{ signal: SIGBUS }' : oneOf(['{ signal: SIGBUS }', segvKey(k)]);
  if (k !== undefined) return segvKey(k);
  return valueOf(m.read(r, page * 4096 + word * 4));
}

function writeExpect(m: Model, p: Proc, r: Region, page: number, tid = 0): string {
  const k = denied(p, r, page, tid, true);
  if (r.file && m.revoked) return k === undefined ? '{ signal: SIGBUS }' : oneOf(['{ signal: SIGBUS }', segvKey(k)]);
  // Read-only and key-denied at once: either check may report it first.
  if (!r.prot[page]!.includes('w')) return '{ signal: SIGSEGV, code: SEGV_ACCERR }';
  if (k !== undefined) return segvKey(k);
  return '{ ok: true }';
}

function fetchExpect(m: Model, r: Region, page: number, word: number, addr: string): string {
  if (r.file && m.revoked) return '{ signal: SIGBUS }';
  if (!r.prot[page]!.includes('x')) return '{ signal: SIGSEGV, code: SEGV_ACCERR }';
  return oneOf(
    alts(m.read(r, page * 4096 + word * 4)).map((v) =>
      r.guarded[page] && !CALL_PADS.includes(v) ? `{ signal: SIGILL, code: ILL_ILLOPC, addr: ${addr} }` : `{ value: ${hex(v)} }`,
    ),
  );
}

/** The scenario text of an operation list, and which ops it kept (invalid ones are left out). */
export function scenarioOf(ops: readonly FuzzOp[], machine: string, title: string, header: string[] = []): { text: string; kept: FuzzOp[] } {
  const m = new Model();
  const kept: FuzzOp[] = [];
  const lines: string[] = [...header.map((h) => `# ${h}`), `name: ${JSON.stringify(title)}`, `machine: ${machine}`, 'files:', `  - { path: ${FUZZ_FILE.path}, size: ${FUZZ_FILE.pages} pages, fill: ${hex(FUZZ_FILE.fill)} }`, 'steps:'];
  const sched = (s: number[] | undefined) => (s !== undefined && s.length > 0 ? `\n      schedule: [${s.join(', ')}]` : '');
  for (const o of ops) {
    // The expectation is computed before the model applies the op.
    const p = 'pid' in o && o.pid !== undefined ? m.procs.get(o.pid) : undefined;
    const r = p !== undefined && 'name' in o && o.name !== undefined ? p.maps.get(o.name) : undefined;
    const at = (page: number, word: number) => `${'name' in o ? o.name : ''}+${hex(page * 4096 + word * 4)}`;
    let line: string;
    switch (o.op) {
      case 'spawn':
        line = `spawn: { pid: ${o.pid} }`;
        break;
      case 'mmap': {
        const addr = hex(m.nextAddr);
        line = o.file
          ? `mmap: { pid: ${o.pid}, addr: ${addr}, len: ${o.pages} pages, prot: rw, flags: [shared], file: ${FUZZ_FILE.path}, as: ${o.name} }`
          : `mmap: { pid: ${o.pid}, addr: ${addr}, len: ${o.pages} pages, prot: rw, flags: [${o.shared ? 'shared' : 'private'}, anon], as: ${o.name} }`;
        break;
      }
      case 'write':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        line = `write: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, value: ${hex(o.value)}, expect: ${writeExpect(m, p, r, o.page)} }`;
        break;
      case 'read':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        line = `read: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, expect: ${readExpect(m, p, r, o.page, o.word)} }`;
        break;
      case 'fetch':
        if (r === undefined || o.page >= r.pages) continue;
        line = `fetch: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, branch: call, expect: ${fetchExpect(m, r, o.page, o.word, at(o.page, o.word))} }`;
        break;
      case 'munmap':
        if (r === undefined) continue;
        line = `munmap: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`;
        break;
      case 'mprotect':
        if (r === undefined) continue;
        line = `mprotect: { pid: ${o.pid}, addr: ${o.name}${o.page ? `+${o.page} pages` : ''}, len: ${o.pages ?? r.pages - (o.page ?? 0)} pages, prot: ${o.prot}, expect: { ok: true } }`;
        break;
      case 'fork':
        line = `fork: { pid: ${o.pid}, child: ${o.child}, expect: { ok: true } }`;
        break;
      case 'minherit':
        if (r === undefined) continue;
        line = `minherit: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, inherit: ${o.inherit}, expect: { ok: true } }`;
        break;
      case 'exit':
        line = `exit: { pid: ${o.pid}, expect: { ok: true } }\n  - wait: { pid: ${o.pid} }`;
        break;
      case 'execve':
        line = `execve: { pid: ${o.pid}, expect: { ok: true } }`;
        break;
      case 'thread':
        line = `thread: { pid: ${o.pid}, tid: 1 }`;
        break;
      case 'swapout':
        line = `swapout: { pid: ${o.pid} }`;
        break;
      case 'pageout':
        if (o.pid === undefined) line = `pageout: { pages: ${o.pages ?? 1} }`;
        else if (r === undefined) continue;
        else if (o.page !== undefined) line = `pageout: { pid: ${o.pid}, addr: ${o.name}${o.page ? `+${o.page} pages` : ''}, len: ${o.len ?? 1} pages }`;
        else line = `pageout: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages }`;
        break;
      case 'madvise':
        if (r === undefined) continue;
        line = `madvise: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, advice: ${o.advice} }`;
        break;
      case 'key':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: set_pkru, addr: ${o.name}, len: ${r.pages} pages, key: ${o.key}${o.persist ? ', flags: [persist]' : ''}, expect: { ok: true } }`;
        break;
      case 'pkey':
        line = `pkey_set: { pid: ${o.pid}, key: ${o.key}, deny: ${o.deny}, expect: { ok: true } }`;
        break;
      case 'guard':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: guard_page, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`;
        break;
      case 'revoke':
        line = `revoke: { file: ${FUZZ_FILE.path} }`;
        break;
      case 'race_fork':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        line = [
          'concurrent:',
          '      threads:',
          `        - - write: { pid: ${o.pid}, tid: 0, addr: ${at(o.page, o.word)}, value: ${hex(o.value)}, expect: ${writeExpect(m, p, r, o.page)} }`,
          `        - - fork: { pid: ${o.pid}, tid: 1, child: ${o.child}, expect: { ok: true } }`,
        ].join('\n') + sched(o.schedule);
        break;
      case 'race_revoke':
        if (r === undefined) continue;
        line = [
          'concurrent:',
          '      threads:',
          `        - - revoke: { file: ${FUZZ_FILE.path}, expect: { ok: true } }`,
          `        - - munmap: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`,
        ].join('\n') + sched(o.schedule);
        break;
      case 'race_exit': {
        if (r === undefined || o.page >= r.pages) continue;
        // A debugger's peek is not filtered by keys: the word, or EFAULT once exit emptied the map.
        const v = alts(m.read(r, o.page * 4096 + o.word * 4)).map((x) => `{ value: ${hex(x)} }`);
        line = [
          'concurrent:',
          '      threads:',
          `        - - peek: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, by: ${o.by}, expect: { one_of: [${[...new Set(v), '{ errno: EFAULT }'].map((x) => ` ${x}`).join(',')} ] } }`,
          `        - - exit: { pid: ${o.pid}, expect: { ok: true } }`,
        ].join('\n') + sched(o.schedule) + `\n  - wait: { pid: ${o.pid} }`;
        break;
      }
    }
    if (!apply(m, o)) continue;
    kept.push(o);
    lines.push(`  - ${line}`);
  }
  return { text: `${lines.join('\n')}\n`, kept };
}

/**
 * The scenario of an operation list on a machine (YAML text): operations invalid in the
 * model's state are left out; steps carry the model's expectation.
 */
export function scenarioText(ops: readonly FuzzOp[], machine: string, title: string, header: string[] = []): string {
  return scenarioOf(ops, machine, title, header).text;
}

export const isRace = (o: FuzzOp): o is Extract<FuzzOp, { schedule?: number[] }> => o.op === 'race_fork' || o.op === 'race_revoke' || o.op === 'race_exit';

/**
 * The operation list with these schedules (one per `concurrent` step that ran, in order)
 * attached to its concurrent operations; a concurrent operation past them loses its schedule.
 */
export function withOpSchedules(ops: readonly FuzzOp[], machine: string, schedules: readonly { schedule: number[] }[]): FuzzOp[] {
  const { kept } = scenarioOf(ops, machine, '');
  let k = 0;
  return kept.map((o) => {
    if (!isRace(o)) return o;
    const s = schedules[k++]?.schedule;
    const { schedule: _old, ...rest } = o;
    return s !== undefined ? { ...rest, schedule: [...s] } : rest;
  });
}

/** What went wrong in a run, as a signature shrinking keeps: the invariant, or the op whose expectation failed. */
export function failureSignature(r: RunReport): string | undefined {
  const v = r.violations[0];
  if (v !== undefined) return `invariant ${v.invariant}`;
  const f = r.failures[0];
  if (f !== undefined) return `expectation of ${f.op}`;
  if (r.error !== undefined) return 'error';
  return undefined;
}

/**
 * Delta debugging (Zeller's ddmin) over the operation list: the smallest list (1-minimal:
 * removing any one operation loses the failure) whose scenario still fails. `fails` may
 * return a replacement for the candidate (the same operations with the schedules that
 * made it fail).
 */
export async function shrinkOps(ops: FuzzOp[], fails: (ops: FuzzOp[]) => Promise<boolean | FuzzOp[]>): Promise<FuzzOp[]> {
  let cur = ops;
  let n = 2;
  while (cur.length >= 2) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && !reduced; i++) {
      const complement = [...cur.slice(0, i * size), ...cur.slice((i + 1) * size)];
      if (complement.length === 0) continue;
      const f = await fails(complement);
      if (f !== false) {
        cur = f === true ? complement : f;
        n = Math.max(n - 1, 2);
        reduced = true;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return cur;
}
