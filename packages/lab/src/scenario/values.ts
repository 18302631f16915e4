/**
 * Scalar syntax of scenario files (SCENARIO.md "File"): numbers, sizes, addresses,
 * protections and flag lists. Each parser takes what YAML produced (a number, a bigint when
 * the document is read with intAsBigInt, or a string) and throws ValueError, whose message
 * the scenario parser prefixes with the position.
 */
import type { AddrExpr } from './ast.ts';

/** A page is 4096 bytes on every simulated machine. */
export const SCENARIO_PAGE_SIZE = 4096;

export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 * 1024,
  gib: 1024 * 1024 * 1024,
  page: SCENARIO_PAGE_SIZE,
  pages: SCENARIO_PAGE_SIZE,
};

const NUMBER_RE = /^(-)?(0x[0-9a-f]+|[0-9]+)$/i;
const SIZE_RE = /^(0x[0-9a-f]+|[0-9]+)\s*([a-z]+)$/i;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ADDR_RE = /^([A-Za-z_][A-Za-z0-9_]*|0x[0-9a-f]+|[0-9]+)\s*(?:([+-])\s*(\S.*))?$/i;

export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return v.toString();
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a map';
  return String(v);
}

/** A bigint that a double holds exactly (addresses above 2^53 are exact only when aligned). */
function exact(b: bigint, text: string): number {
  const n = Number(b);
  if (BigInt(n) !== b) throw new ValueError(`${text} is not exactly representable (above 2^53 and not aligned)`);
  return n;
}

