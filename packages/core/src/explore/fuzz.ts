/**
 * Random workloads for `vmlab fuzz`: an operation list drawn from a seeded generator, and a
 * shadow model that turns it into a scenario whose reads carry the values the semantics
 * determine (values written and read back, zero fill, copy-on-write isolation after fork,
 * shared mappings seen by every process, file fill, SIGSEGV on a write to a read-only
 * mapping, SIGBUS after revoke). A model mismatch is a failed expectation; invariants catch
 * the rest. Shrinking removes operations (delta debugging) and re-derives the expectations
 * from the model, so a shrunk file fails for a reason of the machine, not of the cut.
 */
import type { RunReport } from '../scenario/Runner.ts';
import { Prng } from './prng.ts';

export type FuzzOp =
  | { op: 'spawn'; pid: number }
  | { op: 'mmap'; pid: number; name: string; pages: number; shared: boolean; file: boolean }
  | { op: 'write'; pid: number; name: string; page: number; word: number; value: number }
  | { op: 'read'; pid: number; name: string; page: number; word: number }
  | { op: 'munmap'; pid: number; name: string }
  | { op: 'mprotect'; pid: number; name: string; prot: 'r' | 'rw' }
  | { op: 'fork'; pid: number; child: number }
  | { op: 'exit'; pid: number }
  | { op: 'swapout'; pid: number }
  | { op: 'pageout'; pid?: number; name?: string; pages?: number }
  | { op: 'madvise'; pid: number; name: string; advice: 'dontneed' | 'free' | 'willneed' }
  | { op: 'key'; pid: number; name: string; key: number }
  | { op: 'guard'; pid: number; name: string }
  | { op: 'revoke' };

export const FUZZ_FILE = { path: '/fuzz/f', pages: 4, fill: 0x0f0f0f0f };
const WORDS = 4;

/** A word's expected contents: known, or one of several (after MADV_FREE: kept or zero). */
type Cell = number | number[];

interface Store {
  cells: Map<number, Cell>;
  file: boolean;
}

interface Region {
  pages: number;
  prot: 'r' | 'rw';
  shared: boolean;
  file: boolean;
  store: Store;
}

interface Proc {
  maps: Map<string, Region>;
}

/** The model's state while it walks an operation list. */
class Model {
  procs = new Map<number, Proc>();
  fileStore: Store = { cells: new Map(), file: true };
  revoked = false;
  nextPid = 1;
  nextName = 0;

