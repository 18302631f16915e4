/** Moved: the policy is policy/ExitPolicy.ts, the purge exit/uvmspacePurge.ts. This path re-exports them. */
export { ExitPolicy, exitAtLastReference, exitLastReferenceModule, exitPurgeInExit, exitPurgeInExitModule } from '../policy/ExitPolicy.ts';
export { uvmspacePurge } from '../exit/uvmspacePurge.ts';
