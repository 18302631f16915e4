import { ContainerModule } from 'inversify';
import type { Outcome } from '../abi/outcome.ts';
import type { Invariant } from '../invariants/Invariant.ts';
import { InvariantContribution } from '../invariants/Invariant.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import { RevocationWalk } from '../revoke/RevocationWalk.ts';
import { replaceEntryMode, zapMode } from '../revoke/revokeModes.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';

/** `revoke.mode` / `revoke.walk`: how every mapping of a file is revoked (the walk: revoke/). */
export const RevokePolicy = Symbol('RevokePolicy');
export interface RevokePolicy {
  revoke(ctx: VmContext, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome>;
  /** Entries the walk acted on after they had left their map (the `revoke_walk` invariant). */
  readonly staleUses: string[];
}

/** `revoke.mode`: what revoking one mapping does (values: revoke/revokeModes.ts). */
export const RevokeMode = Symbol('RevokeMode');
export interface RevokeMode {
  readonly value: string;
  /** Before the walk: make the file's pages unreachable by fault where the mode needs it. */
  begin(ctx: VmContext, file: VnodeFile, object: VmObject): void;
  /** Revokes one mapping (a `revoke` event and a physical unmap, never a map_delete). */
  revokeEntry(ctx: VmContext, vms: Vmspace, e: VmMapEntry, fileObject: VmObject, evenCows: boolean): void;
}

/** `revoke.walk`: whether the walk looks a mapping up again after its lock drop. */
export const RevokeWalk = Symbol('RevokeWalk');
export interface RevokeWalk {
  readonly value: string;
  /** The entry to revoke after the lock drop, or null to skip (it vanished). */
  relookup(vms: Vmspace, stale: VmMapEntry, file: VnodeFile, done: (vms: Vmspace, e: VmMapEntry) => boolean): VmMapEntry | null;
}

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
