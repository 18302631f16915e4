import { type PmapContext, SoftPmap } from '@vmlab/core';

/** Top of amd64 user space (SCENARIO.md). */
export const AMD64_USER_TOP = 0x800000000000;

/**
 * The amd64 pmap: 4-level page tables (PML4), present / writable / NX bits. The PKRU
 * protection keys come in their own layer.
 */
export class Amd64Pmap extends SoftPmap {
  constructor(ctx: PmapContext, kernel: boolean) {
    super(ctx, kernel);
  }
}
