/**
 * The shadow model of the fuzzer: what each process's memory, protection keys and guards
 * hold after an operation list, by the semantics alone (no machine), and the outcome each
 * read, write and fetch must then have.
 */
import { CALL_PADS, type Deny, FUZZ_FILE, type FuzzOp, type Prot } from './FuzzOp.ts';

/** Where the model places new mappings: upward; an address is reused only by an explicit `at`. */
const MAP_BASE = 0x20000000;
const PAGE = 4096;

/** A word's expected contents: known, or one of several (after MADV_FREE, or a racing write). */
export type Cell = number | number[];

interface Store {
  cells: Map<number, Cell>;
  file: boolean;
}

interface PageKey {
  key: number;
  persist: boolean;
}

export interface Region {
  addr: number;
  pages: number;
  prot: Prot[];
  shared: boolean;
  file: boolean;
  store: Store;
  guarded: boolean[];
  /** Set by minherit; otherwise shared regions are shared with a child and private ones copied. */
  inherit?: 'share' | 'copy';
}

export interface Proc {
  maps: Map<string, Region>;
  /** PKRU of each thread (index = tid). */
  pkru: number[];
  /** The pmap's keys by page number (va / 4096): they outlive a mapping when persistent. */
  keys: Map<number, PageKey>;
  /** Page numbers this process unmapped and has not mapped again (what `mmap at` may reuse). */
  freed: Set<number>;
}

/** The model's state while it walks an operation list. */
export class Model {
  procs = new Map<number, Proc>();
  fileStore: Store = { cells: new Map(), file: true };
  /** The file is gone: revoked, or truncated to 0 (`truncated` too). Accesses to its pages are SIGBUS. */
  revoked = false;
  truncated = false;
  nextPid = 1;
  nextName = 0;
  nextAddr = MAP_BASE;
  /**
   * abi linux: MADV_DONTNEED discards a private anonymous mapping's pages (zero on the next
   * access). The machine discards only those of the entry's own object, not those still in
   * an object shared with a fork child (MadviseFamily's known divergence), so a word may read
   * as before or as zero.
   */
  linux = false;

  read(r: Region, off: number): Cell {
    return r.store.cells.get(off) ?? (r.file ? FUZZ_FILE.fill : 0);
  }
}

export const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
export const alts = (c: Cell): number[] => (typeof c === 'number' ? [c] : c);
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
function forkProc(p: Proc, pkru: number): Proc {
  const keys = new Map<number, PageKey>();
  for (const [pn, k] of p.keys) keys.set(pn, { ...k });
  return { maps: forkRegions(p), pkru: [pkru], keys, freed: new Set(p.freed) };
}

/** The page numbers of a region. */
function pagesOf(r: Region): number[] {
  const first = r.addr / PAGE;
  return Array.from({ length: r.pages }, (_, i) => first + i);
}

/** A logical unmap (vm_map_delete): the range is free again, its non-persistent keys gone. */
function unmapRegion(p: Proc, name: string, r: Region): void {
  p.maps.delete(name);
  for (const pn of pagesOf(r)) {
    p.freed.add(pn);
    if (p.keys.get(pn)?.persist !== true) p.keys.delete(pn);
  }
}

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
    guarded: [...r.guarded],
    store: privateCopy ? { cells: new Map(r.store.cells), file: r.store.file } : r.store,
  };
}

function writeOk(m: Model, p: Proc, r: Region, page: number, tid: number): boolean {
  if (r.file && m.revoked) return false;
  if (!r.prot[page]!.includes('w')) return false;
  return denied(p, r, page, tid, true) === undefined;
}

/** The key denying the access, if the thread's PKRU denies it. */
function denied(p: Proc, r: Region, page: number, tid: number, write: boolean): number | undefined {
  const k = p.keys.get(r.addr / PAGE + page);
  if (k === undefined || k.key === 0) return undefined;
  const bits = ((p.pkru[tid] ?? 0) >>> (2 * k.key)) & 3;
  return (bits & 1) !== 0 || (write && (bits & 2) !== 0) ? k.key : undefined;
}

