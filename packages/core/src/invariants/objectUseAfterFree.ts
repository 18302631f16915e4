import type { Invariant } from './Invariant.ts';

/**
 * `object_use_after_free`: no kernel path touches a VM object after it was terminated
 * (object/VmObjects.ts `staleUses`; the fault fast path's vm_object_unbusy under
 * `fault.soft_fast: unlock_first`, FreeBSD D38527).
 */
export const objectUseAfterFreeInvariant: Invariant = {
  name: 'object_use_after_free',
  description: 'no kernel path uses a VM object after it was terminated (a use after free)',
  check(m, out) {
    for (const msg of m.kernel.objects.staleUses) out.push({ invariant: 'object_use_after_free', message: msg });
  },
};
