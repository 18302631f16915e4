import { ContainerModule } from 'inversify';
import { OK, type Outcome } from '../abi/outcome.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/** `revoke.mode` / `revoke.walk`: how every mapping of a file is revoked. */
export const RevokePolicy = Symbol('RevokePolicy');
export interface RevokePolicy {
  revoke(k: Kernel, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome>;
}

/**
 * `replace_entry` (the 2010 revoke_mappings design, T7.2): each mapping keeps its bounds,
 * protection and inheritance, loses its object, and faults with SIGBUS/BUS_ADRERR. Its
 * translations are removed physically (a `revoke` event, never a `map_delete`).
 */
export class ReplaceEntryRevoke implements RevokePolicy {
  *revoke(k: Kernel, file: VnodeFile, _object: VmObject, _evenCows: boolean): KGen<Outcome> {
    file.revoked = true;
    const pids = [...k.procs.keys()].sort((a, b) => a - b);
    for (const pid of pids) {
      const p = k.procs.get(pid)!;
      const vms = p.vmspace;
      if (vms.dead) continue;
      for (const e of vms.map.entries) {
        if (e.file !== file || e.revoked) continue;
        k.bus.emit({ kind: 'revoke', pid, pmap: vms.pmap, start: e.start, end: e.end, file: file.path });
        k.pmapRemove(vms, e.start, e.end, 'revoke');
        e.revoked = true;
        const o = e.object;
        e.object = null;
        k.objects.deallocate(o);
        vms.map.timestamp++;
      }
    }
    return OK;
  }
}

export const replaceEntryRevokeModule = new ContainerModule(({ bind }) => {
  bind<RevokePolicy>(RevokePolicy).toConstantValue(new ReplaceEntryRevoke());
});
