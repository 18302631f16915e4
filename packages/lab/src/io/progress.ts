/**
 * A progress bar for long commands (fuzz, explore, bench): done and total, rate, elapsed time
 * and ETA, on stderr, only on a terminal: nothing under CI=true, with --json, or when stderr is
 * not a TTY. The bar library is loaded only when a bar is shown, so start-up does not pay for it.
 */

export interface Progress {
  /** `done` of the total so far; `label` replaces the title. */
  update(done: number, label?: string): void;
  /** Clears the bar (idempotent). */
  stop(): void;
}

const OFF: Progress = { update: () => undefined, stop: () => undefined };

/** Whether a bar is shown: a terminal's stderr, no --json, not CI. */
export function progressShown(json: boolean, env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): boolean {
  return !json && isTTY && env.CI !== 'true' && env.CI !== '1';
}

export interface ProgressOptions {
  title: string;
  total: number;
  /** What is counted: ops, schedules, parts. */
  unit: string;
  json: boolean;
}

export async function startProgress(o: ProgressOptions): Promise<Progress> {
  if (!progressShown(o.json)) return OFF;
  const { SingleBar } = (await import('cli-progress')).default;
  const started = Date.now();
  const bar = new SingleBar({
    format: `{title} [{bar}] {value}/{total} ${o.unit} | {rate}/s | elapsed {duration_formatted} | ETA {eta_formatted} | Ctrl-C stops`,
    stream: process.stderr,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 5,
  });
  bar.start(Math.max(1, o.total), 0, { title: o.title, rate: '0' });
  let stopped = false;
  return {
    update: (done, label) => {
      if (stopped) return;
      const s = (Date.now() - started) / 1000;
      bar.update(Math.min(done, Math.max(1, o.total)), { title: label ?? o.title, rate: s > 0 ? Math.round(done / s).toLocaleString('en') : '0' });
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
