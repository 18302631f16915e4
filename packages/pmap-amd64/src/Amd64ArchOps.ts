import {
  type ArchOps,
  type EntryFlagsContext,
  type Kernel,
  type MdArgs,
  type MdState,
  OK,
  type Outcome,
  type Process,
  type SigFrame,
  runNow,
  type Thread,
  VM_PROT_EXECUTE,
} from '@vmlab/core';
import { injectable } from 'inversify';
import { AMD64_USER_TOP, Amd64Pmap, ENTRY_PKEY_MASK } from './Amd64Pmap.ts';
import {
  AMD64_PKRU_EXCL,
  AMD64_PKRU_PERSIST,
  LINUX_INIT_PKRU,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  PKRU_KEYS,
  PKRU_MAX_KEY,
  pkruOf,
  setPkru,
  withKeyRights,
} from './PkruRegister.ts';

const PAGE = 4096;

/**
 * The amd64 MD system calls and queries:
 * - FreeBSD `sysarch` AMD64_SET_PKRU / AMD64_CLEAR_PKRU over the pmap's rangeset (T1.6–T1.13);
 * - the user-mode PKRU instructions `pkey_set` (x86_pkru_set_perm) and `wrpkru`;
 * - Linux `pkey_alloc` / `pkey_free` / `pkey_mprotect`, with the key on the map entry
 *   (mdFlags) and the execute-only key of T6.4 computed in `entryFlags`;
 * - the queries `pkey` and `pkru`.
 */
@injectable()
export class Amd64ArchOps implements ArchOps {
  readonly name = 'amd64-pkru';
  /** The key pkey_mprotect is applying while it runs mprotect (-1: plain mprotect). */
  private pendingKey = -1;

  syscall(k: Kernel, p: Process, t: Thread, op: string, args: MdArgs): Outcome | undefined {
    const pku = k.config.features.pku === true;
    switch (op) {
      case 'sysarch':
        return this.sysarch(k, p, args, pku);
      case 'pkey_set': {
        if (!pku) return k.errno('EOPNOTSUPP');
        const key = args.key as number;
        if (key > PKRU_MAX_KEY) return k.errno('EINVAL');
        const deny = args.deny as string;
        setPkru(t, withKeyRights(pkruOf(t, k.abi), key, deny === 'access' || deny === 'all', deny === 'write' || deny === 'all'));
        return OK;
      }
      case 'wrpkru':
        // A debugger's write (args.byProcess) reaches the target thread's saved state the same way.
        if (!pku) return k.errno('EOPNOTSUPP');
        setPkru(t, args.value as number);
        return OK;
      case 'pkey_alloc':
      case 'pkey_free':
      case 'pkey_mprotect':
        if (k.abi !== 'linux') return undefined;
        return this.linuxPkey(k, p, t, op, args, pku);
      default:
        return undefined;
    }
  }

  query(k: Kernel, p: Process, name: string, args: MdArgs): unknown {
    const pku = k.config.features.pku === true;
    switch (name) {
      case 'pkru': {
        if (!pku) return 'none';
        const t = p.threads.get((args.tid as number | undefined) ?? 0);
        return t === undefined ? 'none' : pkruOf(t, k.abi);
      }
      case 'pkey': {
        if (!pku) return 'none';
        const va = args.addr as number;
        const pm = p.vmspace.pmap;
        if (!(pm instanceof Amd64Pmap)) return 'none';
        if (pm.entryPlacement) {
          const e = p.vmspace.map.entryAt(va);
          return e === undefined ? 'none' : { pkey: e.mdFlags & ENTRY_PKEY_MASK, persist: false };
        }
        const v = pm.keys.lookup(va);
        return v === undefined ? 'none' : { pkey: v.key, persist: v.persist };
      }
      default:
        return undefined;
    }
  }

  entryFlags(k: Kernel, extra: string, current: number, op: 'mmap' | 'mprotect', ctx?: EntryFlagsContext): number | undefined {
    if (extra !== '' || k.abi !== 'linux') return undefined;
    if (ctx === undefined) return op === 'mmap' ? 0 : current;
    const pm = ctx.p.vmspace.pmap;
    if (!(pm instanceof Amd64Pmap) || !pm.pku) return op === 'mmap' ? 0 : current;
    const rest = current & ~ENTRY_PKEY_MASK;
    if (op === 'mprotect' && this.pendingKey !== -1) return rest | this.pendingKey;
    // T6.4 (a): PROT_EXEC alone gets the mm's execute-only key, if one can be had.
    if (ctx.prot === VM_PROT_EXECUTE) {
      const x = executeOnlyKey(k, pm, ctx);
      if (x > 0) return (op === 'mmap' ? 0 : rest) | x;
      return op === 'mmap' ? 0 : current;
    }
    if (op === 'mmap') return 0;
    // T6.4 (b): leaving execute-only sets the key back to 0.
    if (pm.execOnlyKey > 0 && (current & ENTRY_PKEY_MASK) === pm.execOnlyKey) return rest;
    return current;
  }

