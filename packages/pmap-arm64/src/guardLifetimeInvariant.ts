import { type Invariant, liveVmspaces, type Machine, type Violation, type Vmspace } from '@vmlab/core';
import { Arm64Pmap, ENTRY_BTI } from './Arm64Pmap.ts';
import { GuardRangeset } from './GuardRangeset.ts';

/** `guard_lifetime`: GP bits agree with the rangeset, the rangeset stays in user space, and under Linux it is exactly the PROT_BTI entries. */
export const guardLifetimeInvariant: Invariant = {
  name: 'guard_lifetime',
  description:
    'every present PTE is guarded exactly when its pmap rangeset covers it; guards lie in user space; under abi linux the rangeset is the PROT_BTI entries',
  check(m: Machine, out: Violation[]): void {
    for (const vms of liveVmspaces(m.kernel)) guardLifetimeInvariant.checkVmspace!(m, vms, out);
  },
  checkVmspace(m: Machine, vms: Vmspace, out: Violation[]): void {
    const k = m.kernel;
    const pmap = vms.pmap;
    if (!(pmap instanceof Arm64Pmap)) return;
    const b = pmap.bti;
    for (const { start: s, end: e } of b?.intervals() ?? []) {
      if (s < 0 || e > k.userTop)
        out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: guard [0x${s.toString(16)}, 0x${e.toString(16)}) outside user space` });
    }
    pmap.forEachMapping(vms.map.min, vms.map.max, (va) => {
      const want = b?.contains(va) === true;
      if (pmap.pteGuarded(va) !== want) {
        out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: PTE at 0x${va.toString(16)} guarded=${!want} but rangeset says ${want}` });
      }
    });
    if (k.abi === 'linux' && b !== null) {
      const want = new GuardRangeset();
      for (const en of vms.map.entries) if ((en.mdFlags & ENTRY_BTI) !== 0) want.add(en.start, en.end);
      if (!want.sameCoverage(b)) out.push({ invariant: 'guard_lifetime', message: `pmap ${pmap.id}: guarded ranges differ from the PROT_BTI entries` });
    }
  },
};
