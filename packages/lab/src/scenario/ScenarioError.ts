/**
 * Bad input in a scenario or machine file. The message is `FILE:LINE:COL: problem`, with
 * 1-based line and column, so an editor can jump to it; nothing runs after one.
 */
export class ScenarioError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The problem alone, without the position prefix. */
  readonly problem: string;

  constructor(file: string, line: number, col: number, problem: string) {
    super(`${file}:${line}:${col}: ${problem}`);
    this.name = 'ScenarioError';
    this.file = file;
    this.line = line;
    this.col = col;
    this.problem = problem;
  }

  /** Every error this one reports: itself, or each of an aggregate. */
  get errors(): readonly ScenarioError[] {
    return [this];
  }
}

/**
 * Several errors found in one pass over a file. It is itself a ScenarioError positioned at
 * the first of them, so a caller catching ScenarioError sees both forms; the message lists
 * all of them, one a line, in source order.
 */
export class ScenarioErrors extends ScenarioError {
  readonly #errors: ScenarioError[];

  constructor(errors: readonly ScenarioError[]) {
    const sorted = [...errors].sort(byPosition);
    const first = sorted[0];
    if (first === undefined) throw new RangeError('ScenarioErrors needs at least one error');
    super(first.file, first.line, first.col, first.problem);
    this.name = 'ScenarioErrors';
    this.message = sorted.map((e) => e.message).join('\n');
    this.#errors = sorted;
  }

  override get errors(): readonly ScenarioError[] {
    return this.#errors;
  }
}

function byPosition(a: ScenarioError, b: ScenarioError): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col;
}

/** One error as itself, several as a ScenarioErrors. */
export function scenarioErrorOf(errors: readonly ScenarioError[]): ScenarioError {
  if (errors.length === 1) return errors[0]!;
  return new ScenarioErrors(errors);
}
