import { ContainerModule } from 'inversify';
import { PAGE_SIZE } from '../abi/constants.ts';
import { OK, type Outcome } from '../abi/outcome.ts';
import type { Invariant } from '../invariants/Invariant.ts';
import { InvariantContribution } from '../invariants/Invariant.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import { type Pager, PagerResult } from '../pager/Pager.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/** `revoke.mode` / `revoke.walk`: how every mapping of a file is revoked. */
export const RevokePolicy = Symbol('RevokePolicy');
export interface RevokePolicy {
  revoke(k: Kernel, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome>;
  /** Entries the walk acted on after they had left their map (the `revoke_walk` invariant). */
  readonly staleUses: string[];
}

/** `revoke.mode`: what revoking one mapping does. */
export const RevokeMode = Symbol('RevokeMode');
export interface RevokeMode {
  readonly value: string;
  /** Before the walk: make the file's pages unreachable by fault where the mode needs it. */
  begin(k: Kernel, file: VnodeFile, object: VmObject): void;
  /** Revokes one mapping (a `revoke` event and a physical unmap, never a map_delete). */
  revokeEntry(k: Kernel, vms: Vmspace, e: VmMapEntry, fileObject: VmObject, evenCows: boolean): void;
}

/** `revoke.walk`: whether the walk looks a mapping up again after its lock drop. */
export const RevokeWalk = Symbol('RevokeWalk');
export interface RevokeWalk {
  readonly value: string;
  /** The entry to revoke after the lock drop, or null to skip (it vanished). */
  relookup(vms: Vmspace, stale: VmMapEntry, file: VnodeFile, done: (vms: Vmspace, e: VmMapEntry) => boolean): VmMapEntry | null;
}

function emitRevoke(k: Kernel, vms: Vmspace, e: VmMapEntry, file: VnodeFile): void {
  k.bus.emit({ kind: 'revoke', pid: k.ownerOf(vms), pmap: vms.pmap, start: e.start, end: e.end, file: file.path });
  if (!vms.dead) k.pmapRemove(vms, e.start, e.end, 'revoke');
}

/** Removes the translations of [start, end) that map a page not of an anonymous object, in runs. */
function zapFilePages(k: Kernel, vms: Vmspace, start: number, end: number): void {
  const mem = k.mem;
  let run = -1;
  for (let va = start; va <= end; va += PAGE_SIZE) {
    const f = va < end ? vms.pmap.extract(va) : -1;
    const zap = f >= 0 && k.objects.live.get(mem.object[f] as number)?.isAnon !== true;
    if (zap && run < 0) run = va;
    if (!zap && run >= 0) {
      k.pmapRemove(vms, run, va, 'revoke');
      run = -1;
    }
  }
}

/**
 * `replace_entry` (the 2010 revoke_mappings design, T7.2): each mapping keeps its bounds,
 * protection and inheritance, loses its object (private copies included), and faults with
 * SIGBUS/BUS_ADRERR. Its translations are removed physically.
 */
export const replaceEntryMode: RevokeMode = {
  value: 'replace_entry',
  begin() {},
  revokeEntry(k, vms, e, _o, _evenCows) {
    emitRevoke(k, vms, e, e.file!);
    e.revoked = true;
    const o = e.object;
    e.object = null;
    k.objects.deallocate(o);
    vms.map.timestamp++;
  },
};

/** The pager of a revoked file: every page-in fails as a missing page (VM_FAULT_SIGBUS). */
class RevokedPager implements Pager {
  readonly name = 'revoked';
  constructor(private readonly inner: Pager) {}
  haspage(obj: VmObject, pindex: number): boolean {
    return this.inner.haspage(obj, pindex);
  }
  *getpages(): KGen<PagerResult> {
    return PagerResult.Bad;
  }
}

/**
 * `zap` (Linux unmap_mapping_range + a SIGBUS fault handler, T7.5): the file object's pager
 * fails every fault and its cached pages go; each mapping's PTEs are removed, the entry
 * stays as it was. With `even_cows`, private copies (pages of anonymous shadows between the
 * entry and the file object) are freed too, so their next access falls through to SIGBUS.
 */
export const zapMode: RevokeMode = {
  value: 'zap',
  begin(k, _file, o) {
    if (o.pager.name !== 'revoked') o.pager = new RevokedPager(o.pager);
    k.objects.pageRemove(o, 0, o.size, false);
  },
  revokeEntry(k, vms, e, fileObject, evenCows) {
    if (!evenCows) {
      // zap_details.even_cows = 0: should_zap_folio keeps the PTEs of anonymous pages (the
      // private copy-on-write copies) and zaps those of the file's pages.
      k.bus.emit({ kind: 'revoke', pid: k.ownerOf(vms), pmap: vms.pmap, start: e.start, end: e.end, file: e.file!.path });
      if (!vms.dead) zapFilePages(k, vms, e.start, e.end);
      return;
    }
    emitRevoke(k, vms, e, e.file!);
    let first = e.offset;
    for (let o = e.object; o !== null && o !== fileObject; o = o.backing) {
      if (o.isAnon) {
        k.objects.pageRemove(o, first, first + e.pages, false);
        o.pager.freeRange?.(o, first, first + e.pages);
      }
      first += o.backingOffset;
    }
  },
};

/** `recheck` (the fix accepted in review, T7.3): look the mapping up again; skip it if gone. */
export const recheckWalk: RevokeWalk = {
  value: 'recheck',
  relookup(vms, stale, file, done) {
    if (vms.dead) return null;
    const e = vms.map.entryAt(stale.start);
    if (e === undefined || e.file !== file || done(vms, e)) return null;
    return e;
  },
};

/** `no_recheck`: the stale pointer is used after the lock drop (the bug the review caught). */
export const noRecheckWalk: RevokeWalk = {
  value: 'no_recheck',
  relookup(_vms, stale) {
    return stale;
  },
};

/**
 * The revocation walk (revoke_mappings, T7.3/T7.7): new mappings are refused from the start
 * (the file is marked revoked: mmap gives ENXIO); then, while some mapping of the file is
 * left, take the first (the file's mapping list, in pid and address order), drop the
 * file's lock to take the address space's (a scheduling point), let the walk policy decide
 * what entry that is now, revoke it, and restart from the head.
 */
export class RevocationWalk implements RevokePolicy {
  readonly staleUses: string[] = [];
  constructor(
    readonly mode: RevokeMode,
    readonly walk: RevokeWalk,
  ) {}

