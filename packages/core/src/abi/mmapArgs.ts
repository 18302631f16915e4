import { PAGE_SIZE, VM_PROT_ALL } from './constants.ts';

/**
 * mmap's argument checks as each kernel makes them, before the map is touched: FreeBSD
 * `kern_mmap` (sys/vm/vm_mmap.c), Linux `ksys_mmap_pgoff` / `do_mmap` / `get_unmapped_area`
 * (mm/mmap.c, arch/x86/kernel/sys_x86_64.c), OpenBSD `sys_mmap` (sys/uvm/uvm_mmap.c).
 * Addresses, lengths and offsets are 64-bit unsigned values (bigint) so that `(void *)-1`
 * and wrapping ranges are checked exactly as the kernels check them.
 */

const U64 = (1n << 64n) - 1n;
const PAGE = BigInt(PAGE_SIZE);
const PMASK = PAGE - 1n;

/** The raw mmap flag bits of each ABI (sys/mman.h; Linux asm-generic/mman-common.h, x86). */
export const MMAP_FLAGS = {
  freebsd: {
    shared: 0x1,
    private: 0x2,
    fixed: 0x10,
    reserved0020: 0x20,
    reserved0040: 0x40,
    hassemaphore: 0x200,
    stack: 0x400,
    nosync: 0x800,
    anon: 0x1000,
    guard: 0x2000,
    excl: 0x4000,
    nocore: 0x20000,
    prefault_read: 0x40000,
    '32bit': 0x80000,
    alignment_mask: 0xff000000,
  },
  linux: {
    shared: 0x1,
    private: 0x2,
    shared_validate: 0x3,
    type: 0xf,
    fixed: 0x10,
    anon: 0x20,
    '32bit': 0x40,
    growsdown: 0x100,
    denywrite: 0x800,
    executable: 0x1000,
    locked: 0x2000,
    noreserve: 0x4000,
    populate: 0x8000,
    nonblock: 0x10000,
    stack: 0x20000,
    hugetlb: 0x40000,
    sync: 0x80000,
    excl: 0x100000,
    uninitialized: 0x4000000,
  },
  openbsd: {
    shared: 0x1,
    private: 0x2,
    fixed: 0x10,
    excl: 0x800,
    anon: 0x1000,
    nofault: 0x2000,
    stack: 0x4000,
    concealed: 0x8000,
    flagmask: 0xfff7,
  },
} as const;

/** Flag names a scenario may list, by ABI, and their bits. */
export const MMAP_FLAG_NAMES: Record<string, Record<string, number>> = {
  freebsd: {
    shared: 0x1,
    private: 0x2,
    fixed: 0x10,
    anon: 0x1000,
    excl: 0x4000,
    stack: 0x400,
    nosync: 0x800,
    nocore: 0x20000,
    guard: 0x2000,
    prefault_read: 0x40000,
  },
  openbsd: { shared: 0x1, private: 0x2, fixed: 0x10, anon: 0x1000, excl: 0x800, stack: 0x4000, concealed: 0x8000 },
  linux: {
    shared: 0x1,
    private: 0x2,
    shared_validate: 0x3,
    fixed: 0x10,
    anon: 0x20,
    excl: 0x100000,
    populate: 0x8000,
    locked: 0x2000,
    noreserve: 0x4000,
    stack: 0x20000,
    growsdown: 0x100,
    hugetlb: 0x40000,
  },
};

/** Linux LEGACY_MAP_MASK (include/linux/mman.h): the bits MAP_SHARED_VALIDATE accepts for any file. */
const LINUX_LEGACY_MAP_MASK =
  0x1 | 0x2 | 0x10 | 0x20 | 0x800 | 0x1000 | 0x4000000 | 0x100 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x40 | 0x80 | (21 << 26) | (30 << 26);

/** The user's mmap request in the ABI's encoding. */
export interface MmapRequest {
  /** The hint or fixed address (0 when none). */
  addr: bigint;
  len: bigint;
  /** PROT_* bits as the ABI encodes them (MD extra bits already split off). */
  prot: number;
  flags: number;
  /** Whether a file is named (fd != -1). */
  hasFile: boolean;
  offset: bigint;
}

