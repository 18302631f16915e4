/** The counters moved to vm/Counters.ts (below the map layer); this path re-exports them. */
export { Counters } from '../vm/Counters.ts';
