import { OK, type Outcome } from '../abi/outcome.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { RevokePolicy, VmContext } from '../vm/VmContext.ts';

/** `revoke.mode`: what revoking one mapping does (values: revoke/revokeModes.ts). */
export interface RevokeMode {
  readonly value: string;
  /** Before the walk: make the file's pages unreachable by fault where the mode needs it. */
  begin(ctx: VmContext, file: VnodeFile, object: VmObject): void;
  /** Revokes one mapping (a `revoke` event and a physical unmap, never a map_delete). */
  revokeEntry(ctx: VmContext, vms: Vmspace, e: VmMapEntry, fileObject: VmObject, evenCows: boolean): void;
}

/** `revoke.walk`: whether the walk looks a mapping up again after its lock drop (values: policy/RevokePolicy.ts). */
export interface RevokeWalk {
  readonly value: string;
  /** The entry to revoke after the lock drop, or null to skip (it vanished). */
  relookup(vms: Vmspace, stale: VmMapEntry, file: VnodeFile, done: (vms: Vmspace, e: VmMapEntry) => boolean): VmMapEntry | null;
}

/**
 * The revocation walk (revoke_mappings, T7.3/T7.7): new mappings are refused from the start
 * (the file is marked revoked: mmap gives ENXIO); then, while some mapping of the file is
 * left, take the first (the file's mapping list, in pid and address order), drop the
 * file's lock to take the address space's (a scheduling point), let the walk policy decide
 * what entry that is now, revoke it (the mode policy), and restart from the head.
 */
export class RevocationWalk implements RevokePolicy {
  readonly staleUses: string[] = [];
  constructor(
    readonly mode: RevokeMode,
    readonly walk: RevokeWalk,
  ) {}

  *revoke(ctx: VmContext, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome> {
    file.revoked = true;
    this.mode.begin(ctx, file, object);
    const doneRanges = new Map<Vmspace, [number, number][]>();
    const done = (vms: Vmspace, e: VmMapEntry): boolean => {
      if (e.revoked) return true;
      for (const [s, t] of doneRanges.get(vms) ?? []) if (s <= e.start && e.end <= t) return true;
      return false;
    };
    for (let guard = 0; guard < 100000; guard++) {
      const next = this.first(ctx, file, done);
      if (next === null) return OK;
      const [vms, e] = next;
      yield { reason: 'revoke: drop i_mmap lock, take the address space lock' };
      const target = this.walk.relookup(vms, e, file, done);
      if (target === null) continue;
      if (vms.dead || !vms.map.contains(target)) {
        this.staleUses.push(`revoke of ${file.path} used an entry [0x${target.start.toString(16)}, 0x${target.end.toString(16)}) no longer in its map`);
      }
      this.mode.revokeEntry(ctx, vms, target, object, evenCows);
      const list = doneRanges.get(vms) ?? [];
      list.push([target.start, target.end]);
      doneRanges.set(vms, list);
    }
    return { error: 'revoke: the walk did not finish' };
  }

  private first(ctx: VmContext, file: VnodeFile, done: (vms: Vmspace, e: VmMapEntry) => boolean): [Vmspace, VmMapEntry] | null {
    const pids = [...ctx.procs.keys()].sort((a, b) => a - b);
    const seen = new Set<Vmspace>();
    const spaces: Vmspace[] = [];
    for (const pid of pids) {
      const v = ctx.procs.get(pid)!.vmspace;
      if (!seen.has(v)) {
        seen.add(v);
        spaces.push(v);
      }
    }
    for (const v of ctx.holders.values())
      if (!seen.has(v)) {
        seen.add(v);
        spaces.push(v);
      }
    for (const vms of spaces) {
      if (vms.dead) continue;
      for (const e of vms.map.entries) if (e.file === file && !done(vms, e)) return [vms, e];
    }
    return null;
  }
}
