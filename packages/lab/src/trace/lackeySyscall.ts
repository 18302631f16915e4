import { argsEnd } from './straceSyntax.ts';

/** One system call line of a lackey log (`SYSCALL[pid,tid](nr) name ( args ) ... --> Success(x)`). */
export interface LackeyCall {
  tid: number;
  nr: number;
  name: string;
  args: string[];
  /** The path valgrind prints beside a pointer argument (`0x4835540(/lib/libc.so.6)`), by argument index. */
  paths: Map<number, string>;
  /** Undefined while the result is still to come (async call, or on the next line). */
  result: { ok: boolean; value: number } | undefined;
  /** The tail after the argument list (lackey writes `clone(fork): process P created child C` there). */
  tail: string;
}

const HEAD = /^SYSCALL\[(\d+),(\d+)\]\((\d+)\) (.*)$/;
const RESULT = /(Success|Failure)\((0x[0-9a-fA-F]+)\)/;

/** The result in ` --> [pre-success] Success(0x0)` and friends. */
export function lackeyResult(text: string): { ok: boolean; value: number } | undefined {
  const m = RESULT.exec(text);
  return m ? { ok: m[1] === 'Success', value: Number.parseInt(m[2]!.slice(2), 16) } : undefined;
}

/**
 * Parse a `SYSCALL[...]` line. Returns `{ async: tid, result }` for the second half of an async call,
 * the call otherwise, or undefined when the line does not have the shape.
 */
export function parseLackeySyscall(
  text: string,
): LackeyCall | { asyncTid: number; nr: number; result: { ok: boolean; value: number } | undefined } | undefined {
  const m = HEAD.exec(text);
  if (!m) return undefined;
  const tid = Number(m[2]);
  const nr = Number(m[3]);
  const body = m[4]!;
  if (body.startsWith('... [async] -->')) return { asyncTid: tid, nr, result: lackeyResult(body) };
  const u = /^unimplemented .*syscall: (\d+)!/.exec(body);
  if (u) return { tid, nr, name: `unimplemented_${u[1]}`, args: [], paths: new Map(), result: lackeyResult(body), tail: '' };
  const n = /^(?:sys_)?([a-z_][a-z0-9_]*) ?\( ?/.exec(body);
  if (!n) return undefined;
  const close = argsEnd(body, n[0].length);
  if (close < 0) return undefined;
  const paths = new Map<number, string>();
  const args = body
    .slice(n[0].length, close)
    .split(',')
    .map((a, i) => {
      const t = a.trim();
      const pm = /^(0x[0-9a-fA-F]+)\((.*)\)$/.exec(t);
      if (pm) {
        paths.set(i, pm[2]!);
        return pm[1]!;
      }
      return t;
    });
  const tail = body.slice(close + 1);
  const pending = /--> \[async\] \.\.\./.test(tail);
  return { tid, nr, name: n[1]!, args, paths, result: pending ? undefined : lackeyResult(tail), tail };
}
