import { ContainerModule } from 'inversify';
import { SimplePageDaemon } from '../pageout/SimplePageDaemon.ts';
import type { PageDaemon as PageDaemonShape } from '../vm/VmContext.ts';

export type { PageoutRequest } from '../vm/VmContext.ts';

/** The page daemon: reclaims pages for `pageout` and when allocation runs dry (pageout/). */
export const PageDaemon = Symbol('PageDaemon');
/** The interface (declared beside the context in vm/VmContext.ts). */
export type PageDaemon = PageDaemonShape;

export const simplePageDaemonModule = new ContainerModule(({ bind }) => {
  bind<PageDaemon>(PageDaemon).toConstantValue(new SimplePageDaemon());
});
