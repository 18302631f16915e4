import { type PmapContext, SoftPmap } from '@vmlab/core';

/** Top of arm64 user space (48-bit VA, SCENARIO.md). */
export const ARM64_USER_TOP = 0x1000000000000;

/**
 * The arm64 pmap: 4-level tables with a 4 KiB granule, AP and UXN bits. BTI guarded pages
 * come in their own layer.
 */
export class Arm64Pmap extends SoftPmap {
  constructor(ctx: PmapContext, kernel: boolean) {
    super(ctx, kernel);
  }
}
