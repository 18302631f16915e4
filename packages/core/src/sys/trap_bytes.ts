import { Access, PAGE_SIZE } from '../abi/constants.ts';
import type { Outcome } from '../abi/outcome.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type KGen, settle } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { access } from './trap.ts';

const U64 = (1n << 64n) - 1n;

/** A 64-bit value as a number when a double holds it exactly and safely, else a bigint. */
function u64(b: bigint): number | bigint {
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/**
 * trap.c's view of a user load or store of `size` bytes (1, 2, 4 or 8) at any address, as the CPU performs it
 * (amd64 and arm64 both allow unaligned loads and stores to normal memory): the bytes may
 * straddle two pages; each page is translated, faulting as needed, in address order, and
 * nothing is stored unless every page allowed it. A fault names the first byte that faulted:
 * the access's own address, or the first byte of the second page. Memory is little-endian.
 * An address at or above the top of user space (any value up to 2^64 - 1) is SEGV_MAPERR.
 */
export function* userAccessBytes(
  k: Kernel,
  p: Process,
  t: Thread,
  va: number | bigint,
  size: number,
  write: boolean,
  value: number | bigint = 0,
): KGen<Outcome> {
  if (typeof va === 'bigint' || va >= k.userTop) return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: va };
  const acc = write ? Access.Write : Access.Read;
  const end = va + size;
  const split = Math.floor(va / PAGE_SIZE) !== Math.floor((end - 1) / PAGE_SIZE);
  const second = split ? end - (end % PAGE_SIZE) : -1;
  const frames: number[] = [];
  for (const page of split ? [va, second] : [va]) {
    if (page >= k.userTop) return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: page };
    // The hardware's translation of the page; a word-aligned address inside it stands for it.
    const probe = page - (page % 4);
    const r = yield* settle(access(k, p, t, probe, acc));
    if (typeof r !== 'number') return { ...r, addr: page } as Outcome;
    frames.push(r);
  }
  const c = k.mem.contents;
  const byteAt = (i: number): { frame: number; word: number; shift: number } => {
    const a = va + i;
    const frame = split && a >= second ? frames[1]! : frames[0]!;
    const off = a % PAGE_SIZE;
    return { frame, word: off >>> 2, shift: (off & 3) * 8 };
  };
  if (write) {
    let v = BigInt(value) & U64;
    for (let i = 0; i < size; i++) {
      const { frame, word, shift } = byteAt(i);
      const old = c.read(frame, word);
      const byte = Number(v & 0xffn);
      const nw = ((old & ~(0xff << shift)) | (byte << shift)) >>> 0;
      if (nw !== old) c.write(frame, word, nw);
      v >>= 8n;
    }
    return { ok: true };
  }
  let out = 0n;
  for (let i = size - 1; i >= 0; i--) {
    const { frame, word, shift } = byteAt(i);
    out = (out << 8n) | BigInt((c.read(frame, word) >>> shift) & 0xff);
  }
  return { value: u64(out) };
}
