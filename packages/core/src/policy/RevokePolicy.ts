import { ContainerModule } from 'inversify';
import { RevocationWalk, type RevokeMode as RevokeModeShape, type RevokeWalk as RevokeWalkShape } from '../revoke/RevocationWalk.ts';
import { replaceEntryMode, zapMode } from '../revoke/revokeModes.ts';
import type { RevokePolicy as RevokePolicyShape } from '../vm/VmContext.ts';

/**
 * `revoke.mode` / `revoke.walk`: how every mapping of a file is revoked (the walk: revoke/).
 * The `revoke_walk` invariant (invariants/revokeWalk.ts) is bound by core's module.
 */
export const RevokePolicy = Symbol('RevokePolicy');
/** The interface (declared beside the context in vm/VmContext.ts). */
export type RevokePolicy = RevokePolicyShape;

/** `revoke.mode`: what revoking one mapping does (values: revoke/revokeModes.ts). */
export const RevokeMode = Symbol('RevokeMode');
export type RevokeMode = RevokeModeShape;

/** `revoke.walk`: whether the walk looks a mapping up again after its lock drop. */
export const RevokeWalk = Symbol('RevokeWalk');
export type RevokeWalk = RevokeWalkShape;

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

export const replaceEntryRevokeModule = new ContainerModule(({ bind }) => {
  bind<RevokeMode>(RevokeMode).toConstantValue(replaceEntryMode);
  bind<RevokeWalk>(RevokeWalk).toConstantValue(recheckWalk);
  bind<RevokePolicy>(RevokePolicy).toDynamicValue((ctx) => new RevocationWalk(ctx.get<RevokeMode>(RevokeMode), ctx.get<RevokeWalk>(RevokeWalk)));
});

/** `revoke.mode: zap`. */
export const revokeZapModule = new ContainerModule(({ rebind }) => {
  rebind<RevokeMode>(RevokeMode).toConstantValue(zapMode);
});

/** `revoke.walk: no_recheck`. */
export const revokeNoRecheckModule = new ContainerModule(({ rebind }) => {
  rebind<RevokeWalk>(RevokeWalk).toConstantValue(noRecheckWalk);
});
