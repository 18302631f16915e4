import { type Outcome, errno } from '../abi/outcome.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * revoke(2) (FreeBSD sys/kern/vfs_syscalls.c sys_revoke → VOP_REVOKE; the mapping walk of
 * revoke_mappings): every mapping of the file is revoked and new mappings of it fail with
 * ENXIO. The walk and what one revocation does are policies (policy/RevokePolicy.ts, revoke/).
 */
export function* revoke(k: Kernel, path: string, evenCows: boolean): KGen<Outcome> {
  const rec = k.files.get(path);
  if (rec === undefined) return errno('ENOENT');
  return yield* k.revokePolicy.revoke(k.vm, rec.file, rec.object, evenCows);
}
