export { PageStore } from './PageStore.ts';
export {
  PhysMem,
  type MemqOwner,
  PG_BUSY,
  PG_DIRTY,
  PG_REUSABLE,
  PG_REFERENCED,
  PG_SWAPINPROG,
  PG_TABLED,
  PG_WIRED,
  PG_RELEASED,
  PQ_NONE,
  PQ_ACTIVE,
  PQ_INACTIVE,
  PQ_LAUNDRY,
  PQ_FREE,
  PQ_COUNT,
} from './PhysMem.ts';
export { ResidentIndex } from './ResidentIndex.ts';
export { PvTable } from './PvTable.ts';
export { SoftPageTable, MAX_VPN } from './SoftPageTable.ts';
