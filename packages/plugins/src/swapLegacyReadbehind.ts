import { type FaultWindow, type KGen, type PolicyBinding, type VmObject } from '@vmlab/core';
import { type ClusterPage, type SwapPager, SwapReadBehind } from '@vmlab/pager-swap';
import { ContainerModule } from 'inversify';

/**
 * `swap.readbehind: after_unlock`, the 2018 order (before r335171 / D15293): getpages drops
 * the object lock for its I/O buffer first and only then allocates the read-behind and
 * read-ahead pages in the object, whatever a concurrent vm_object_split moved out of it
 * meanwhile (there is no OBJ_SPLIT check), and the fault does not revalidate the map after
 * it slept in the pager (`afterPagerSleep`: the swap pager's module binds core's
 * FaultRevalidatePolicy to this strategy, so this one binding switches both).
 */
export class AllocAfterUnlock implements SwapReadBehind {
  readonly afterPagerSleep = false;
  *cluster(pager: SwapPager, obj: VmObject, pindex: number, w: FaultWindow): KGen<ClusterPage[]> {
    yield* pager.waitForBuffer();
    return pager.allocCluster(obj, pindex, w);
  }
}

export const swapAfterUnlockModule = new ContainerModule(({ bind, rebind, isBound }) => {
  if (isBound(SwapReadBehind)) rebind(SwapReadBehind).toConstantValue(new AllocAfterUnlock());
  else bind(SwapReadBehind).toConstantValue(new AllocAfterUnlock());
});

/** The policy binding of `swap.readbehind: after_unlock`. */
export const swapAfterUnlockBinding: PolicyBinding = {
  key: 'swap.readbehind',
  value: 'after_unlock',
  module: swapAfterUnlockModule,
};
