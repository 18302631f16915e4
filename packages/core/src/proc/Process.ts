import type { PmapThread } from '../pmap/Pmap.ts';
import type { Vmspace } from './Vmspace.ts';

/** A thread: its CPU and MD register state (PmapThread), and whether it is alive. */
export class Thread implements PmapThread {
  md: unknown = undefined;
  alive = true;
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
    return t !== undefined && t.alive ? t : undefined;
  }

  get liveThreads(): number {
    let n = 0;
    for (const t of this.threads.values()) if (t.alive) n++;
    return n;
  }
}
