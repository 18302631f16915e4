/**
 * Whether a command colours what it writes to `stream`: never when NO_COLOR is set (and not
 * empty, as no-color.org asks), always when FORCE_COLOR is set (but to 0 or false), else
 * only on a terminal.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true;
}

/** ANSI SGR colours for the marks of a report (identity when colour is off). */
export function painter(on: boolean): { red: (s: string) => string; yellow: (s: string) => string; bold: (s: string) => string } {
  const sgr = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: sgr('31'), yellow: sgr('33'), bold: sgr('1') };
}