/** What the checks leave for the map layer: page-aligned numbers and the decoded flags. */
export interface MmapPlan {
  shared: boolean;
  anon: boolean;
  fixed: boolean;
  /** Fail rather than replace (FreeBSD MAP_EXCL, Linux MAP_FIXED_NOREPLACE, OpenBSD __MAP_NOREPLACE). */
  noReplace: boolean;
  /** Linux MAP_POPULATE: prefault the range; MAP_LOCKED: lock it (both best effort). */
  populate: boolean;
  locked: boolean;
  /** VM_PROT_* bits. */
  prot: number;
  /** The entry's maximum protection (FreeBSD PROT_MAX; else all). */
  maxProt: number;
  /** The fixed start, or the page-aligned hint (0: none). */
  start: number;
  /** The mapping's size, a whole number of pages. */
  size: number;
  /** The page-aligned file offset in pages. */
  pindex: number;
  /** The file offset's position within its page: added to the returned address. */
  pageoff: number;
}

export type MmapCheck = { errno: string } | { plan: MmapPlan };

/** Map bounds the checks need: [min, max) of user space (the ABI's VM_MIN_ADDRESS and top). */
export interface MapBounds {
  min: number;
  max: number;
}

function fail(errno: string): MmapCheck {
  return { errno };
}

function plan(p: MmapPlan): MmapCheck {
  return { plan: p };
}

/** Checks an mmap request as the ABI's kernel does. */
export function mmapCheck(abi: string, r: MmapRequest, bounds: MapBounds): MmapCheck {
  if (abi === 'linux') return linuxMmap(r, bounds);
  if (abi === 'openbsd') return openbsdMmap(r, bounds);
  return freebsdMmap(r, bounds);
}

/** FreeBSD kern_mmap. */
function freebsdMmap(r: MmapRequest, b: MapBounds): MmapCheck {
  const F = MMAP_FLAGS.freebsd;
  // PROT_MAX(x) is x << 16; anything else is garbage.
  if ((r.prot & ~(VM_PROT_ALL | (VM_PROT_ALL << 16))) !== 0) return fail('EINVAL');
  const maxProt = (r.prot >>> 16) & VM_PROT_ALL;
  const prot = r.prot & VM_PROT_ALL;
  if (maxProt !== 0 && (maxProt & prot) !== prot) return fail('ENOTSUP');
  let flags = r.flags & ~(F.reserved0020 | F.reserved0040);
  if (r.len === 0n) return fail('EINVAL');
  if ((flags & F.anon) !== 0 && (r.hasFile || r.offset !== 0n)) return fail('EINVAL');
  if ((flags & F.stack) !== 0) {
    if (r.hasFile || (prot & 3) !== 3) return fail('EINVAL');
    flags |= F.anon;
  }
  const known =
    F.shared |
    F.private |
    F.fixed |
    F.hassemaphore |
    F.stack |
    F.nosync |
    F.anon |
    F.excl |
    F.nocore |
    F.prefault_read |
    F.guard |
    F['32bit'] |
    F.alignment_mask;
  if ((flags & ~known) >>> 0 !== 0) return fail('EINVAL');
  if ((flags & (F.excl | F.fixed)) === F.excl) return fail('EINVAL');
  if ((flags & (F.shared | F.private)) === (F.shared | F.private)) return fail('EINVAL');
  if ((flags & F.guard) !== 0) return fail('EINVAL'); // MAP_GUARD is not modelled (docs/abi/freebsd.md)
  const pageoff = r.offset & PMASK;
  const size = (r.len + pageoff + PMASK) & ~PMASK & U64;
  // Rounding up to zero (or past 2^64).
  if (r.len > size || r.len + pageoff + PMASK > U64) return fail('ENOMEM');
  const align = (flags & F.alignment_mask) >>> 0;
  if (align !== 0 && align !== 1 << 24 && (align >>> 24 >= 64 || align >>> 24 < 12)) return fail('EINVAL');
  const fixed = (flags & F.fixed) !== 0;
  let addr = r.addr;
  if (fixed) {
    addr = (addr - pageoff) & U64;
    if ((addr & PMASK) !== 0n) return fail('EINVAL');
    // vm_map_range_valid: no wrap, within [min, max].
    const end = addr + size;
    if (end > U64 || addr < BigInt(b.min) || end > BigInt(b.max)) return fail('EINVAL');
  }
  const anon = (flags & F.anon) !== 0;
  // fget_mmap: no descriptor. Then a file mapping must say shared or private; MAP_ANON
  // alone is private (vm_mmap_object).
  if (!anon && !r.hasFile) return fail('EBADF');
  if (!anon && (flags & (F.shared | F.private)) === 0) return fail('EINVAL');
  return planOf(
    addr,
    size,
    r.offset - pageoff,
    pageoff,
    prot,
    {
      shared: (flags & F.shared) !== 0,
      anon,
      fixed,
      noReplace: (flags & F.excl) !== 0,
      populate: false,
      locked: false,
      maxProt: maxProt !== 0 ? maxProt : VM_PROT_ALL,
    },
    fixed,
    b,
    'trunc',
  );
}