  *revoke(k: Kernel, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome> {
    file.revoked = true;
    this.mode.begin(k, file, object);
    const doneRanges = new Map<Vmspace, [number, number][]>();
    const done = (vms: Vmspace, e: VmMapEntry): boolean => {
      if (e.revoked) return true;
      for (const [s, t] of doneRanges.get(vms) ?? []) if (s <= e.start && e.end <= t) return true;
      return false;
    };
    for (let guard = 0; guard < 100000; guard++) {
      const next = this.first(k, file, done);
      if (next === null) return OK;
      const [vms, e] = next;
      yield { reason: 'revoke: drop i_mmap lock, take the address space lock' };
      const target = this.walk.relookup(vms, e, file, done);
      if (target === null) continue;
      if (vms.dead || vms.map.entries.indexOf(target) < 0) {
        this.staleUses.push(`revoke of ${file.path} used an entry [0x${target.start.toString(16)}, 0x${target.end.toString(16)}) no longer in its map`);
      }
      this.mode.revokeEntry(k, vms, target, object, evenCows);
      const list = doneRanges.get(vms) ?? [];
      list.push([target.start, target.end]);
      doneRanges.set(vms, list);
    }
    return { error: 'revoke: the walk did not finish' };
  }

  private first(k: Kernel, file: VnodeFile, done: (vms: Vmspace, e: VmMapEntry) => boolean): [Vmspace, VmMapEntry] | null {
    const pids = [...k.procs.keys()].sort((a, b) => a - b);
    const seen = new Set<Vmspace>();
    const spaces: Vmspace[] = [];
    for (const pid of pids) {
      const v = k.procs.get(pid)!.vmspace;
      if (!seen.has(v)) {
        seen.add(v);
        spaces.push(v);
      }
    }
    for (const v of k.holders.values()) if (!seen.has(v)) (seen.add(v), spaces.push(v));
    for (const vms of spaces) {
      if (vms.dead) continue;
      for (const e of vms.map.entries) if (e.file === file && !done(vms, e)) return [vms, e];
    }
    return null;
  }
}

/** `revoke_walk`: the revocation walk never acts on an entry that has left its map. */
export const revokeWalkInvariant: Invariant = {
  name: 'revoke_walk',
  description: 'the revocation walk never uses a map entry after it was unmapped (a use after free)',
  check(m, out) {
    for (const msg of m.kernel.revokePolicy.staleUses) out.push({ invariant: 'revoke_walk', message: msg });
  },
};

export const replaceEntryRevokeModule = new ContainerModule(({ bind }) => {
  bind<RevokeMode>(RevokeMode).toConstantValue(replaceEntryMode);
  bind<RevokeWalk>(RevokeWalk).toConstantValue(recheckWalk);
  bind<RevokePolicy>(RevokePolicy).toDynamicValue((ctx) => new RevocationWalk(ctx.get<RevokeMode>(RevokeMode), ctx.get<RevokeWalk>(RevokeWalk)));
  bind<Invariant>(InvariantContribution).toConstantValue(revokeWalkInvariant);
});

/** `revoke.mode: zap`. */
export const revokeZapModule = new ContainerModule(({ rebind }) => {
  rebind<RevokeMode>(RevokeMode).toConstantValue(zapMode);
});

/** `revoke.walk: no_recheck`. */
export const revokeNoRecheckModule = new ContainerModule(({ rebind }) => {
  rebind<RevokeWalk>(RevokeWalk).toConstantValue(noRecheckWalk);
});

