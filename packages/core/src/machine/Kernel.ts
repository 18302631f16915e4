/** Moved: the system-call front is sys/Kernel.ts (the MI context vm/). This path re-exports it. */
export { Kernel, MMAP_BASE, type MmapArgs } from '../sys/Kernel.ts';
