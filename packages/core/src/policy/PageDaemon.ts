import { ContainerModule } from 'inversify';
import type { Outcome } from '../abi/outcome.ts';
import { SimplePageDaemon } from '../pageout/SimplePageDaemon.ts';
import type { Process } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';

/** What `pageout` asks for: a range of a process, N pages in LRU order, or the free target. */
export interface PageoutRequest {
  p?: Process;
  start?: number;
  len?: number;
  pages?: number;
}

/** The page daemon: reclaims pages for `pageout` and when allocation runs dry (pageout/). */
export const PageDaemon = Symbol('PageDaemon');
export interface PageDaemon {
  /** `pageout`: a range of a process, N pages in LRU order, or down to the free target. */
  pageout(ctx: VmContext, a: PageoutRequest): KGen<Outcome>;
  /** Frees pages when an allocation found none; true if it freed any. */
  reclaim(ctx: VmContext): boolean;
}

export const simplePageDaemonModule = new ContainerModule(({ bind }) => {
  bind<PageDaemon>(PageDaemon).toConstantValue(new SimplePageDaemon());
});