/** Applies an operation to the model; false if it is not valid there (shrinking cut what it needs). */
export function apply(m: Model, o: FuzzOp): boolean {
  if (o.op === 'spawn') {
    if (m.procs.has(o.pid)) return false;
    m.procs.set(o.pid, { maps: new Map(), pkru: [0], keys: new Map(), freed: new Set() });
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
      let addr: number;
      if (o.at !== undefined) {
        // MAP_FIXED over a range this process unmapped: every page must still be free.
        if (o.at % PAGE !== 0) return false;
        for (let i = 0; i < o.pages; i++) if (!p.freed.has(o.at / PAGE + i)) return false;
        for (let i = 0; i < o.pages; i++) p.freed.delete(o.at / PAGE + i);
        addr = o.at;
      } else {
        addr = m.nextAddr;
        m.nextAddr += (o.pages + 1) * PAGE;
      }
      p.maps.set(o.name, {
        addr,
        pages: o.pages,
        prot: Array<Prot>(o.pages).fill('rw'),
        shared: o.shared,
        file: o.file,
        store: o.file ? m.fileStore : { cells: new Map(), file: false },
        guarded: Array<boolean>(o.pages).fill(false),
      });
      return true;
    }
    case 'fork': {
      if (m.procs.has(o.child)) return false;
      m.procs.set(o.child, forkProc(p, p.pkru[0]!));
      m.nextPid = Math.max(m.nextPid, o.child + 1);
      return true;
    }
    case 'exit':
      m.procs.delete(o.pid);
      return true;
    case 'execve':
      if (p.pkru.length > 1) return false;
      for (const r of p.maps.values()) for (const pn of pagesOf(r)) p.freed.add(pn);
      p.maps.clear();
      p.keys.clear();
      p.pkru = [0];
      return true;
    case 'thread':
      // Threads are created in order: tid 1, then 2.
      if (p.pkru.length !== (o.tid ?? 1)) return false;
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
      const child = forkProc(p, p.pkru[1]!);
      if (ok) {
        p.maps.get(o.name)!.store.cells.set(off, o.value >>> 0);
        // The child copied the word before or after the write.
        if (!shares) child.maps.get(o.name)!.store.cells.set(off, [...new Set([...alts(old), o.value >>> 0])]);
      }
      m.procs.set(o.child, child);
      m.nextPid = Math.max(m.nextPid, o.child + 1);
      return true;
    }
    case 'race_munmap': {
      const r = p.maps.get(o.name);
      if (r === undefined || o.page >= r.pages || p.pkru.length < 2) return false;
      unmapRegion(p, o.name, r);
      return true;
    }
    case 'race_fork3': {
      const r = p.maps.get(o.name);
      if (r === undefined || o.page >= r.pages || o.word1 === o.word2 || p.pkru.length < 3 || m.procs.has(o.child)) return false;
      const off1 = o.page * 4096 + o.word1 * 4;
      const off2 = o.page * 4096 + o.word2 * 4;
      const old1 = m.read(r, off1);
      const old2 = m.read(r, off2);
      const ok1 = writeOk(m, p, r, o.page, 1);
      const ok2 = writeOk(m, p, r, o.page, 2);
      const shares = inheritOf(r) === 'share';
      // Thread 0 forks: the child's thread copies its PKRU.
      const child = forkProc(p, p.pkru[0]!);
      const mine = p.maps.get(o.name)!.store.cells;
      const theirs = child.maps.get(o.name)!.store.cells;
      // Both writes land in the parent; the child copied each word before or after its write.
      if (ok1) mine.set(off1, o.value1 >>> 0);
      if (ok2) mine.set(off2, o.value2 >>> 0);
      if (!shares) {
        if (ok1) theirs.set(off1, [...new Set([...alts(old1), o.value1 >>> 0])]);
        if (ok2) theirs.set(off2, [...new Set([...alts(old2), o.value2 >>> 0])]);
      }
      m.procs.set(o.child, child);
      m.nextPid = Math.max(m.nextPid, o.child + 1);
      return true;
    }
    case 'race_mremap': {
      const r = p.maps.get(o.name);
      const t = p.maps.get(o.to);
      const q = m.procs.get(o.by);
      const b = q?.maps.get(o.byName);
      if (r === undefined || t === undefined || q === undefined || b === undefined || o.to === o.name || o.by === o.pid) return false;
      if (!r.file || m.revoked || t.file || t.pages !== r.pages || b.file || o.page >= r.pages || p.pkru.length < 2) return false;
      // One area to move (mremap of a range over several is EFAULT), and no key or guard to carry.
      if (r.prot.some((x) => x !== r.prot[0]) || r.guarded.some((g) => g) || t.guarded.some((g) => g)) return false;
      if ([...pagesOf(r), ...pagesOf(t)].some((pn) => p.keys.has(pn))) return false;
      // The file mapping moves over `to` (MREMAP_FIXED unmaps it first) and takes its name;
      // its old range is free. The file is truncated to 0: every access to it is SIGBUS, as
      // after revoke. The other process's write lands.
      p.maps.delete(o.name);
      for (const pn of pagesOf(r)) p.freed.add(pn);
      p.maps.set(o.to, { ...r, addr: t.addr });
      m.revoked = true;
      m.truncated = true;
      if (writeOk(m, q, b, 0, 0)) b.store.cells.set(0, o.value >>> 0);
      return true;
    }
    case 'race_mrelease':
      if (!m.procs.has(o.by) || o.by === o.pid) return false;
      m.procs.delete(o.pid);
      return true;
    case 'race_clean': {
      const r = p.maps.get(o.name);
      if (r === undefined || !r.file || m.revoked || o.page >= r.pages || p.pkru.length < 3 || p.maps.has(o.fresh)) return false;
      p.maps.set(o.fresh, {
        addr: m.nextAddr,
        pages: 1,
        prot: ['rw'],
        shared: false,
        file: false,
        store: { cells: new Map(), file: false },
        guarded: [false],
      });
      m.nextAddr += 2 * PAGE;
      return true;
    }
    case 'race_collapse': {
      const r = p.maps.get(o.name);
      const c3 = m.procs.get(o.c3);
      const r3 = c3?.maps.get(o.name);
      if (r === undefined || c3 === undefined || r3 === undefined || o.page >= r.pages || o.page >= r3.pages || p.pkru.length < 2 || c3.pkru.length < 2)
        return false;
      if (!m.procs.has(o.c2) || new Set([o.pid, o.c2, o.c3]).size < 3 || m.procs.has(o.c4)) return false;
      // The reads change nothing; c2 exits and thread 1 of pid forks c4 (its PKRU is the child's).
      m.procs.delete(o.c2);
      m.procs.set(o.c4, forkProc(p, p.pkru[1]!));
      m.nextPid = Math.max(m.nextPid, o.c4 + 1);
      return true;
    }
    case 'race_cow': {
      if (m.revoked || p.pkru.length < 2 || p.maps.has(o.fresh)) return false;
      // The private mapping lives for the step only: MADV_DONTNEED drops the private copy the
      // forced write made, and the file is unchanged. Its page is free afterwards.
      p.freed.add(m.nextAddr / PAGE);
      m.nextAddr += 2 * PAGE;
      return true;
    }
    case 'race_revoke': {
      const r = p.maps.get(o.name);
      if (r === undefined || !r.file || m.revoked) return false;
      unmapRegion(p, o.name, r);
      m.revoked = true;
      return true;
    }
  }
  const r = p.maps.get(o.name);
  if (r === undefined) return false;
  switch (o.op) {
    case 'write':
      if (o.page >= r.pages || (o.tid ?? 0) >= p.pkru.length) return false;
      if (writeOk(m, p, r, o.page, o.tid ?? 0)) r.store.cells.set(o.page * 4096 + o.word * 4, o.value >>> 0);
      return true;
    case 'read':
      return o.page < r.pages && (o.tid ?? 0) < p.pkru.length;
    case 'fetch':
      return o.page < r.pages;
    case 'munmap':
      unmapRegion(p, o.name, r);
      return true;
    case 'msync':
      // Dirty file pages are written back (and with invalidate dropped clean): the data and
      // the keys stay. A revoked file mapping is not synced.
      return !(r.file && m.revoked);
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
      if (o.advice === 'dontneed' && m.linux && !r.shared && !r.file) for (const [k, v] of r.store.cells) r.store.cells.set(k, [...new Set([...alts(v), 0])]);
      return true;
    case 'key':
      for (const pn of pagesOf(r)) p.keys.set(pn, { key: o.key, persist: o.persist === true });
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
const segvKey = (k: number) => `{ signal: SIGSEGV, code: SEGV_ACCERR, pkey: ${k} }`;

const SEGV_ACCERR = '{ signal: SIGSEGV, code: SEGV_ACCERR }';

/** The outcomes a read may have (each a YAML flow expectation). */
export function readOutcomes(m: Model, p: Proc, r: Region, page: number, word: number, tid = 0): string[] {
  const k = denied(p, r, page, tid, false);
  // PROT_NONE: the entry refuses every access (on a revoked file mapping the replaced entry may answer first).
  if (r.prot[page] === 'none') return r.file && m.revoked && !m.truncated ? ['{ signal: SIGBUS }', SEGV_ACCERR] : [SEGV_ACCERR];
  if (r.file && m.revoked) return k === undefined ? ['{ signal: SIGBUS }'] : ['{ signal: SIGBUS }', segvKey(k)];
  if (k !== undefined) return [segvKey(k)];
  return alts(m.read(r, page * 4096 + word * 4)).map((v) => `{ value: ${hex(v)} }`);
}

export function readExpect(m: Model, p: Proc, r: Region, page: number, word: number, tid = 0): string {
  return oneOf(readOutcomes(m, p, r, page, word, tid));
}

/** Any of these outcomes, as one expectation. */
export const anyOf = (outcomes: string[]): string => oneOf(outcomes);

export function writeExpect(m: Model, p: Proc, r: Region, page: number, tid = 0): string {
  const k = denied(p, r, page, tid, true);
  // A truncated file keeps its mappings: the entry's protection is checked before the page is looked for.
  if (r.file && m.truncated && !r.prot[page]!.includes('w')) return SEGV_ACCERR;
  if (r.file && m.revoked) return k === undefined ? '{ signal: SIGBUS }' : oneOf(['{ signal: SIGBUS }', segvKey(k)]);
  // Read-only and key-denied at once: either check may report it first.
  if (!r.prot[page]!.includes('w')) return '{ signal: SIGSEGV, code: SEGV_ACCERR }';
  if (k !== undefined) return segvKey(k);
  return '{ ok: true }';
}

export function fetchExpect(m: Model, r: Region, page: number, word: number, addr: string): string {
  if (r.file && m.revoked) return '{ signal: SIGBUS }';
  if (!r.prot[page]!.includes('x')) return '{ signal: SIGSEGV, code: SEGV_ACCERR }';
  return oneOf(
    alts(m.read(r, page * 4096 + word * 4)).map((v) =>
      r.guarded[page] && !CALL_PADS.includes(v) ? `{ signal: SIGILL, code: ILL_ILLOPC, addr: ${addr} }` : `{ value: ${hex(v)} }`,
    ),
  );
}
