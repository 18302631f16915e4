/**
 * The snapshots a search keeps (snapshotRun.ts takes them): one per `concurrent` step start
 * reached on the current path, each with the choices made before it. A snapshot serves a
 * run whose forced prefix starts with exactly those choices (the run would pass through the
 * same machine state there), so the run resumes from it instead of running from the first
 * step. The deepest one that serves is used.
 */
import type { ExplorePoint } from './exploreTypes.ts';
import type { Resumable, SnapshotUse } from './recordRun.ts';

export class SnapshotShelf {
  private kept: Resumable[] = [];
  private taken = 0;
  private restored = 0;

  /** `firstOnly`: keep only snapshots taken before any choice (the sampling strategies: their runs share nothing else). */
  constructor(
    readonly enabled: boolean,
    readonly firstOnly = false,
  ) {}

  /** The deepest snapshot serving a run forced along `prefix`; drops the ones no later prefix can use. */
  resumeFor(prefix: readonly number[]): Resumable | undefined {
    if (!this.enabled) return undefined;
    // Keep the snapshots whose choices agree with the prefix as far as both go.
    this.kept = this.kept.filter((r) => {
      const n = Math.min(r.points.length, prefix.length);
      for (let i = 0; i < n; i++) if (r.points[i]!.chosen !== prefix[i]) return false;
      return true;
    });
    let best: Resumable | undefined;
    for (const r of this.kept) if (r.points.length <= prefix.length && (best === undefined || r.points.length > best.points.length)) best = r;
    if (best !== undefined) this.restored++;
    return best;
  }

  /**
   * The run's snapshot use: resume `from`; take a snapshot where none with the same choices
   * is kept, with the taker's state; `also` hears every `concurrent` step's start first.
   */
  use(from: Resumable | undefined, user: () => unknown, also?: SnapshotUse['at']): SnapshotUse {
    if (!this.enabled) return also !== undefined ? { at: also } : {};
    return {
      ...(from !== undefined ? { from } : {}),
      at: (points, take, state) => {
        also?.(points, take, state);
        if (this.firstOnly && points.length > 0) return;
        if (this.kept.some((r) => sameChoices(r.points, points))) return;
        const r = take();
        if (r === undefined) return;
        r.user = user();
        this.kept.push(r);
        this.taken++;
      },
    };
  }

  /** For the search's stats. */
  stats(): { snapshots: { taken: number; restored: number } } {
    return { snapshots: { taken: this.taken, restored: this.restored } };
  }
}

function sameChoices(a: readonly ExplorePoint[], b: readonly ExplorePoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.chosen !== b[i]!.chosen) return false;
  return true;
}