  read(r: Region, off: number): Cell {
    return r.store.cells.get(off) ?? (r.file ? FUZZ_FILE.fill : 0);
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Draws `n` operations valid in the model's state (the arch decides keys or guards). */
export function generateOps(rng: Prng, n: number, arch: string): FuzzOp[] {
  const m = new Model();
  const ops: FuzzOp[] = [];
  const live = () => [...m.procs.keys()];
  const regions = (pid: number) => [...m.procs.get(pid)!.maps.entries()];
  while (ops.length < n) {
    const pids = live();
    if (pids.length === 0 || (pids.length < 4 && rng.chance(0.03))) {
      const pid = m.nextPid++;
      m.procs.set(pid, { maps: new Map() });
      ops.push({ op: 'spawn', pid });
      continue;
    }
    const pid = rng.pick(pids);
    const rs = regions(pid);
    const roll = rng.below(100);
    if (rs.length === 0 || roll < 8) {
      if (rs.length >= 6) continue;
      const file = !m.revoked && rng.chance(0.2);
      const name = `m${m.nextName++}`;
      const pages = file ? FUZZ_FILE.pages : 1 + rng.below(4);
      const shared = file || rng.chance(0.2);
      apply(m, { op: 'mmap', pid, name, pages, shared, file });
      ops.push({ op: 'mmap', pid, name, pages, shared, file });
      continue;
    }
    const [name, r] = rng.pick(rs);
    const page = rng.below(r.pages);
    const word = rng.below(WORDS);
    let op: FuzzOp;
    if (roll < 38) op = { op: 'write', pid, name, page, word, value: rng.next() };
    else if (roll < 70) op = { op: 'read', pid, name, page, word };
    else if (roll < 73) op = { op: 'munmap', pid, name };
    else if (roll < 76) op = { op: 'mprotect', pid, name, prot: rng.chance(0.5) ? 'r' : 'rw' };
    else if (roll < 80) {
      if (pids.length >= 4) continue;
      op = { op: 'fork', pid, child: m.nextPid++ };
    } else if (roll < 82) {
      if (pids.length <= 1) continue;
      op = { op: 'exit', pid };
    } else if (roll < 85) op = { op: 'swapout', pid };
    else if (roll < 89) op = rng.chance(0.5) ? { op: 'pageout', pid, name } : { op: 'pageout', pages: 1 + rng.below(8) };
    else if (roll < 95) op = { op: 'madvise', pid, name, advice: rng.pick(['dontneed', 'free', 'free', 'willneed'] as const) };
    else if (roll < 98) op = arch === 'arm64' ? { op: 'guard', pid, name } : { op: 'key', pid, name, key: 1 + rng.below(4) };
    else {
      if (m.revoked || rng.chance(0.7)) continue;
      op = { op: 'revoke' };
    }
    apply(m, op);
    ops.push(op);
  }
  return ops;
}

/** Applies an operation to the model; false if it is not valid there (shrinking cut what it needs). */
function apply(m: Model, o: FuzzOp): boolean {
  if (o.op === 'spawn') {
    if (m.procs.has(o.pid)) return false;
    m.procs.set(o.pid, { maps: new Map() });
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
  if (o.op === 'mmap') {
    if (p.maps.has(o.name) || (o.file && m.revoked)) return false;
    p.maps.set(o.name, { pages: o.pages, prot: 'rw', shared: o.shared, file: o.file, store: o.file ? m.fileStore : { cells: new Map(), file: false } });
    return true;
  }
  if (o.op === 'fork') {
    if (m.procs.has(o.child)) return false;
    const maps = new Map<string, Region>();
    for (const [n, r] of p.maps) maps.set(n, r.shared ? { ...r } : { ...r, store: { cells: new Map(r.store.cells), file: r.store.file } });
    m.procs.set(o.child, { maps });
    m.nextPid = Math.max(m.nextPid, o.child + 1);
    return true;
  }
  if (o.op === 'exit') {
    m.procs.delete(o.pid);
    return true;
  }
  if (o.op === 'swapout' || o.op === 'pageout') return o.op === 'swapout' || o.name === undefined || p.maps.has(o.name);
  const r = p.maps.get(o.name);
  if (r === undefined) return false;
  switch (o.op) {
    case 'write':
      if (o.page >= r.pages) return false;
      if (r.prot === 'rw' && !(r.file && m.revoked)) r.store.cells.set(o.page * 4096 + o.word * 4, o.value >>> 0);
      return true;
    case 'read':
      return o.page < r.pages;
    case 'munmap':
      p.maps.delete(o.name);
      return true;
    case 'mprotect':
      r.prot = o.prot;
      return true;
    case 'madvise':
      // MADV_FREE on private anonymous memory: each word may keep its value or read as zero.
      if (o.advice === 'free' && !r.shared && !r.file) {
        for (const [k, v] of r.store.cells) {
          const alts = new Set<number>(typeof v === 'number' ? [v, 0] : [...v, 0]);
          r.store.cells.set(k, [...alts]);
        }
        // Unwritten words read as zero either way.
      }
      return true;
    case 'key':
    case 'guard':
      return true;
  }
  return true;
}

function expectOf(c: Cell): string {
  if (typeof c === 'number') return `{ value: ${hex(c)} }`;
  if (c.length === 1) return `{ value: ${hex(c[0]!)} }`;
  return `{ one_of: [${c.map((v) => ` { value: ${hex(v)} }`).join(',')} ] }`;
}

/**
 * The scenario of an operation list on a machine (YAML text): operations invalid in the
 * model's state are left out; reads and writes carry the model's expectation.
 */
export function scenarioText(ops: readonly FuzzOp[], machine: string, title: string, header: string[] = []): string {
  const m = new Model();
  const lines: string[] = [...header.map((h) => `# ${h}`), `name: ${JSON.stringify(title)}`, `machine: ${machine}`, 'files:', `  - { path: ${FUZZ_FILE.path}, size: ${FUZZ_FILE.pages} pages, fill: ${hex(FUZZ_FILE.fill)} }`, 'steps:'];
  for (const o of ops) {
    // The expectation is computed before the model applies the op.
    const p = 'pid' in o && o.pid !== undefined ? m.procs.get(o.pid) : undefined;
    const r = p !== undefined && 'name' in o && o.name !== undefined ? p.maps.get(o.name) : undefined;
    let line: string;
    switch (o.op) {
      case 'spawn':
        line = `spawn: { pid: ${o.pid} }`;
        break;
      case 'mmap':
        line = o.file
          ? `mmap: { pid: ${o.pid}, len: ${o.pages} pages, prot: rw, flags: [shared], file: ${FUZZ_FILE.path}, as: ${o.name} }`
          : `mmap: { pid: ${o.pid}, len: ${o.pages} pages, prot: rw, flags: [${o.shared ? 'shared' : 'private'}, anon], as: ${o.name} }`;
        break;
      case 'write': {
        if (r === undefined) continue;
        const exp = r.file && m.revoked ? '{ signal: SIGBUS }' : r.prot === 'r' ? '{ signal: SIGSEGV, code: SEGV_ACCERR }' : '{ ok: true }';
        line = `write: { pid: ${o.pid}, addr: ${o.name}+${hex(o.page * 4096 + o.word * 4)}, value: ${hex(o.value)}, expect: ${exp} }`;
        break;
      }
      case 'read': {
        if (r === undefined) continue;
        const exp = r.file && m.revoked ? '{ signal: SIGBUS }' : expectOf(m.read(r, o.page * 4096 + o.word * 4));
        line = `read: { pid: ${o.pid}, addr: ${o.name}+${hex(o.page * 4096 + o.word * 4)}, expect: ${exp} }`;
        break;
      }
      case 'munmap':
        if (r === undefined) continue;
        line = `munmap: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`;
        break;
      case 'mprotect':
        if (r === undefined) continue;
        line = `mprotect: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, prot: ${o.prot} }`;
        break;
      case 'fork':
        line = `fork: { pid: ${o.pid}, child: ${o.child}, expect: { ok: true } }`;
        break;
      case 'exit':
        line = `exit: { pid: ${o.pid}, expect: { ok: true } }\n  - wait: { pid: ${o.pid} }`;
        break;
      case 'swapout':
        line = `swapout: { pid: ${o.pid} }`;
        break;
      case 'pageout':
        if (o.pid === undefined) line = `pageout: { pages: ${o.pages ?? 1} }`;
        else if (r === undefined) continue;
        else line = `pageout: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages }`;
        break;
      case 'madvise':
        if (r === undefined) continue;
        line = `madvise: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, advice: ${o.advice} }`;
        break;
      case 'key':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: set_pkru, addr: ${o.name}, len: ${r.pages} pages, key: ${o.key} }`;
        break;
      case 'guard':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: guard_page, addr: ${o.name}, len: ${r.pages} pages }`;
        break;
      case 'revoke':
        line = `revoke: { file: ${FUZZ_FILE.path} }`;
        break;
    }
    if (!apply(m, o)) continue;
    lines.push(`  - ${line}`);
  }
  return `${lines.join('\n')}\n`;
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
 * removing any one operation loses the failure) whose scenario still fails with `sig`.
 */
export async function shrinkOps(ops: FuzzOp[], fails: (ops: FuzzOp[]) => Promise<boolean>): Promise<FuzzOp[]> {
  let cur = ops;
  let n = 2;
  while (cur.length >= 2) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && !reduced; i++) {
      const complement = [...cur.slice(0, i * size), ...cur.slice((i + 1) * size)];
      if (complement.length > 0 && (await fails(complement))) {
        cur = complement;
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
