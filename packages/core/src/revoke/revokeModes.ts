import { PAGE_SIZE } from '../abi/constants.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import { pmapRemove } from '../pmap/pmapCalls.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';
import type { RevokeMode } from './RevocationWalk.ts';
import { emitFileRevoke, emitRevoke } from '../events/emit.ts';

/** Removes the translations of [start, end) that map a page not of an anonymous object, in runs. */
function zapFilePages(ctx: VmContext, vms: Vmspace, start: number, end: number): void {
  const mem = ctx.mem;
  let run = -1;
  for (let va = start; va <= end; va += PAGE_SIZE) {
    const f = va < end ? vms.pmap.extract(va) : -1;
    const zap = f >= 0 && ctx.objects.live.get(mem.objectOf(f))?.isAnon !== true;
    if (zap && run < 0) run = va;
    if (!zap && run >= 0) {
      pmapRemove(ctx.bus, vms.pmap, run, va, 'revoke');
      run = -1;
    }
  }
}

/**
 * Revokes one mapping's translations: the `revoke` event first (the entry is still as it
 * was), then a physical removal (`pmap_remove` with reason `revoke`), never a map_delete.
 */
function revokeMapping(ctx: VmContext, vms: Vmspace, e: VmMapEntry, file: VnodeFile): void {
  emitRevoke(ctx.bus, ctx.ownerOf(vms), vms.pmap, e.start, e.end, file.path);
  if (!vms.dead) pmapRemove(ctx.bus, vms.pmap, e.start, e.end, 'revoke');
}

/**
 * `replace_entry` (the 2010 revoke_mappings design, T7.2): each mapping keeps its bounds,
 * protection and inheritance, loses its object (private copies included), and faults with
 * SIGBUS/BUS_ADRERR. Its translations are removed physically.
 */
export const replaceEntryMode: RevokeMode = {
  value: 'replace_entry',
  begin() {},
  revokeEntry(ctx, vms, e, _o, _evenCows) {
    revokeMapping(ctx, vms, e, e.file!);
    e.revoked = true;
    const o = e.object;
    e.object = null;
    ctx.objects.deallocate(o);
    vms.map.timestamp++;
  },
};

/**
 * `zap` (Linux unmap_mapping_range + a SIGBUS fault handler, T7.5): the file object stops
 * paging in (the `file_revoke` event: its pager, subscribed, fails every page-in from now)
 * and its cached pages go; each mapping's PTEs are removed, the entry stays as it was. With
 * `even_cows`, private copies (pages of anonymous shadows between the entry and the file
 * object) are freed too, so their next access falls through to SIGBUS.
 */
export const zapMode: RevokeMode = {
  value: 'zap',
  begin(ctx, file, o) {
    emitFileRevoke(ctx.bus, file.path, o);
    ctx.objects.pageRemove(o, 0, o.size, false);
  },
  revokeEntry(ctx, vms, e, fileObject, evenCows) {
    if (!evenCows) {
      // zap_details.even_cows = 0: should_zap_folio keeps the PTEs of anonymous pages (the
      // private copy-on-write copies) and zaps those of the file's pages.
      emitRevoke(ctx.bus, ctx.ownerOf(vms), vms.pmap, e.start, e.end, e.file!.path);
      if (!vms.dead) zapFilePages(ctx, vms, e.start, e.end);
      return;
    }
    revokeMapping(ctx, vms, e, e.file!);
    let first = e.offset;
    for (let o = e.object; o !== null && o !== fileObject; o = o.backing) {
      if (o.isAnon) {
        ctx.objects.pageRemove(o, first, first + e.pages, false);
        o.pager.freeRange?.(o, first, first + e.pages);
      }
      first += o.backingOffset;
    }
  },
};
