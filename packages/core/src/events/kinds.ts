/**
 * Domain event kinds. The first group is what SCENARIO.md counts; the rest are the other
 * lifecycle points MD packages, pagers and plugins subscribe to.
 */
export const EVENT_KINDS = [
  'fault',
  'pmap_enter',
  'pmap_remove',
  'map_delete',
  'swapout',
  'fork',
  'exec',
  'exit',
  'protect',
  'madvise',
  'purge',
  'pmap_destroy',
  'revoke',
  'tlb_invalidate',
  'pagein',
  'pageout',
  // further lifecycle points
  'spawn',
  'thread_create',
  'thread_exit',
  'mmap',
  'msync',
  'teardown',
  'object_split',
  'object_collapse',
  'object_terminate',
  'file_revoke',
  'wire',
  'context_switch',
  'signal',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** Why a Pmap.remove happened: the MI path that called it. */
export type RemoveReason = 'map_delete' | 'protect' | 'msync' | 'swapout' | 'revoke' | 'madvise' | 'purge' | 'exec' | 'teardown' | 'mremap' | 'oom_reap';
