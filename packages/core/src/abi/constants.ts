/** Page geometry: a page is 4096 bytes on every simulated machine. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
/** 32-bit words per page. */
export const WORDS_PER_PAGE = PAGE_SIZE >>> 2;

/** Protection bits (vm_prot_t). */
export const VM_PROT_NONE = 0;
export const VM_PROT_READ = 1;
export const VM_PROT_WRITE = 2;
export const VM_PROT_EXECUTE = 4;
export const VM_PROT_ALL = 7;

/** Inheritance (vm_inherit_t). */
export type Inherit = 'copy' | 'share' | 'none' | 'zero';

/** What an access is (the fault type). */
export enum Access {
  Read = 1,
  Write = 2,
  Execute = 4,
}

/** Round down / up to a page boundary (addresses are exact integers below 2^53). */
export function truncPage(a: number): number {
  return a - (a % PAGE_SIZE);
}
export function roundPage(a: number): number {
  const r = a % PAGE_SIZE;
  return r === 0 ? a : a + (PAGE_SIZE - r);
}

export function protToString(p: number): string {
  if (p === 0) return 'none';
  return (p & VM_PROT_READ ? 'r' : '') + (p & VM_PROT_WRITE ? 'w' : '') + (p & VM_PROT_EXECUTE ? 'x' : '');
}
