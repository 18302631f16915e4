/**
 * The signal code a fault past the end of a file object raises, by ABI (what each kernel's
 * trap path delivers, not what a contract once said):
 *
 * - FreeBSD: vm_fault returns KERN_OUT_OF_BOUNDS, which vm_fault_trap turns into
 *   SIGBUS/BUS_OBJERR (asserted by tests/sys/vm/page_fault_signal.c `bus_objerr_1/2`).
 * - Linux: the fault handler returns VM_FAULT_SIGBUS and do_sigbus (arch/x86/mm/fault.c,
 *   arch/arm64/mm/fault.c) sends SIGBUS/BUS_ADRERR.
 * - OpenBSD: uvm_fault returns EIO when the pager cannot produce the page, and every
 *   trap.c (amd64 upageflttrap, arm64 data_abort) maps EIO to SIGBUS/BUS_OBJERR.
 */
export function outOfBoundsCode(abi: string): 'BUS_OBJERR' | 'BUS_ADRERR' {
  return abi === 'linux' ? 'BUS_ADRERR' : 'BUS_OBJERR';
}
