import type { ImplicitKind } from './TraceOp.ts';

/** What a reader saw: sizes, accesses before and after collapsing, system calls, skips. */
export class TraceStats {
  files = 0;
  bytes = 0;
  lines = 0;
  /** Accesses as recorded (an access that straddles a page counts once). */
  accesses = 0;
  /** Recorded accesses by lackey record kind. */
  instr = 0;
  loads = 0;
  stores = 0;
  modifies = 0;
  /** Access records handed to the sink after collapsing runs on one page. */
  records = 0;
  /** System calls by name, as recorded (replayed, ignored or failed). */
  readonly syscalls = new Map<string, number>();
  /** Calls that returned an error (they changed nothing and are not replayed). */
  failed = 0;
  /** Lines or calls skipped with a warning. */
  skipped = 0;
  /** Pages mapped on first touch because they existed before the trace's first system call, by kind. */
  readonly implicit: Record<ImplicitKind, number> = { text: 0, data: 0, stack: 0 };

  countCall(name: string): void {
    this.syscalls.set(name, (this.syscalls.get(name) ?? 0) + 1);
  }

  toJSON(): Record<string, unknown> {
    return {
      files: this.files,
      bytes: this.bytes,
      lines: this.lines,
      accesses: this.accesses,
      byKind: { instr: this.instr, load: this.loads, store: this.stores, modify: this.modifies },
      records: this.records,
      syscalls: Object.fromEntries([...this.syscalls].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      failed: this.failed,
      skipped: this.skipped,
      implicit: { ...this.implicit },
    };
  }
}
