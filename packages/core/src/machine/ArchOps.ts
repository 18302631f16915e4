/** Moved to sys/ArchOps.ts (MD system calls belong to the system-call layer); this path re-exports it. */
export { ArchOps, type EntryFlagsContext, type MdArgs } from '../sys/ArchOps.ts';
