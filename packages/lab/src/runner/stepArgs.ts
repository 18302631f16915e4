/** The operands of a step as the kernel takes them: the process, the thread, an address, a prot string. */
import { type Kernel, type Process, type Thread, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '@vmlab/core';
import type { AddrExpr, Step } from '../scenario/ast.ts';
import { RunError } from './RunReport.ts';
import { addrPlus } from '../scenario/values.ts';

const PROT_BITS: Record<string, number> = { r: VM_PROT_READ, w: VM_PROT_WRITE, x: VM_PROT_EXECUTE };

/** 'rxbti' → [bits, extra]; raw PROT_* bits pass through as they are. */
export function parseProtString(s: string | number): [number, string] {
  if (typeof s === 'number') return [s, ''];
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

/**
 * A step's prot as [VM_PROT bits, MD extra]. Raw bits are the ABI's: under linux on arm64,
 * PROT_BTI (0x10) is the `bti` extra.
 */
export function protOf(k: Kernel, v: string | number): [number, string] {
  if (typeof v === 'number' && k.abi === 'linux' && k.config.arch === 'arm64' && (v & 0x10) !== 0) return [v & ~0x10, 'bti'];
  return parseProtString(v);
}

/**
 * An address expression resolved through the process's `as:` names, exact (a bigint at or
 * above 2^53); an unbound name stops the run.
 */
export function resolveAddr64(p: Process, a: unknown, s: Step): number | bigint {
  const e = a as AddrExpr;
  if (e.name === undefined) return e.offset;
  const base = p.names.get(e.name);
  if (base === undefined) throw new RunError(`name '${e.name}' is not bound in pid ${p.pid}`, s.pos);
  return addrPlus(base, e.offset);
}

/**
 * An address as a number: a value at or above 2^53 lies outside every user space and
 * becomes +Infinity, so range checks refuse it as such.
 */
export function resolveAddr(p: Process, a: unknown, s: Step): number {
  const v = resolveAddr64(p, a, s);
  return typeof v === 'bigint' ? Number.POSITIVE_INFINITY : v;
}

/** A length argument as a number: a 64-bit value at or above 2^53 is beyond every user space (+Infinity). */
export function lenOf(v: unknown): number {
  return typeof v === 'bigint' ? Number.POSITIVE_INFINITY : (v as number);
}
