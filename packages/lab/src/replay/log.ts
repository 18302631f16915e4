/**
 * The run log (ARCHITECTURE.md "Event sourcing"), as JSON lines:
 *
 *   {"type":"config", ...}        the machine configuration, the files, the seed, the run options
 *   {"type":"scenario", ...}      the normalised steps (the log carries the steps: replay needs no file)
 *   {"type":"command", ...}       each command: its sequence number, step, thread and full arguments
 *   {"type":"sched", ...}         each scheduling choice of a `concurrent` step (runnable, chosen, reason)
 *   {"type":"event","event":{..}} each domain event, naming its cause (a command's seq)
 *   {"type":"end", ...}           the sha256 of the domain event log and the event count
 *
 * The command log is the config, scenario, command and sched lines; the domain event log is
 * the event lines. Every line is written as the run goes, so a run that stops early (an
 * invariant violation, a crash in a plugin) still leaves a log up to that point.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileSpec, MachineSpec, Step } from '../scenario/ast.ts';
import { checkLogSteps } from './checkLogSteps.ts';
import type { CommandRecord, RunOptions, RunReport, SchedulePoint } from '../runner/RunReport.ts';

/** A 64-bit value held as a bigint (a step's `len`, an 8-byte store) is written as `{ "u64": "0x..." }`. */
function logReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { u64: `0x${v.toString(16)}` } : v;
}

function logReviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const u = (v as { u64?: unknown }).u64;
    if (typeof u === 'string' && Object.keys(v).length === 1 && /^0x[0-9a-f]+$/.test(u)) return BigInt(u);
  }
  return v;
}

export const LOG_VERSION = 1;

export interface LogConfig {
  type: 'config';
  version: number;
  /** The scenario's name and the file it came from (for messages only). */
  name: string;
  scenario: string;
  /** The machine's name and its resolved configuration (every policy key present). */
  machine: string;
  spec: MachineSpec;
  files: FileSpec[];
  /** The seed of whatever chose the schedule (0 for `run`); the choices themselves are logged. */
  seed: number;
  /** Invariants were checked after every step. */
  check: boolean;
  /** The run stopped at the first invariant violation (explore). */
  stopOnViolation: boolean;
}

export interface LogCommand extends CommandRecord {
  type: 'command';
  args: Step['args'];
}

export interface LogSched extends SchedulePoint {
  type: 'sched';
  /** The source line of the `concurrent` step. */
  line: number;
}

export interface LogEnd {
  type: 'end';
  eventHash: string;
  /** sha256 over the command stream: the config, scenario, command and sched lines as written. */
  commandHash: string;
  events: number;
  commands: number;
  violations: { invariant: string; message: string; step: number }[];
  failures: number;
  error?: string;
}

/** A parsed log. */
export interface RunLog {
  config: LogConfig;
  steps: Step[];
  commands: LogCommand[];
  schedule: LogSched[];
  /** The serialised events, exactly as logged. */
  events: string[];
  end?: LogEnd;
}

/** The log is not a run log (exit code 2). */
export class LogError extends Error {}