/** An integer: decimal or 0x hex, as a YAML int or a string. May be negative. */
export function parseNumber(v: unknown): number {
  if (typeof v === 'bigint') return exact(v, v.toString());
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ValueError(`expected an integer, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const s = v.trim();
    const m = NUMBER_RE.exec(s);
    if (m) {
      const b = BigInt(m[2]!);
      return exact(m[1] ? -b : b, s);
    }
  }
  throw new ValueError(`expected a number (decimal or 0x hex), got ${show(v)}`);
}

const U64_MAX = (1n << 64n) - 1n;

/** A 64-bit value as a number when a double holds it exactly and safely, else as a bigint. */
export function u64Value(b: bigint): number | bigint {
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/**
 * A 64-bit unsigned machine value (an address, a length, a register): 0 to 2^64 - 1, decimal
 * or 0x hex. A negative literal is its two's complement, as C's `(void *)-1` or
 * `-PAGE_SIZE` (from -2^63). Exact: a number when below 2^53, else a bigint.
 */
export function parseU64(v: unknown): number | bigint {
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string') {
    const m = NUMBER_RE.exec(v.trim());
    if (m) b = m[1] ? -BigInt(m[2]!) : BigInt(m[2]!);
  }
  if (b === undefined) throw new ValueError(`expected a number (decimal or 0x hex), got ${show(v)}`);
  if (b > U64_MAX) throw new ValueError(`${show(v)} does not fit in 64 bits (0 to 0xffffffffffffffff)`);
  if (b < -(1n << 63n)) throw new ValueError(`${show(v)} is below -2^63`);
  return u64Value(b < 0n ? b + (1n << 64n) : b);
}

/**
 * A system call's length or file offset: a size with a unit (`2 pages`), or any 64-bit
 * value (`0xffffffffffffffff`, `-1`), which the kernel then checks.
 */
export function parseLength(v: unknown): number | bigint {
  if (typeof v === 'string' && !NUMBER_RE.test(v.trim())) return parseSize(v);
  try {
    return parseU64(v);
  } catch (e) {
    if (e instanceof ValueError && /64 bits|below/.test(e.message)) throw e;
    throw new ValueError(`bad length ${show(v)}: expected bytes, a number with KiB, MiB, GiB, page or pages, or a 64-bit value`);
  }
}

/** An access size in bytes: 1, 2, 4 or 8. */
export function parseAccessSize(v: unknown): number {
  const n = typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' ? Number(typeof v === 'string' ? v.trim() : v) : NaN;
  if (n === 1 || n === 2 || n === 4 || n === 8) return n;
  throw new ValueError(`bad access size ${show(v)}: expected 1, 2, 4 or 8 (bytes)`);
}

/**
 * `base + offset` as 64-bit pointer arithmetic (exact, modulo 2^64): the address a name
 * expression stands for.
 */
export function addrPlus(base: number, offset: number | bigint): number | bigint {
  if (typeof offset === 'number') {
    const n = base + offset;
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  const b = (BigInt(base) + BigInt(offset)) & U64_MAX;
  return u64Value(b);
}

/** A non-negative integer (pid, tid, cpu, key, counts). */
export function parseCount(v: unknown): number {
  const n = parseNumber(v);
  if (n < 0) throw new ValueError(`expected a non-negative number, got ${n}`);
  return n;
}

/** A 32-bit unsigned word. */
export function parseU32(v: unknown): number {
  const n = parseNumber(v);
  if (n < 0 || n > 0xffffffff) throw new ValueError(`${hex(n)} does not fit in 32 bits (0 to 0xffffffff)`);
  return n;
}

/** True when the string is written as a size with a unit (`4KiB`, `2 pages`). */
export function looksLikeSize(s: string): boolean {
  if (NUMBER_RE.test(s.trim())) return false;
  const m = SIZE_RE.exec(s.trim());
  return m !== null && UNITS[m[2]!.toLowerCase()] !== undefined;
}

/** Bytes: a number, or a number with a unit B, KiB, MiB, GiB, page, pages. */
export function parseSize(v: unknown): number {
  if (typeof v === 'string' && !NUMBER_RE.test(v.trim())) {
    const s = v.trim();
    const m = SIZE_RE.exec(s);
    if (m) {
      const unit = UNITS[m[2]!.toLowerCase()];
      if (unit === undefined) {
        throw new ValueError(`bad size '${v}': the unit must be B, KiB, MiB, GiB, page or pages`);
      }
      const n = parseCount(m[1]!) * unit;
      if (!Number.isSafeInteger(n)) throw new ValueError(`size '${v}' is too large`);
      return n;
    }
  }
  try {
    return parseCount(v);
  } catch {
    throw new ValueError(`bad size ${show(v)}: expected bytes or a number with KiB, MiB, GiB, page or pages (e.g. 4KiB, 2 pages)`);
  }
}

/** A name bound by `as:`. */
export function parseName(v: unknown): string {
  if (typeof v === 'string' && NAME_RE.test(v)) return v;
  throw new ValueError(`bad name ${show(v)}: a name is a letter or _ followed by letters, digits or _`);
}

/** An address: a number, or `name`, `name+OFF`, `name-OFF` where OFF is a size. */
export function parseAddr(v: unknown): AddrExpr {
  if (typeof v === 'string') {
    const s = v.trim();
    const m = ADDR_RE.exec(s);
    if (m) {
      const base = m[1]!;
      let off = 0;
      if (m[2] !== undefined) {
        try {
          off = parseSize(m[3]!);
        } catch {
          throw new ValueError(`bad address '${v}': the offset '${m[3]}' is not a number or a size`);
        }
        if (m[2] === '-') off = -off;
      }
      if (/^[0-9]/.test(base)) {
        const b = BigInt(parseU64(base)) + BigInt(off);
        if (b < 0n) throw new ValueError(`bad address '${v}': it is negative`);
        if (b > U64_MAX) throw new ValueError(`bad address '${v}': it does not fit in 64 bits`);
        return { offset: u64Value(b) };
      }
      return { name: base, offset: off };
    }
    if (NUMBER_RE.test(s)) return { offset: parseU64(s) };
    throw new ValueError(`bad address '${v}': expected a number, a name, or name+offset (e.g. buf+0x1000, buf+2 pages)`);
  }
  try {
    return { offset: parseU64(v) };
  } catch (e) {
    if (e instanceof ValueError && /64 bits|below/.test(e.message)) throw new ValueError(`bad address: ${e.message}`);
    throw new ValueError(`bad address ${show(v)}: expected a number, a name, or name+offset`);
  }
}

/** The text form of an address expression, as written. */
export function formatAddrExpr(a: AddrExpr): string {
  if (a.name === undefined) return typeof a.offset === 'bigint' ? `0x${a.offset.toString(16)}` : hex(a.offset);
  if (typeof a.offset === 'bigint') return `${a.name}+0x${a.offset.toString(16)}`;
  if (a.offset === 0) return a.name;
  return a.offset < 0 ? `${a.name}-${hex(-a.offset)}` : `${a.name}+${hex(a.offset)}`;
}

/**
 * A protection: `none`, or r, w, x in any order, optionally followed by `bti`; canonical form.
 * Or a number: the raw PROT_* bits in the ABI's encoding (32 bits), which the kernel checks.
 */
export function parseProt(v: unknown): string | number {
  const bad = (): never => {
    throw new ValueError(
      `bad prot ${show(v)}: expected none, a combination of r, w, x optionally followed by bti (e.g. rw, rx, rxbti), or the raw PROT_* bits as a number`,
    );
  };
  if (typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && NUMBER_RE.test(v.trim()))) {
    try {
      return parseU32(v);
    } catch {
      throw new ValueError(`bad prot ${show(v)}: raw PROT_* bits are a 32-bit number (0 to 0xffffffff)`);
    }
  }
  if (typeof v !== 'string') return bad();
  const s = v.trim().toLowerCase();
  if (s === 'none') return 'none';
  const m = /^([rwx]*)(bti)?$/.exec(s);
  if (!m || s === '') return bad();
  const rwx = m[1]!;
  for (const c of rwx) {
    if (rwx.indexOf(c) !== rwx.lastIndexOf(c)) {
      throw new ValueError(`bad prot '${v}': '${c}' is given twice`);
    }
  }
  const canon = (rwx.includes('r') ? 'r' : '') + (rwx.includes('w') ? 'w' : '') + (rwx.includes('x') ? 'x' : '');
  return canon + (m[2] ?? '');
}

/**
 * A flag list: a list of names (checked against `allowed` when given) or a number, the raw
 * flag bits of the ABI.
 */
export function parseFlags(v: unknown, allowed?: readonly string[]): string[] | number {
  if (typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && NUMBER_RE.test(v.trim()))) {
    return parseCount(v);
  }
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) {
    throw new ValueError(`bad flags ${show(v)}: expected a list of names or a number`);
  }
  const out: string[] = [];
  for (const f of list) {
    if (typeof f !== 'string' || !NAME_RE.test(f)) {
      throw new ValueError(`bad flag ${show(f)}: expected a name`);
    }
    if (allowed !== undefined && !allowed.includes(f)) {
      throw new ValueError(`unknown flag '${f}'; the flags here are ${allowed.join(', ')}`);
    }
    if (out.includes(f)) throw new ValueError(`flag '${f}' is given twice`);
    out.push(f);
  }
  return out;
}

/** One of a fixed set of words. */
export function parseEnum<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new ValueError(`bad ${what} ${show(v)}: expected one of ${allowed.join(', ')}`);
}
