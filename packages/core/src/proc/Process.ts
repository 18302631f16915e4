import type { PmapThread } from '../pmap/Pmap.ts';
import type { Vmspace } from './Vmspace.ts';

/** A thread: its CPU and MD register state (PmapThread), and whether it is alive. */
/** A signal frame the kernel pushed (sendsig) and sigreturn pops: where it lies, and MD state saved in it. */
export interface SigFrame {
  readonly addr: number;
  readonly onAltStack: boolean;
  /** What the arch saved (amd64: the interrupted PKRU, T1.5), by name. */
  readonly md: Record<string, number>;
}

export class Thread implements PmapThread {
  md: unknown = undefined;
  /** See PmapThread.mdStrict. */
  mdStrict = false;
  alive = true;
  /** sigaltstack: the alternate signal stack, or null. */
  altStack: { addr: number; len: number } | null = null;
  /** Signal frames delivered and not yet returned from, innermost last. */
  readonly sigFrames: SigFrame[] = [];
  constructor(
    readonly pid: number,
    readonly tid: number,
    public cpu: number,
  ) {}
}

/** `new`: being created by fork (FreeBSD PRS_NEW); it exists, but no step can name it yet. */
export type ProcState = 'new' | 'running' | 'exiting' | 'zombie' | 'reaped';

/** A process: its vmspace, threads, and the scenario names bound in it. */
export class Process {
  readonly threads = new Map<number, Thread>();
  /** Names bound by `as:` (a forked child inherits them; execve clears them). */
  names = new Map<string, number>();
  state: ProcState = 'running';
  parent = 0;

  constructor(
    readonly pid: number,
    public vmspace: Vmspace,
    readonly kernel: boolean,
  ) {}

  /** The live thread with this id. */
  thread(tid: number): Thread | undefined {
    const t = this.threads.get(tid);
    return t?.alive ? t : undefined;
  }

  get liveThreads(): number {
    let n = 0;
    for (const t of this.threads.values()) if (t.alive) n++;
    return n;
  }
}
