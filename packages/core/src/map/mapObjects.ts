import type { VmObject } from '../object/VmObject.ts';
import type { Vmspace } from '../proc/Vmspace.ts';

/** The objects a map's entries reach (each once, chains included), in map order. */
export function mapObjects(vms: Vmspace): VmObject[] {
  const seen = new Set<VmObject>();
  for (const e of vms.map.entries) for (let o = e.object; o !== null; o = o.backing) seen.add(o);
  return [...seen];
}