/** Linux ksys_mmap_pgoff, do_mmap and get_unmapped_area (x86-64 and arm64 alike). */
function linuxMmap(r: MmapRequest, b: MapBounds): MmapCheck {
  const F = MMAP_FLAGS.linux;
  // sys_mmap: the byte offset must be page aligned.
  if ((r.offset & PMASK) !== 0n) return fail('EINVAL');
  const type = r.flags & F.type;
  let flags = r.flags;
  const anon = (flags & F.anon) !== 0;
  if (!anon && !r.hasFile) return fail('EBADF');
  if ((flags & F.hugetlb) !== 0) return fail('ENOMEM'); // no huge page pool is modelled
  // do_mmap
  if (r.len === 0n) return fail('EINVAL');
  const size = (r.len + PMASK) & ~PMASK;
  if (size > U64 || size === 0n) return fail('ENOMEM');
  const pindex = r.offset / PAGE;
  if (!anon && pindex + size / PAGE > U64 >> 12n) return fail('EOVERFLOW');
  if ((flags & F.excl) !== 0) flags |= F.fixed;
  let shared: boolean;
  if (!anon) {
    if (type === F.shared) shared = true;
    else if (type === F.shared_validate) {
      if ((flags & ~(LINUX_LEGACY_MAP_MASK | F.sync | F.excl)) !== 0) return fail('EOPNOTSUPP');
      if ((flags & F.sync) !== 0) return fail('EOPNOTSUPP'); // no DAX file is modelled
      shared = true;
    } else if (type === F.private) shared = false;
    else return fail('EINVAL');
  } else {
    if (type === F.shared) {
      if ((flags & F.growsdown) !== 0) return fail('EINVAL');
      shared = true;
    } else if (type === F.private) shared = false;
    else return fail('EINVAL');
  }
  const fixed = (flags & F.fixed) !== 0;
  // Unknown PROT bits are ignored by mmap (mprotect refuses them).
  const prot = r.prot & VM_PROT_ALL;
  const addr = r.addr;
  if (fixed) {
    // __get_unmapped_area: MAP_FIXED returns addr, then the generic checks.
    if (size > BigInt(b.max) || addr > BigInt(b.max) - size) return fail('ENOMEM');
    if ((addr & PMASK) !== 0n) return fail('EINVAL');
    // security_mmap_addr: below mmap_min_addr (the map's minimum) is EPERM.
    if (addr < BigInt(b.min)) return fail('EPERM');
  } else if (size > BigInt(b.max)) {
    return fail('ENOMEM');
  }
  return planOf(
    addr,
    size,
    r.offset,
    0n,
    prot,
    {
      shared,
      anon,
      fixed,
      noReplace: (flags & F.excl) !== 0,
      populate: (flags & F.populate) !== 0 && (flags & F.nonblock) === 0,
      locked: (flags & F.locked) !== 0,
    },
    fixed,
    b,
    'round',
  );
}

