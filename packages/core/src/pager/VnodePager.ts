import { inject, injectable } from 'inversify';
import { PhysMem } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { KGen } from '../sched/KGen.ts';
import { type FaultWindow, type Pager, PagerResult } from './Pager.ts';

/**
 * The vnode pager (FreeBSD vnode_pager.c): pages of a file-backed object come from the
 * file and are written back to it. A page at or past the end of the file does not exist; the
 * part of the last page past the end reads zero, and stores there do not reach the file.
 */
@injectable()
export class VnodePager implements Pager {
  readonly name = 'vnode';

  constructor(@inject(PhysMem) private readonly mem: PhysMem) {}

  haspage(obj: VmObject, pindex: number): boolean {
    return obj.file !== null && pindex < obj.file.pages;
  }

  *getpages(obj: VmObject, pindex: number, frame: number, _w: FaultWindow): KGen<PagerResult> {
    const f = obj.file;
    if (f === null || pindex >= f.pages) return PagerResult.Bad;
    const c = this.mem.contents;
    c.fill(frame, f.pageBackground(pindex));
    f.forEachWritten(pindex, (w, v) => c.write(frame, w, v));
    return PagerResult.Ok;
  }

  putpages(obj: VmObject, frames: readonly number[]): boolean {
    const f = obj.file;
    if (f === null) return false;
    const c = this.mem.contents;
    for (const fr of frames) {
      const p = this.mem.pindex[fr] as number;
      if (p < f.pages) f.writePage(p, (w) => c.read(fr, w));
    }
    return true;
  }
}
