import { AnonPager, EventSubscriber, FaultRevalidatePolicy, type MachineSpec, type PolicyDefinition } from '@vmlab/core';
import { ContainerModule } from 'inversify';
import { AllocBeforeUnlock, SwapPager, SwapReadBehind, parseCluster } from './SwapPager.ts';

/** Policy keys owned by the swap pager (POLICIES.md). */
export const SWAP_POLICIES: PolicyDefinition[] = [
  {
    key: 'swap.readbehind',
    values: ['before_unlock'],
    owner: '@vmlab/pager-swap',
    rules: 'T3.5–T3.7',
    description:
      "When the swap pager allocates its read-behind and read-ahead pages. before_unlock (the D15293 fix): busy, before getpages drops the object lock; no clustering on an object being split; the fault revalidates the map. after_unlock is the 2018 bug in which a fault racing fork's object split re-creates pages the split already moved.",
  },
  {
    key: 'swap.cluster',
    values: ['8'],
    owner: '@vmlab/pager-swap',
    rules: 'T3.7',
    description:
      'The read-behind plus read-ahead window of a swap page-in (a number of pages, 1 = no clustering), aligned on its size and clipped to the faulting entry.',
    accepts: (v) => parseCluster(v) !== undefined,
  },
];

/**
 * The swap pager's module, the package's entry point: anonymous objects get the swap pager
 * (rebinding core's zero-fill pager), which is also an event subscriber (swap space freed
 * on the logical unmap of an object's only mapping, whole-process swapout accounting); the
 * default read-behind order, `before_unlock`; and core's FaultRevalidatePolicy taken from
 * the bound read-behind order (one fix, r335171), so `swap.readbehind: after_unlock`
 * switches both with one binding.
 */
export const swapPagerModule = new ContainerModule(({ bind, rebind, isBound }) => {
  if (isBound(AnonPager)) rebind(AnonPager).to(SwapPager);
  else bind(AnonPager).to(SwapPager);
  bind(EventSubscriber).toService(AnonPager);
  bind(SwapReadBehind).toConstantValue(new AllocBeforeUnlock());
  rebind(FaultRevalidatePolicy).toDynamicValue((ctx) => ctx.get<SwapReadBehind>(SwapReadBehind));
});

/** Loaded on machines with swap space. */
export const swapBaseModule = {
  name: 'swap',
  module: swapPagerModule,
  apply: (spec: MachineSpec): boolean => spec.swap > 0,
};