/** OpenBSD sys_mmap. */
function openbsdMmap(r: MmapRequest, b: MapBounds): MmapCheck {
  const F = MMAP_FLAGS.openbsd;
  if ((r.prot & ~VM_PROT_ALL) !== 0) return fail('EINVAL');
  // W^X is checked where the machine's filesystem policy is known (uvm_wxcheck).
  const flags = r.flags;
  if ((flags & F.flagmask) >>> 0 !== flags >>> 0 || flags < 0) return fail('EINVAL');
  if ((flags & (F.shared | F.private)) === (F.shared | F.private)) return fail('EINVAL');
  if ((flags & (F.fixed | F.excl)) === F.excl) return fail('EINVAL');
  if ((flags & F.stack) !== 0) {
    if ((flags & (F.anon | F.private)) !== (F.anon | F.private)) return fail('EINVAL');
    if ((flags & ~(F.stack | F.fixed | F.anon | F.private)) !== 0) return fail('EINVAL');
    if (r.offset !== 0n) return fail('EINVAL');
    if ((r.prot & 3) !== 3) return fail('EINVAL');
  }
  if (r.len === 0n) return fail('EINVAL');
  // ALIGN_ADDR(pos, size, pageoff): wraparound is EINVAL.
  const pageoff = r.offset & PMASK;
  if (pageoff !== 0n && r.len > U64 - pageoff) return fail('EINVAL');
  const size = (r.len + pageoff + PMASK) & ~PMASK & U64;
  if (size === 0n) return fail('EINVAL');
  const fixed = (flags & F.fixed) !== 0;
  let addr = r.addr;
  if (fixed) {
    addr = (addr - pageoff) & U64;
    if ((addr & PMASK) !== 0n) return fail('EINVAL');
    if (addr > U64 - size) return fail('EINVAL');
    if (addr + size > BigInt(b.max)) return fail('EINVAL');
    if (addr < BigInt(b.min)) return fail('EINVAL');
  }
  const anon = (flags & F.anon) !== 0;
  if (!anon) {
    if (!r.hasFile) return fail('EBADF');
    if (r.offset + size > U64) return fail('EINVAL');
  } else {
    if (r.hasFile) return fail('EINVAL');
    if ((flags & F.nofault) !== 0) return fail('EINVAL');
  }
  // Neither shared nor private: private (a file defaults to private, anon likewise).
  return planOf(
    addr,
    size,
    r.offset - pageoff,
    pageoff,
    r.prot,
    {
      shared: (flags & F.shared) !== 0,
      anon,
      fixed,
      noReplace: (flags & F.excl) !== 0,
      populate: false,
      locked: false,
    },
    fixed,
    b,
    'round',
  );
}

function planOf(
  addr: bigint,
  size: bigint,
  pos: bigint,
  pageoff: bigint,
  prot: number,
  f: Pick<MmapPlan, 'shared' | 'anon' | 'fixed' | 'noReplace' | 'populate' | 'locked'> & { maxProt?: number },
  fixed: boolean,
  b: MapBounds,
  hintRounding: 'trunc' | 'round',
): MmapCheck {
  // A size larger than the whole address space can never be placed.
  if (size > BigInt(b.max)) return fail('ENOMEM');
  let start = 0;
  if (fixed) start = Number(addr);
  else if (addr !== 0n && addr < BigInt(b.max)) {
    const a = hintRounding === 'trunc' ? addr & ~PMASK : (addr + PMASK) & ~PMASK;
    start = a >= BigInt(b.max) ? 0 : Number(a);
  }
  // A literal, not { ...f, maxProt, ... }: V8 (node 20) adds fields to a spread copy on a slow
  // path, about 0.7 us a field, and this runs on every mmap. Same fields in the same order.
  return plan({
    shared: f.shared,
    anon: f.anon,
    fixed: f.fixed,
    noReplace: f.noReplace,
    populate: f.populate,
    locked: f.locked,
    maxProt: f.maxProt ?? VM_PROT_ALL,
    prot,
    start,
    size: Number(size),
    pindex: Number(pos / PAGE),
    pageoff: Number(pageoff),
  });
}
