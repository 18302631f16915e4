/** @vmlab/pager-swap: the swap pager (swap space, clustered page-in, page-out). */
export const SWAP_PAGER_PACKAGE = '@vmlab/pager-swap';