/** A machine spec without source positions (they name the scenario file, not the machine). */
export function plainSpec(spec: MachineSpec): MachineSpec {
  const { positions: _p, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as MachineSpec;
}

/**
 * Writes a run log through `write` (one call per line, newline included). `options()`
 * gives the RunOptions hooks that feed it; `end()` closes it with the report's hash.
 */
export class LogWriter {
  private commands = 0;
  private readonly commandHash: Hash = createHash('sha256');

  constructor(private readonly write: (line: string) => void) {}

  config(c: Omit<LogConfig, 'type' | 'version'>, steps: Step[]): void {
    this.line({ type: 'config', version: LOG_VERSION, ...c, spec: plainSpec(c.spec) });
    this.line({ type: 'scenario', steps });
  }

  options(): Pick<RunOptions, 'onCommand' | 'onSchedule' | 'onEventLine'> {
    return {
      onCommand: (c, s) => {
        this.commands++;
        this.line({ type: 'command', ...c, args: s.args });
      },
      onSchedule: (p, s) => this.line({ type: 'sched', line: s.pos.line, runnable: p.runnable, chosen: p.chosen, reason: p.reason }),
      onEventLine: (l) => this.write(`{"type":"event","event":${l}}\n`),
    };
  }

  end(r: RunReport): void {
    const end: LogEnd = {
      type: 'end',
      eventHash: r.eventHash,
      events: r.eventCount,
      commandHash: this.commandHash.digest('hex'),
      commands: this.commands,
      violations: r.violations.map((v) => ({ invariant: v.invariant, message: v.message, step: v.step })),
      failures: r.failures.length,
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
    this.line(end);
  }

  private line(o: unknown): void {
    const text = JSON.stringify(o, logReplacer);
    if ((o as { type?: string }).type !== 'end') this.commandHash.update(`${text}\n`);
    this.write(`${text}\n`);
  }
}

/** Parses a run log; a malformed one raises LogError naming the line. */
/** Lists and maps in a log line may nest this deep (a machine spec needs 3). */
export const MAX_LOG_DEPTH = 32;

/** The deepest nesting of [ and { in a JSON line (outside strings), without parsing it. */
function jsonDepth(raw: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export function parseLog(text: string, file: string): RunLog {
  const lines = text.split('\n');
  const commandHash = createHash('sha256');
  let config: LogConfig | undefined;
  let steps: Step[] | undefined;
  const commands: LogCommand[] = [];
  const schedule: LogSched[] = [];
  const events: string[] = [];
  let end: LogEnd | undefined;
  const bad = (n: number, why: string): never => {
    throw new LogError(`${file}:${n + 1}: ${why}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    if (jsonDepth(raw) > MAX_LOG_DEPTH) return bad(i, `nested more than ${MAX_LOG_DEPTH} levels deep: not a vmlab log line`);
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(raw, logReviver) as Record<string, unknown>;
    } catch (e) {
      return bad(i, `not JSON: ${(e as Error).message}`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return bad(i, 'a log line is a JSON object');
    if (end !== undefined) return bad(i, 'a line after the end line');
    if (o.type !== 'event' && o.type !== 'end') commandHash.update(`${raw}\n`);
    switch (o.type) {
      case 'config':
        if (config !== undefined) return bad(i, 'a second config line');
        if (o.version !== LOG_VERSION) return bad(i, `log version ${String(o.version)}; this vmlab reads version ${LOG_VERSION}`);
        if (typeof o.spec !== 'object' || o.spec === null || typeof (o.spec as MachineSpec).arch !== 'string') return bad(i, 'config has no machine spec');
        if (!Array.isArray(o.files)) return bad(i, 'config has no files list');
        for (const k of ['name', 'scenario', 'machine'] as const) if (typeof o[k] !== 'string') return bad(i, `config has no ${k} (a string)`);
        if (typeof o.check !== 'boolean' || typeof o.stopOnViolation !== 'boolean') return bad(i, 'config needs check and stopOnViolation (true or false)');
        if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) return bad(i, 'config needs seed (a whole number)');
        config = o as unknown as LogConfig;
        break;
      case 'scenario':
        if (config === undefined) return bad(i, 'the scenario line comes before the config line');
        if (!Array.isArray(o.steps)) return bad(i, 'scenario line has no steps');
        {
          const why = checkLogSteps(o.steps);
          if (why !== undefined) return bad(i, why);
        }
        steps = o.steps as Step[];
        break;
      case 'command':
        if (steps === undefined) return bad(i, 'a command before the scenario line');
        if (typeof o.seq !== 'number' || typeof o.op !== 'string' || typeof o.step !== 'number') return bad(i, 'a command needs seq, step and op');
        commands.push(o as unknown as LogCommand);
        break;
      case 'sched':
        if (!Array.isArray(o.runnable) || typeof o.chosen !== 'number') return bad(i, 'a sched line needs runnable and chosen');
        schedule.push(o as unknown as LogSched);
        break;
      case 'event': {
        const m = /^\{"type":"event","event":(.*)\}$/.exec(raw);
        if (m === null || typeof o.event !== 'object') return bad(i, 'an event line is {"type":"event","event":{...}}');
        events.push(m[1]!);
        break;
      }
      case 'end':
        if (typeof o.eventHash !== 'string') return bad(i, 'the end line has no eventHash');
        if (typeof o.commandHash !== 'string') return bad(i, 'the end line has no commandHash (the hash of the command stream)');
        if (o.commandHash !== commandHash.copy().digest('hex')) {
          return bad(i, 'the command stream (config, scenario, command and sched lines) does not match the commandHash of the end line: the log was altered');
        }
        end = o as unknown as LogEnd;
        break;
      default:
        return bad(i, `unknown line type ${JSON.stringify(o.type)}`);
    }
  }
  if (config === undefined) throw new LogError(`${file}: no config line: not a vmlab run log`);
  if (steps === undefined) throw new LogError(`${file}: no scenario line: the log does not carry the steps`);
  return { config, steps, commands, schedule, events, ...(end !== undefined ? { end } : {}) };
}
