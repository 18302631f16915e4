/**
 * The argument schemas of the scenario format (SCENARIO.md "Operations" and "State
 * queries"): for each operation and query, its arguments, how each is read, and which are
 * optional; and the value lists of the enumerated arguments.
 */

/** How an argument is read and normalised. */
export type ArgKind =
  | 'id' // pid, tid, cpu, key, child: a non-negative integer
  | 'by' // a number when numeric, else a string
  | 'addr'
  | 'size' // bytes
  | 'len' // a system call's length or offset: a size, or any 64-bit value
  | 'u64'
  | 'access_size' // 1, 2, 4 or 8 bytes
  | 'count'
  | 'u32'
  | 'prot'
  | 'string'
  | 'holder'
  | 'bool'
  | 'name'
  | 'rights'
  | { enum: readonly string[] }
  | { flags: readonly string[] | null };

export interface ArgSpec {
  kind: ArgKind;
  required: boolean;
}

export interface OpSpec {
  args: Record<string, ArgSpec>;
}

/** `{ pid: 'id', 'addr?': 'addr' }`: a trailing `?` marks an optional argument. */
function op(args: Record<string, ArgKind>, thread = false): OpSpec {
  const out: Record<string, ArgSpec> = {};
  for (const [k, kind] of Object.entries(args)) {
    const required = !k.endsWith('?');
    out[required ? k : k.slice(0, -1)] = { kind, required };
  }
  // A step a thread performs takes tid?, default 0 (unless tid is already an argument).
  if (thread && out.tid === undefined) out.tid = { kind: 'id', required: false };
  return { args: out };
}

export const MMAP_FLAGS = [
  'private',
  'shared',
  'anon',
  'fixed',
  'excl',
  'stack',
  'populate',
  'locked',
  'noreserve',
  'shared_validate',
  'nosync',
  'nocore',
  'concealed',
  'prefault_read',
] as const;
export const MSYNC_FLAGS = ['sync', 'async', 'invalidate'] as const;
export const MREMAP_FLAGS = ['maymove', 'fixed', 'dontunmap'] as const;
export const MCL_FLAGS = ['current', 'future', 'onfault'] as const;
export const MLOCK2_FLAGS = ['onfault'] as const;
export const SYSARCH_FLAGS = ['persist', 'excl'] as const;
export const INHERIT_VALUES = ['copy', 'share', 'none', 'zero'] as const;
export const ADVICE_VALUES = ['dontneed', 'free', 'willneed', 'zero', 'free_reusable', 'free_reuse', 'can_reuse', 'populate_read', 'populate_write'] as const;
export const BRANCH_VALUES = ['direct', 'call', 'jump'] as const;
export const SYSARCH_OPS = ['set_pkru', 'clear_pkru', 'guard_page'] as const;
export const DENY_VALUES = ['none', 'write', 'access', 'all'] as const;
export const RIGHTS_VALUES = ['none', 'write', 'access'] as const;
export const ABI_VALUES = ['freebsd', 'linux', 'openbsd'] as const;
export const TOUCH_ACCESS = ['read', 'write', 'exec'] as const;
export const TOUCH_ORDER = ['sequential', 'random'] as const;

const range = { pid: 'id', addr: 'addr', len: 'len' } as const;

