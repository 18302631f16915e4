import { type Invariant, type Machine, type Pmap, PmapContextToken, type PmapContext, type Violation } from '@vmlab/core';
import { Amd64Pmap } from './Amd64Pmap.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * `key_lifetime` (SCENARIO.md "Invariants"): the amd64 side table holds only what the
 * lifecycle events allow. No non-persistent key lies over a range whose mapping was
 * logically deleted (map_delete allowed the drop) and that no SET has assigned since;
 * under `abi: linux` the pmap keeps no rangeset at all (keys live on map entries); and
 * every present PTE carries the key its placement records.
 */
export const keyLifetimeInvariant: Invariant = {
  name: 'key_lifetime',
  description: 'no non-persistent PKRU key over a logically deleted range; no pmap rangeset under the Linux design',
  check(m: Machine, out: Violation[]): void {
    const ctx = m.container.get<PmapContext>(PmapContextToken);
    for (const pm of ctx.pmaps) if (pm !== undefined) keyLifetimeInvariant.checkPmap!(m, pm, out);
  },
  checkPmap(_m: Machine, pm: Pmap, out: Violation[]): void {
    if (!(pm instanceof Amd64Pmap) || pm.isDestroyed) return;
    // Every present PTE carries the key its placement records now (taken at insertion,
    // rewritten by SET / CLEAR and by Linux key changes; a drop only happens with the PTEs gone).
    let bad = -1;
    pm.forEachMapping(0, Number.MAX_SAFE_INTEGER, (va) => {
      if (bad === -1 && (pm.pte(va)?.pkey ?? 0) !== pm.keyAt(va)) bad = va;
    });
    if (bad !== -1) {
      out.push({
        invariant: 'key_lifetime',
        message: `pmap ${pm.id}: the PTE at ${hex(bad)} has key ${pm.pte(bad)?.pkey ?? 0}, its placement records ${pm.keyAt(bad)}`,
      });
    }
    if (pm.entryPlacement) {
      if (pm.keys.size > 0) out.push({ invariant: 'key_lifetime', message: `pmap ${pm.id}: a rangeset under the Linux design` });
      return;
    }
    for (const iv of pm.keys.intervals()) {
      if (iv.persist || !pm.deleted.overlaps(iv.start, iv.end)) continue;
      out.push({
        invariant: 'key_lifetime',
        message: `pmap ${pm.id}: non-persistent key ${iv.key} over [${hex(iv.start)}, ${hex(iv.end)}) outlived the logical unmap of part of it`,
      });
    }
  },
};
