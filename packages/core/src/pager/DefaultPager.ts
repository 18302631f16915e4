import { injectable } from 'inversify';
import type { VmObject } from '../object/VmObject.ts';
import type { KGen } from '../sched/KGen.ts';
import { type FaultWindow, type Pager, PagerResult } from './Pager.ts';

/**
 * The default pager of anonymous objects (FreeBSD OBJT_DEFAULT): no backing store, so every
 * page that is not resident is zero-filled by the fault. The swap pager replaces it.
 */
@injectable()
export class DefaultPager implements Pager {
  readonly name = 'default';

  haspage(_obj: VmObject, _pindex: number): boolean {
    return false;
  }

  *getpages(_obj: VmObject, _pindex: number, _frame: number, _w: FaultWindow): KGen<PagerResult> {
    return PagerResult.Bad;
  }

  putpages(_obj: VmObject, _frames: readonly number[]): boolean {
    return false;
  }

  used(): number {
    return 0;
  }
}
