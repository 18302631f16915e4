/** Moved: the policy is policy/PageDaemon.ts, the daemon pageout/SimplePageDaemon.ts. This path re-exports them. */
export { PageDaemon, simplePageDaemonModule } from '../policy/PageDaemon.ts';
export { SimplePageDaemon, freeTarget } from '../pageout/SimplePageDaemon.ts';
