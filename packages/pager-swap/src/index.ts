/** @vmlab/pager-swap: the swap pager (swap space, clustered page-in, page-out). */
export const SWAP_PAGER_PACKAGE = '@vmlab/pager-swap';
export { AllocBeforeUnlock, type ClusterPage, SwapPager, SwapReadBehind, parseCluster } from './SwapPager.ts';
export { type FaultSpec, SWAP_FAULT_POINTS, SwapFaults } from './SwapFaults.ts';
export { SWAP_POLICIES, swapBaseModule, swapPagerModule } from './module.ts';