  entryProtName(): string | undefined {
    return undefined;
  }

  /**
   * PKRU across signal delivery (SEMANTICS T1.5, T6.10). The interrupted PKRU is saved in
   * the frame (the XSAVE area) and sigreturn restores it, or the value a handler wrote there.
   * Linux (arch/x86/kernel/signal.c sig_prepare_pkru, fpu__clear_user_states) writes the
   * frame with every key enabled, so an alternate stack protected by any key can take it,
   * and starts the handler with the init PKRU (key 0 enabled, the others access-disabled).
   * FreeBSD and OpenBSD write the frame under the thread's PKRU (a key that denies the
   * stack makes the frame write fail) and the handler starts with the PKRU the thread had
   * (neither kernel's tests assert the handler-entry value; docs/abi/freebsd.md).
   */
  sigFrame(k: Kernel, t: Thread, phase: 'save' | 'enter' | 'restore', frame: SigFrame, edited?: Readonly<Record<string, number>>): void {
    if (k.config.features.pku !== true) return;
    switch (phase) {
      case 'save':
        frame.md.pkru = pkruOf(t, k.abi);
        if (k.abi === 'linux') setPkru(t, 0);
        return;
      case 'enter':
        setPkru(t, k.abi === 'linux' ? LINUX_INIT_PKRU : (frame.md.pkru as number));
        return;
      case 'restore':
        setPkru(t, edited?.pkru ?? (frame.md.pkru as number));
        return;
    }
  }

  /**
   * The viewer's side tables: the key ranges (pm_pkru under FreeBSD, with PERSIST; the
   * entries' keys under Linux) and each thread's PKRU register.
   */
  mdState(k: Kernel, p: Process): MdState | undefined {
    const pm = p.vmspace.pmap;
    if (!(pm instanceof Amd64Pmap) || !pm.pku || p.vmspace.dead) return undefined;
    const keys: { start: number; end: number; key: number; persist: boolean }[] = [];
    if (pm.entryPlacement) {
      for (const e of p.vmspace.map.entries)
        if ((e.mdFlags & ENTRY_PKEY_MASK) !== 0) keys.push({ start: e.start, end: e.end, key: e.mdFlags & ENTRY_PKEY_MASK, persist: false });
    } else for (const r of pm.keys.intervals()) keys.push({ start: r.start, end: r.end, key: r.key, persist: r.persist });
    const threads: Record<number, Record<string, unknown>> = {};
    for (const t of p.threads.values()) if (t.alive) threads[t.tid] = { pkru: pkruOf(t, k.abi) };
    return { ranges: { pkru_keys: keys }, threads };
  }

  // --- FreeBSD sysarch ----------------------------------------------------------------------
  private sysarch(k: Kernel, p: Process, args: MdArgs, pku: boolean): Outcome | undefined {
    const sop = args.op as string;
    // Linux keeps keys on map entries and has no sysarch PKRU calls: core's EINVAL, as for
    // any sysarch op the machine does not have (the arm64 package does the same for guard_page).
    if ((sop !== 'set_pkru' && sop !== 'clear_pkru') || k.abi === 'linux') return undefined;
    const key = (args.key as number | undefined) ?? 0;
    const flags = sysarchFlags(args.flags);
    // sys_machdep.c: CLEAR takes neither a key nor flags.
    if (sop === 'clear_pkru' && (key !== 0 || flags !== 0)) return k.errno('EINVAL');
    // pmap_pkru_check_uargs: pmap type, key, flags; then the range; then the CPU.
    if (p.kernel || key > PKRU_MAX_KEY || (flags & ~(AMD64_PKRU_EXCL | AMD64_PKRU_PERSIST)) !== 0) return k.errno('EINVAL');
    const addr = args.addr as number;
    const len = args.len as number;
    const start = addr - (addr % PAGE);
    const end = Math.ceil((addr + len) / PAGE) * PAGE;
    if (end <= start || end > AMD64_USER_TOP) return k.errno('EFAULT');
    if (!pku) return k.errno('EOPNOTSUPP');
    const pm = p.vmspace.pmap;
    if (!(pm instanceof Amd64Pmap)) return k.errno('EINVAL');
    if (sop === 'clear_pkru') {
      pm.clearKeys(start, end);
      return OK;
    }
    // pmap_pkru_assign: EXCL refuses any overlap, a key-0 record included (T1.11).
    if ((flags & AMD64_PKRU_EXCL) !== 0 && pm.keys.overlaps(start, end)) return k.errno('EBUSY');
    pm.assignKey(start, end, key, (flags & AMD64_PKRU_PERSIST) !== 0);
    return OK;
  }

