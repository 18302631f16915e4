/**
 * The syntax of one strace line: `[PID] [TIME] name(args) = ret`, its `<unfinished ...>` and
 * `<... name resumed>` halves, `+++ exited with N +++`, `--- SIG... ---` and strace's own messages.
 */

export type StraceLine =
  | { kind: 'call'; pid: number; name: string; args: string; ret: string }
  | { kind: 'unfinished'; pid: number; name: string; args: string }
  | { kind: 'resumed'; pid: number; name: string; rest: string }
  | { kind: 'exited'; pid: number; status: number; signal?: string }
  | { kind: 'signal'; pid: number }
  | { kind: 'note' }
  | { kind: 'blank' }
  | { kind: 'bad'; reason: string };

const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:(?:\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+)\s+)?/;
const NAME = /^([a-z_][a-z0-9_]*)\(/;

/** Classify one line; `defaultPid` is used when the line carries no pid (strace without -f). */
export function parseStraceLine(text: string, defaultPid: number): StraceLine {
  if (text.trim() === '') return { kind: 'blank' };
  if (text.startsWith('strace: ')) return { kind: 'note' };
  const m = PREFIX.exec(text)!;
  const pid = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? Number(m[2]) : defaultPid;
  const body = text.slice(m[0].length);
  if (body.startsWith('+++ ')) {
    const ex = /^\+\+\+ exited with (-?\d+) \+\+\+$/.exec(body);
    if (ex) return { kind: 'exited', pid, status: Number(ex[1]) };
    const k = /^\+\+\+ killed by (SIG[A-Z0-9]+)(?: \(core dumped\))? \+\+\+$/.exec(body);
    if (k) return { kind: 'exited', pid, status: -1, signal: k[1]! };
    return { kind: 'bad', reason: 'a truncated or unknown "+++" line' };
  }
  if (body.startsWith('--- ')) return { kind: 'signal', pid };
  if (body.startsWith('<... ')) {
    const r = /^<\.\.\. ([a-z_][a-z0-9_]*) resumed>\s?(.*)$/.exec(body);
    if (!r) return { kind: 'bad', reason: 'a truncated "resumed" line' };
    return { kind: 'resumed', pid, name: r[1]!, rest: r[2]! };
  }
  const n = NAME.exec(body);
  if (!n) return { kind: 'bad', reason: 'not a system call line' };
  const name = n[1]!;
  const rest = body.slice(n[0].length);
  const u = rest.lastIndexOf(' <unfinished ...>');
  if (u >= 0 && u + ' <unfinished ...>'.length === rest.length) return { kind: 'unfinished', pid, name, args: rest.slice(0, u) };
  const close = argsEnd(rest, 0);
  if (close < 0) return { kind: 'bad', reason: `a truncated ${name} call (no closing parenthesis)` };
  const ret = /^\s*=\s*(.*)$/.exec(rest.slice(close + 1));
  if (!ret) return { kind: 'bad', reason: `a truncated ${name} call (no return value)` };
  return { kind: 'call', pid, name, args: rest.slice(0, close), ret: ret[1]!.trim() };
}

/**
 * The index of the parenthesis that closes an argument list starting at `from` (just after the opening
 * one), skipping strings, comments and nested brackets; -1 when the text ends first.
 */
export function argsEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) return -1;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      if (e < 0) return -1;
      i = e + 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Split an argument list at its top-level commas (strings, comments and brackets kept whole). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? text.length : e + 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/** The value of a strace string argument (`"..."` with C escapes, possibly followed by `...`). */
export function unquote(arg: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"(?:\.\.\.)?$/.exec(arg.trim());
  if (!m) return undefined;
  return m[1]!.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e;
  });
}

/** A return value: the number (or undefined for `?`) and the errno name when the call failed. */
export function parseRet(ret: string): { value: number | undefined; errno?: string } {
  const m = /^(0x[0-9a-fA-F]+|-?\d+|\?)(?:\s+(E[A-Z0-9]+)\b)?/.exec(ret);
  if (!m) return { value: undefined };
  const v = m[1] === '?' ? undefined : m[1]!.startsWith('0x') ? Number.parseInt(m[1]!.slice(2), 16) : Number(m[1]);
  return m[2] ? { value: v, errno: m[2] } : { value: v };
}