/** Every operation of SCENARIO.md "Operations", but `concurrent` and `check`. */
export const OPS: Record<string, OpSpec> = {
  spawn: op({ pid: 'id', 'kernel?': 'bool', 'cpu?': 'id' }),
  thread: op({ pid: 'id', tid: 'id', 'by?': 'by', 'cpu?': 'id' }),
  thread_exit: op({ pid: 'id', tid: 'id' }),
  mmap: op(
    {
      pid: 'id',
      'addr?': 'addr',
      len: 'len',
      prot: 'prot',
      flags: { flags: MMAP_FLAGS },
      'file?': 'string',
      'offset?': 'len',
      'as?': 'name',
    },
    true,
  ),
  munmap: op(range, true),
  mprotect: op({ ...range, prot: 'prot' }, true),
  minherit: op({ ...range, inherit: { enum: INHERIT_VALUES } }, true),
  mlock: op(range, true),
  munlock: op(range, true),
  msync: op({ ...range, flags: { flags: MSYNC_FLAGS } }, true),
  madvise: op({ ...range, advice: { enum: ADVICE_VALUES } }, true),
  read: op({ pid: 'id', addr: 'addr', 'size?': 'access_size' }, true),
  write: op({ pid: 'id', addr: 'addr', value: 'u64', 'size?': 'access_size' }, true),
  fetch: op({ pid: 'id', addr: 'addr', 'branch?': { enum: BRANCH_VALUES } }, true),
  copyin: op({ pid: 'id', addr: 'addr', 'value?': 'u32' }, true),
  copyout: op({ pid: 'id', addr: 'addr', 'value?': 'u32' }, true),
  peek: op({ pid: 'id', addr: 'addr', 'value?': 'u32', by: 'by' }, true),
  poke: op({ pid: 'id', addr: 'addr', 'value?': 'u32', by: 'by' }, true),
  fork: op({ pid: 'id', child: 'id' }, true),
  execve: op({ pid: 'id' }, true),
  exit: op({ pid: 'id' }, true),
  process_mrelease: op({ pid: 'id', by: 'by', 'flags?': 'count' }),
  wait: op({ pid: 'id' }),
  hold: op({ pid: 'id', holder: 'holder' }),
  release: op({ pid: 'id', holder: 'holder' }),
  swapout: op({ pid: 'id' }),
  pageout: op({ 'pid?': 'id', 'addr?': 'addr', 'len?': 'size', 'pages?': 'count' }),
  revoke: op({ file: 'string', 'even_cows?': 'bool' }),
  truncate: op({ file: 'string', size: 'size' }),
  mimmutable: op(range, true),
  sigaltstack: op({ pid: 'id', addr: 'addr', len: 'size' }, true),
  sigdeliver: op({ pid: 'id', 'sp?': 'addr', 'onstack?': 'bool' }, true),
  sigreturn: op({ pid: 'id', 'pkru?': 'u32' }, true),
  mlockall: op({ pid: 'id', flags: { flags: MCL_FLAGS } }, true),
  munlockall: op({ pid: 'id' }, true),
  mlock2: op({ ...range, 'flags?': { flags: MLOCK2_FLAGS } }, true),
  mseal: op({ ...range, 'flags?': 'count' }, true),
  mremap: op({ pid: 'id', addr: 'addr', old_len: 'len', new_len: 'len', 'flags?': { flags: MREMAP_FLAGS }, 'new_addr?': 'addr', 'as?': 'name' }, true),
  sysarch: op({ ...range, op: { enum: SYSARCH_OPS }, 'key?': 'id', 'flags?': { flags: SYSARCH_FLAGS } }, true),
  pkey_set: op({ pid: 'id', key: 'id', deny: { enum: DENY_VALUES } }, true),
  wrpkru: op({ pid: 'id', value: 'u32', 'by?': 'by' }, true),
  pkey_alloc: op({ pid: 'id', 'flags?': { flags: null }, 'rights?': 'rights' }, true),
  pkey_free: op({ pid: 'id', key: 'id' }, true),
  pkey_mprotect: op({ ...range, prot: 'prot', key: 'id' }, true),
  context_switch: op({ cpu: 'id' }),
  touch: op(
    {
      pid: 'id',
      addr: 'addr',
      len: 'size',
      access: { enum: TOUCH_ACCESS },
      'stride?': 'size',
      'order?': { enum: TOUCH_ORDER },
      'seed?': 'count',
      'value?': 'u32',
    },
    true,
  ),
};

/** Every op name a step may use. */
export const STEP_OPS: readonly string[] = [...Object.keys(OPS), 'concurrent', 'check', 'repeat', 'generate'];

/** The state queries of SCENARIO.md "State queries", with their arguments. */
export const QUERIES: Record<string, OpSpec> = {
  rss: op({ pid: 'id' }),
  footprint: op({ pid: 'id' }),
  reusable: op({ pid: 'id' }),
  resident: op({ pid: 'id', addr: 'addr' }),
  mapped: op({ pid: 'id', addr: 'addr' }),
  entry: op({ pid: 'id', addr: 'addr' }),
  pte: op({ pid: 'id', addr: 'addr' }),
  object: op({ pid: 'id', addr: 'addr' }),
  pkey: op({ pid: 'id', addr: 'addr' }),
  guarded: op({ pid: 'id', addr: 'addr' }),
  pkru: op({ pid: 'id', 'tid?': 'id' }),
  swap_used: op({}),
  free_pages: op({}),
  events: op({ kind: 'string' }),
  vmspace_refs: op({ pid: 'id' }),
  map_entries: op({ pid: 'id' }),
};

export const CHECK_QUERIES: readonly string[] = Object.keys(QUERIES);

export function describeArgs(spec: OpSpec, extra: readonly string[]): string {
  const names = Object.entries(spec.args).map(([k, a]) => (a.required ? k : `${k}?`));
  names.push(...extra.map((k) => `${k}?`));
  return names.length === 0 ? 'no arguments' : names.join(', ');
}