  // --- Linux pkeys ----------------------------------------------------------------------------
  private linuxPkey(k: Kernel, p: Process, t: Thread, op: string, args: MdArgs, pku: boolean): Outcome {
    const pm = p.vmspace.pmap;
    if (!(pm instanceof Amd64Pmap)) return k.errno('EINVAL');
    switch (op) {
      case 'pkey_alloc': {
        const f = args.flags;
        if (f !== undefined && (typeof f === 'number' ? f !== 0 : (f as unknown[]).length !== 0)) return k.errno('EINVAL');
        const rights = rightsBits(args.rights);
        if (rights === undefined || (rights & ~(PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE)) !== 0) return k.errno('EINVAL');
        const key = pku ? allocKey(pm) : -1;
        if (key < 0) return k.errno('ENOSPC');
        setPkru(t, withKeyRights(pkruOf(t, k.abi), key, (rights & PKEY_DISABLE_ACCESS) !== 0, (rights & PKEY_DISABLE_WRITE) !== 0));
        return { key };
      }
      case 'pkey_free': {
        const key = args.key as number;
        if (key === 0 || !isAllocated(pm, key, pku)) return k.errno('EINVAL');
        pm.pkeyAllocated &= ~(1 << key);
        return OK;
      }
      default: {
        // pkey_mprotect: key -1 (written 0xffffffff) is plain mprotect.
        const raw = args.key as number;
        const key = raw === -1 || raw === 0xffffffff ? -1 : raw;
        if (key !== -1 && !isAllocated(pm, key, pku)) return k.errno('EINVAL');
        this.pendingKey = key;
        try {
          // An MD system call completes at once: under a map lock another thread holds, runNow reports the deadlock.
          return runNow(k.mprotect(p, args.addr as number, args.len as number, args.prot as number, (args.protExtra as string | undefined) ?? '', t));
        } finally {
          this.pendingKey = -1;
        }
      }
    }
  }
}

function sysarchFlags(f: unknown): number {
  if (f === undefined) return 0;
  if (typeof f === 'number') return f;
  let b = 0;
  for (const x of f as string[]) b |= x === 'excl' ? AMD64_PKRU_EXCL : x === 'persist' ? AMD64_PKRU_PERSIST : 0x100;
  return b;
}

function rightsBits(r: unknown): number | undefined {
  if (r === undefined || r === 'none') return 0;
  if (r === 'access') return PKEY_DISABLE_ACCESS;
  if (r === 'write') return PKEY_DISABLE_WRITE;
  return typeof r === 'number' ? r : undefined;
}

/** mm_pkey_is_allocated: key 0 is always allocated; without PKU only key 0 exists. */
function isAllocated(pm: Amd64Pmap, key: number, pku: boolean): boolean {
  if (key < 0 || key >= (pku ? PKRU_KEYS : 1)) return false;
  return (pm.pkeyAllocated & (1 << key)) !== 0;
}

/** mm_pkey_alloc: the lowest free key, or -1. */
function allocKey(pm: Amd64Pmap): number {
  for (let key = 1; key < PKRU_KEYS; key++) {
    if ((pm.pkeyAllocated & (1 << key)) === 0) {
      pm.pkeyAllocated |= 1 << key;
      return key;
    }
  }
  return -1;
}

/**
 * execute_only_pkey: the mm's execute-only key, allocated on first use (-1 if none is free);
 * the calling thread's PKRU denies data access to it.
 */
function executeOnlyKey(k: Kernel, pm: Amd64Pmap, ctx: EntryFlagsContext): number {
  if (pm.execOnlyKey === -1) {
    const key = allocKey(pm);
    if (key < 0) return -1;
    pm.execOnlyKey = key;
  }
  const t = ctx.t ?? ctx.p.thread(0);
  if (t !== undefined) setPkru(t, withKeyRights(pkruOf(t, k.abi), pm.execOnlyKey, true, false));
  return pm.execOnlyKey;
}
