/**
 * The Mazurkiewicz trace of a schedule prefix, in Foata normal form: each choice (a
 * transition of the chosen thread) is placed one level above the highest earlier choice of a
 * thread it depends on (itself included, threadDependence otherwise). Two prefixes are
 * equivalent (they differ only by swapping adjacent independent transitions, so they reach
 * the same machine state and the same thread positions) exactly when their level sets are
 * equal. Immutable: `then` gives the class one choice further.
 */
export class TraceClass {
  private constructor(
    /** The finished segments' key (earlier `concurrent` steps). */
    private readonly done: string,
    /** This segment's dependence matrix (null before the first segment). */
    private readonly dep: readonly (readonly boolean[])[] | null,
    /** Per level, the threads with a transition there (ascending, comma-separated). */
    private readonly levels: readonly string[],
    /** Per thread, the level of its last transition (0: none yet). */
    private readonly last: readonly number[],
  ) {}

  static readonly EMPTY = new TraceClass('', null, [], []);

  /** The class at the start of a new `concurrent` step with this dependence. */
  segment(dep: readonly (readonly boolean[])[]): TraceClass {
    return new TraceClass(
      this.dep === null ? this.done : `${this.done}|${this.levels.join('.')}`,
      dep,
      [],
      dep.map(() => 0),
    );
  }

  /** The class after thread `t` runs one more transition. */
  after(t: number): TraceClass {
    const dep = this.dep;
    if (dep === null) throw new Error('TraceClass.after before a segment');
    let lvl = 0;
    for (let u = 0; u < this.last.length; u++) if (dep[t]![u] === true || u === t) lvl = Math.max(lvl, this.last[u]!);
    const levels = this.levels.slice();
    while (levels.length <= lvl) levels.push('');
    const at = levels[lvl]!;
    levels[lvl] =
      at === ''
        ? String(t)
        : at
            .split(',')
            .map(Number)
            .concat(t)
            .sort((a, b) => a - b)
            .join(',');
    const last = this.last.slice();
    last[t] = lvl + 1;
    return new TraceClass(this.done, dep, levels, last);
  }

  /** The key: equal keys, equivalent prefixes. */
  key(): string {
    return `${this.done}|${this.levels.join('.')}`;
  }
}
