import { type Invariant, type Machine, type PmapContext, PmapContextToken, PTE_R, PTE_V, PTE_W, type Violation } from '@vmlab/core';
import { PTE_U, RISCV64_USER_TOP, Riscv64Pmap } from './Riscv64Pmap.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * `sv48_pte`: every present PTE of a user pmap has a legal Sv48 leaf encoding: V set, U
 * set, and W only with R.
 */
export const sv48PteInvariant: Invariant = {
  name: 'sv48_pte',
  description: 'every present user PTE is a legal Sv48 leaf: V and U set, no W without R',
  check(m: Machine, out: Violation[]): void {
    const ctx = m.container.get<PmapContext>(PmapContextToken);
    for (const pm of ctx.pmaps) {
      if (!(pm instanceof Riscv64Pmap) || pm.kernel || pm.isDestroyed) continue;
      pm.forEachMapping(0, RISCV64_USER_TOP, (va) => {
        const b = pm.bitsAt(va);
        if ((b & PTE_V) === 0 || (b & PTE_U) === 0 || ((b & PTE_W) !== 0 && (b & PTE_R) === 0)) {
          out.push({ invariant: 'sv48_pte', message: `pmap ${pm.id}: the PTE at ${hex(va)} has bits ${hex(b)}` });
        }
      });
    }
  },
};
