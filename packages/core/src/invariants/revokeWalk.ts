import type { Invariant } from './Invariant.ts';

/** `revoke_walk`: the revocation walk never acts on an entry that has left its map (revoke/RevocationWalk.ts). */
export const revokeWalkInvariant: Invariant = {
  name: 'revoke_walk',
  description: 'the revocation walk never uses a map entry after it was unmapped (a use after free)',
  check(m, out) {
    for (const msg of m.kernel.revokePolicy.staleUses) out.push({ invariant: 'revoke_walk', message: msg });
  },
};
