/**
 * Whether a fault that slept in its pager looks the map up again before it maps the page
 * (vm_fault after vm_pager_get_pages: a map whose timestamp changed restarts the fault).
 * FreeBSD does since r335171 (D15293), which also made the swap pager allocate its
 * read-behind pages before it drops the object lock: the two changes are one fix, so the
 * swap pager's read-behind order binds this token (pager-swap's module), and the legacy
 * value `swap.readbehind: after_unlock` turns both off with one binding.
 */
export const FaultRevalidatePolicy = Symbol('FaultRevalidatePolicy');
export interface FaultRevalidatePolicy {
  /** True: a changed map after pager I/O restarts the fault (the fix). */
  readonly afterPagerSleep: boolean;
}

/** The fix (default, and what core binds): revalidate after every pager sleep. */
export const faultRevalidatesAfterPagerSleep: FaultRevalidatePolicy = { afterPagerSleep: true };
