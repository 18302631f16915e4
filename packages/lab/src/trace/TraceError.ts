/** A trace that cannot be read on: the message names file and line (exit 2 at the command line). */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'TraceError';
  }
}
