/**
 * The hardware model the amd64 MD check reads: the per-thread PKRU register (kept in
 * `Thread.md`), its initial value per ABI, its AD/WD bits per key, and the rights check
 * (`pkruDenies`) the pmap's `mdCheck` and copyin/copyout apply.
 */
import type { PmapThread } from '@vmlab/core';

/** Keys are 0..15 (T1.1). */
export const PKRU_KEYS = 16;
export const PKRU_MAX_KEY = 15;
/** Linux's default PKRU after execve: access denied for keys 1..15 (T6.7). */
export const LINUX_INIT_PKRU = 0x55555554;
/** sysarch flags (T1.6). */
export const AMD64_PKRU_EXCL = 0x1;
export const AMD64_PKRU_PERSIST = 0x2;
/** Linux pkey_alloc rights (T6.2). */
export const PKEY_DISABLE_ACCESS = 0x1;
export const PKEY_DISABLE_WRITE = 0x2;

/** The amd64 per-thread MD state kept in Thread.md: the PKRU register. */
export interface Amd64ThreadMd {
  pkru: number;
}

/** The PKRU value a thread starts with when nothing gives it one (spawn, exec). */
export function initialPkru(abi: string): number {
  return abi === 'linux' ? LINUX_INIT_PKRU : 0;
}

export function pkruOf(t: PmapThread, abi: string): number {
  const md = t.md as Amd64ThreadMd | undefined;
  return md !== undefined && typeof md.pkru === 'number' ? md.pkru : initialPkru(abi);
}

export function setPkru(t: PmapThread, value: number): void {
  const md = t.md as Amd64ThreadMd | undefined;
  if (md !== undefined && typeof md === 'object') md.pkru = value >>> 0;
  else t.md = { pkru: value >>> 0 } satisfies Amd64ThreadMd;
  // Key 0's AD or WD bit set: pages with no key bits in their PTE need the check too.
  t.mdStrict = (value & 3) !== 0;
}

/** Sets key k's AD (bit 2k) and WD (bit 2k+1) in a PKRU value. */
export function withKeyRights(pkru: number, key: number, ad: boolean, wd: boolean): number {
  const mask = 3 << (2 * key);
  const bits = ((ad ? 1 : 0) | (wd ? 2 : 0)) << (2 * key);
  return ((pkru & ~mask) | bits) >>> 0;
}

/** Whether a data access (write or not) to a page with `key` is denied by `pkru`. */
export function pkruDenies(pkru: number, key: number, write: boolean): boolean {
  const ad = (pkru >>> (2 * key)) & 1;
  const wd = (pkru >>> (2 * key + 1)) & 1;
  return ad !== 0 || (write && wd !== 0);
}
