import type { Invariant } from './Invariant.ts';

/** `revoke_walk`: the revocation walk never acts on an entry that has left its map (revoke/RevocationWalk.ts). */
export const revokeWalkInvariant: Invariant = {
  name: 'revoke_walk',
  description: 'the revocation walk never uses a map entry after it was unmapped (a use after free)',
  check(m, out) {
    for (const msg of m.kernel.revokePolicy.staleUses) out.push({ invariant: 'revoke_walk', message: msg });
  },
};

/** `mrelease_walk`: process_mrelease never walks a map entry exit_mmap freed (sys/process_mrelease.ts). */
export const mreleaseWalkInvariant: Invariant = {
  name: 'mrelease_walk',
  description: 'process_mrelease never walks an area exit_mmap has freed (a use after free)',
  check(m, out) {
    for (const msg of m.kernel.staleVmaUses) out.push({ invariant: 'mrelease_walk', message: msg });
  },
};
