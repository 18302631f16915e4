import { inject, injectable } from 'inversify';
import type { EventBus } from '../events/EventBus.ts';
import type { EventSubscriber } from '../events/EventSubscriber.ts';
import { PhysMem } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { KGen } from '../sched/KGen.ts';
import { type FaultWindow, type Pager, PagerResult } from './Pager.ts';

/** The vnode pager's state of one object (in `obj.pagerData`). */
interface VnodePagerData {
  /** The file was revoked under `revoke.mode: zap`: page-ins fail, nothing is written back. */
  revoked: boolean;
}

function revoked(obj: VmObject): boolean {
  return (obj.pagerData as VnodePagerData | undefined)?.revoked === true;
}

/**
 * The vnode pager (FreeBSD vnode_pager.c): pages of a file-backed object come from the
 * file and are written back to it. A page at or past the end of the file does not exist; the
 * part of the last page past the end reads zero, and stores there do not reach the file.
 *
 * It is also a subscriber (bound in core's module): on `file_revoke` it marks the file's
 * object revoked, and from then on a page-in fails as a missing page (SIGBUS/BUS_ADRERR, as
 * a revoked file's fault handler answers) and a page-out writes nothing; `haspage` still
 * answers for the file as it is.
 */
@injectable()
export class VnodePager implements Pager, EventSubscriber {
  readonly name = 'vnode';

  constructor(@inject(PhysMem) private readonly mem: PhysMem) {}

  subscribe(bus: EventBus): void {
    bus.on('file_revoke', this.name, (e) => {
      e.object.pagerData = { revoked: true } satisfies VnodePagerData;
    });
  }

  haspage(obj: VmObject, pindex: number): boolean {
    return obj.file !== null && pindex < obj.file.pages;
  }

  *getpages(obj: VmObject, pindex: number, frame: number, _w: FaultWindow): KGen<PagerResult> {
    const f = obj.file;
    if (f === null || pindex >= f.pages || revoked(obj)) return PagerResult.Bad;
    const c = this.mem.contents;
    c.fill(frame, f.pageBackground(pindex));
    f.forEachWritten(pindex, (w, v) => c.write(frame, w, v));
    return PagerResult.Ok;
  }

  putpages(obj: VmObject, frames: readonly number[]): boolean {
    const f = obj.file;
    if (f === null || revoked(obj)) return false;
    const c = this.mem.contents;
    for (const fr of frames) {
      const p = this.mem.pindexOf(fr);
      if (p < f.pages) f.writePage(p, (w) => c.read(fr, w));
    }
    return true;
  }
}
