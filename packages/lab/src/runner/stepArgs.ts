/** The operands of a step as the kernel takes them: the process, the thread, an address, a prot string. */
import { type Kernel, type Process, type Thread, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '@vmlab/core';
import type { AddrExpr, Step } from '../scenario/ast.ts';
import { RunError } from './RunReport.ts';

const PROT_BITS: Record<string, number> = { r: VM_PROT_READ, w: VM_PROT_WRITE, x: VM_PROT_EXECUTE };

/** 'rxbti' → [bits, extra] */
export function parseProtString(s: string): [number, string] {
  if (s === 'none') return [0, ''];
  let bits = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const b = PROT_BITS[s[i]!];
    if (b === undefined) break;
    bits |= b;
  }
  return [bits, s.slice(i)];
}

/** The process a step names (`pid`, or another key such as `by`). */
export function procOf(k: Kernel, s: Step, key = 'pid'): Process | undefined {
  return k.proc(s.args[key] as number);
}

/** The thread a step runs on (`tid`, default 0). */
export function threadOf(p: Process, s: Step): Thread | undefined {
  return p.thread((s.args.tid as number | undefined) ?? 0);
}

/** An address expression resolved through the process's `as:` names; an unbound name stops the run. */
export function resolveAddr(p: Process, a: unknown, s: Step): number {
  const e = a as AddrExpr;
  if (e.name === undefined) return e.offset;
  const base = p.names.get(e.name);
  if (base === undefined) throw new RunError(`name '${e.name}' is not bound in pid ${p.pid}`, s.pos);
  return base + e.offset;
}
