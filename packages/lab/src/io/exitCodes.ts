/**
 * The exit codes of every `vmlab` command (docs/scenario-format.md "Exit codes").
 *
 * - 0: every expectation held and no invariant broke (explore: the result the file expects;
 *   replay: identical);
 * - 1: an expectation failed or an invariant broke (the kernel model's verdict);
 * - 2: bad input (a scenario, machine, log or plugin file, a command-line word), with the
 *   file, line and column or a usage message;
 * - 3: an internal error of vmlab itself, never a verdict on the kernel: report it;
 * - 130: fuzz or explore stopped by Ctrl-C (SIGINT), after printing what it found so far.
 */
export const EXIT = { ok: 0, failed: 1, input: 2, internal: 3, interrupted: 130 } as const;

/** What vmlab prints for an internal error (exit 3): what happened and what to report. */
export function internalErrorText(e: unknown, version: string, argv: readonly string[]): string {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const lines = [
    `vmlab: internal error (exit 3): ${escapeControl(what)}`,
    'This is a bug in vmlab, not a verdict on your scenario or kernel model. Please report it with:',
    `  - the command line: vmlab ${argv.map((a) => escapeControl(a)).join(' ')}`,
    `  - the version: vmlab ${version}, node ${process.version}`,
    '  - the input files it names (scenario, machine files, plugins, logs)',
    '  - the stack trace, printed when VMLAB_DEBUG=1 is set',
  ];
  if (process.env.VMLAB_DEBUG === '1' && e instanceof Error && e.stack !== undefined) lines.push(e.stack);
  return lines.join('\n');
}

/**
 * Escapes control characters (other than newline and tab) so that text from input is never
 * echoed raw to a terminal: `\x1b` and the C1 range are written as `\xNN`.
 */
export function escapeControl(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
