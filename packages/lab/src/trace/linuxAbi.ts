/**
 * The Linux (x86-64 and arm64 generic) values a trace records, by name: strace prints names, lackey prints
 * numbers. Sources: include/uapi/asm-generic/mman-common.h, mman.h, arch/x86/include/uapi/asm/mman.h,
 * include/uapi/linux/sched.h.
 */

type Table = readonly (readonly [string, number])[];

export const PROT_BITS: Table = [
  ['PROT_NONE', 0],
  ['PROT_READ', 0x1],
  ['PROT_WRITE', 0x2],
  ['PROT_EXEC', 0x4],
  ['PROT_SEM', 0x8],
  ['PROT_BTI', 0x10],
  ['PROT_MTE', 0x20],
  ['PROT_GROWSDOWN', 0x01000000],
  ['PROT_GROWSUP', 0x02000000],
];

export const MAP_BITS: Table = [
  ['MAP_SHARED', 0x01],
  ['MAP_PRIVATE', 0x02],
  ['MAP_FIXED', 0x10],
  ['MAP_ANONYMOUS', 0x20],
  ['MAP_32BIT', 0x40],
  ['MAP_GROWSDOWN', 0x100],
  ['MAP_DENYWRITE', 0x800],
  ['MAP_EXECUTABLE', 0x1000],
  ['MAP_LOCKED', 0x2000],
  ['MAP_NORESERVE', 0x4000],
  ['MAP_POPULATE', 0x8000],
  ['MAP_NONBLOCK', 0x10000],
  ['MAP_STACK', 0x20000],
  ['MAP_HUGETLB', 0x40000],
  ['MAP_SYNC', 0x80000],
  ['MAP_FIXED_NOREPLACE', 0x100000],
];

export const MADV_VALUES: Table = [
  ['MADV_NORMAL', 0],
  ['MADV_RANDOM', 1],
  ['MADV_SEQUENTIAL', 2],
  ['MADV_WILLNEED', 3],
  ['MADV_DONTNEED', 4],
  ['MADV_FREE', 8],
  ['MADV_REMOVE', 9],
  ['MADV_DONTFORK', 10],
  ['MADV_DOFORK', 11],
  ['MADV_MERGEABLE', 12],
  ['MADV_UNMERGEABLE', 13],
  ['MADV_HUGEPAGE', 14],
  ['MADV_NOHUGEPAGE', 15],
  ['MADV_DONTDUMP', 16],
  ['MADV_DODUMP', 17],
  ['MADV_WIPEONFORK', 18],
  ['MADV_KEEPONFORK', 19],
  ['MADV_COLD', 20],
  ['MADV_PAGEOUT', 21],
  ['MADV_POPULATE_READ', 22],
  ['MADV_POPULATE_WRITE', 23],
  ['MADV_DONTNEED_LOCKED', 24],
  ['MADV_COLLAPSE', 25],
  ['MADV_HWPOISON', 100],
  ['MADV_SOFT_OFFLINE', 101],
];

export const MREMAP_BITS: Table = [
  ['MREMAP_MAYMOVE', 1],
  ['MREMAP_FIXED', 2],
  ['MREMAP_DONTUNMAP', 4],
];

export const MS_BITS: Table = [
  ['MS_ASYNC', 1],
  ['MS_INVALIDATE', 2],
  ['MS_SYNC', 4],
];

export const MCL_BITS: Table = [
  ['MCL_CURRENT', 1],
  ['MCL_FUTURE', 2],
  ['MCL_ONFAULT', 4],
];

export const MLOCK_BITS: Table = [['MLOCK_ONFAULT', 1]];

export const PKEY_BITS: Table = [
  ['PKEY_DISABLE_ACCESS', 1],
  ['PKEY_DISABLE_WRITE', 2],
];

/** The clone flags the reader acts on. */
export const CLONE_VM = 0x100;
export const CLONE_VFORK = 0x4000;
export const CLONE_THREAD = 0x10000;

const CLONE_NAMES: Table = [
  ['CLONE_VM', CLONE_VM],
  ['CLONE_FS', 0x200],
  ['CLONE_FILES', 0x400],
  ['CLONE_SIGHAND', 0x800],
  ['CLONE_PIDFD', 0x1000],
  ['CLONE_PTRACE', 0x2000],
  ['CLONE_VFORK', CLONE_VFORK],
  ['CLONE_PARENT', 0x8000],
  ['CLONE_THREAD', CLONE_THREAD],
  ['CLONE_NEWNS', 0x20000],
  ['CLONE_SYSVSEM', 0x40000],
  ['CLONE_SETTLS', 0x80000],
  ['CLONE_PARENT_SETTID', 0x100000],
  ['CLONE_CHILD_CLEARTID', 0x200000],
  ['CLONE_DETACHED', 0x400000],
  ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000],
];

/** Names of the bits set in `value` (unknown bits as one hex number). */
export function bitNames(table: Table, value: number): string[] {
  const out: string[] = [];
  let rest = value;
  for (const [name, bit] of table) {
    if (bit !== 0 && (rest & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out;
}

/** The name of a value in an enumeration table, or the number as text. */
export function valueName(table: Table, value: number): string {
  for (const [name, v] of table) if (v === value) return name;
  return String(value);
}

/** The value of a name (or a number written as one), or undefined. */
function nameValue(table: Table, name: string): number | undefined {
  for (const [n, v] of table) if (n === name) return v;
  const num = parseNumber(name);
  return num;
}

/**
 * Parse `A|B|0x40` (strace) into names; numbers that match a known bit set are turned into names.
 * Returns undefined when a part is neither a known name nor a number.
 */
export function parseFlagNames(table: Table, text: string): string[] | undefined {
  const t = text.trim();
  if (t === '0') return [];
  const out: string[] = [];
  for (const part of t.split('|')) {
    const p = part.trim();
    if (table.some(([n]) => n === p)) {
      out.push(p);
      continue;
    }
    const num = parseNumber(p);
    if (num === undefined) return undefined;
    out.push(...bitNames(table, num));
  }
  return out;
}

/** The numeric value of flag names (as parsed by `parseFlagNames`). */
export function flagValue(table: Table, names: readonly string[]): number {
  let v = 0;
  for (const n of names) v |= nameValue(table, n) ?? 0;
  return v;
}

/** vm_prot bits (read 1, write 2, execute 4) of a Linux protection value. */
export function vmProt(linuxProt: number): number {
  return linuxProt & 7;
}

/** Clone flag names from a value. */
export function cloneNames(value: number): string[] {
  return bitNames(CLONE_NAMES, value & ~0xff);
}

/** Parse clone flags as strace prints them (`CLONE_VM|CLONE_VFORK|SIGCHLD`). */
export function parseCloneFlags(text: string): number | undefined {
  let v = 0;
  for (const part of text.split('|')) {
    const p = part.trim();
    const hit = CLONE_NAMES.find(([n]) => n === p);
    if (hit) v |= hit[1];
    else if (/^SIG[A-Z0-9]+$/.test(p)) continue;
    else {
      const num = parseNumber(p);
      if (num === undefined) return undefined;
      v |= num;
    }
  }
  return v;
}

/** A C integer as a trace prints it: decimal, `0x` hex, or NULL. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === 'NULL') return 0;
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}
