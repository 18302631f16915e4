/** Moved: the policy is policy/RevokePolicy.ts, the walk and modes revoke/. This path re-exports them. */
export {
  RevokeMode,
  RevokePolicy,
  RevokeWalk,
  noRecheckWalk,
  recheckWalk,
  replaceEntryRevokeModule,
  revokeNoRecheckModule,
  revokeZapModule,
} from '../policy/RevokePolicy.ts';
export { revokeWalkInvariant } from '../invariants/revokeWalk.ts';
export { RevocationWalk } from '../revoke/RevocationWalk.ts';
export { replaceEntryMode, zapMode } from '../revoke/revokeModes.ts';
