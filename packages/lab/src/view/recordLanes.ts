import type { Catalog, Violation } from '@vmlab/core';
import { fmt } from '../report/formatRun.ts';
import type { RunLog } from '../replay/log.ts';
import { replayLogFile } from '../replay/loadLog.ts';
import type { CommandRecord, SchedulePoint } from '../runner/RunReport.ts';
import type { Step } from '../scenario/ast.ts';
import { formatLanes } from './formatLanes.ts';
import { LaneRecorder } from './lanes.ts';

/** The hooks a run takes to record its lanes, and the lanes as text once it is over. */
export interface LaneHooks {
  onCommand: (c: CommandRecord, s: Step) => void;
  onSchedule: (p: SchedulePoint, s: Step) => void;
  onEventLine: (l: string) => void;
  onCheck: (v: readonly Violation[]) => void;
  /** The lanes in text columns (empty when the run had no concurrent step). */
  text: (stopped: boolean) => string[];
}

export function laneHooks(): LaneHooks {
  const rec = new LaneRecorder();
  const cmds = new Map<number, string>();
  return {
    onCommand: (c, s) => {
      cmds.set(c.seq, `#${c.seq} ${c.op} ${fmt(s.args)}`);
      rec.onCommand(c);
    },
    onSchedule: (p, s) => rec.onSchedule(p, s),
    onEventLine: () => rec.onEventLine(),
    onCheck: (v) => rec.onCheck(v),
    text: (stopped) => formatLanes(rec.finish(stopped), (seq) => cmds.get(seq) ?? `#${seq}`),
  };
}

/** Replays a log and gives its lanes as text (explore prints its counterexample's). */
export async function lanesOfLog(log: RunLog, file: string, catalog: Catalog): Promise<string[]> {
  const h = laneHooks();
  const r = await replayLogFile(log, file, catalog, { observe: h });
  return h.text(r.report.violations.length > 0 && log.config.stopOnViolation);
}
