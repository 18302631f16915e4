import type { Outcome } from '../abi/outcome.ts';
import type { PageoutRequest } from '../policy/PageDaemon.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * pageout (FreeBSD sys/vm/vm_pageout.c, driven on demand): a range of a process, N pages
 * in LRU order, or down to the free target; the page daemon bound as a policy
 * (policy/PageDaemon.ts, pageout/) does the work.
 */
export function* pageout(k: Kernel, a: PageoutRequest): KGen<Outcome> {
  return yield* k.pageDaemon.pageout(k.vm, a);
}
