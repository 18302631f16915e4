// Generates the shared_shadow_inval_test ports in this folder (node gen-shared-shadow-inval.mjs).
// One file per test case and flag combination (the C test's outer loop); each runs the five
// sizes of the inner loop in turn, with its own processes.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const FLAG_COLLAPSE = 1;
const FLAG_BLOCK_XFER = 2;
const FLAG_FULLMOD = 4;
// hw.pagesizes on amd64: 4 KiB and 2 MiB, so the sizes are 1, 2, 511, 512 and 513 pages.
const SIZES = [1, 2, 511, 512, 513];

/** The pages a loop over [0, len) touches in the scenario (see the header comment). */
function touched(len, modlen) {
  if (process.env.FULL === '1' || len <= 4) return [...Array(len).keys()];
  return [...new Set([0, 1, modlen - 1, modlen, len - 2, len - 1])].filter((i) => i >= 0 && i < len).sort((a, b) => a - b);
}

function flagNames(flags) {
  const n = [];
  if (flags & FLAG_COLLAPSE) n.push('collapse');
  if (flags & FLAG_BLOCK_XFER) n.push('block_xfer');
  if (flags & FLAG_FULLMOD) n.push('fullmod');
  return n;
}

function oneCase(lazy, flags, len, base) {
  const P1 = base + 1, P2 = base + 2, P3 = base + 3, P4 = base + 4;
  const collapse = (flags & FLAG_COLLAPSE) !== 0;
  const blockXfer = (flags & FLAG_BLOCK_XFER) !== 0;
  // modlen = len / 2 bytes; the loops step a page from 0 while i < modlen: ceil(len / 2) pages.
  const modlen = flags & FLAG_FULLMOD ? len : Math.ceil(len / 2);
  const pages = touched(len, modlen);
  const at = (i) => (i === 0 ? 'p' : `p+${i} page${i === 1 ? '' : 's'}`);
  const L = `${len} page${len === 1 ? '' : 's'}`;
  const out = [];
  const s = (x) => out.push(`  - ${x}`);
  out.push(`  # --- len ${L}, modlen ${modlen} page${modlen === 1 ? '' : 's'}: P${P1} -> P${P2} => P${P3}${blockXfer ? `, P${P1} => P${P4}` : ''}`);
  s(`spawn: { pid: ${P1} }`);
  s(`mmap: { pid: ${P1}, len: ${L}, prot: rw, flags: [shared, anon], as: p }`);
  for (const i of pages) s(`write: { pid: ${P1}, addr: ${at(i)}, value: ${P1} }`);
  if (!lazy) {
    s(`mlock: { pid: ${P1}, addr: p, len: ${L} }`);
    s(`mprotect: { pid: ${P1}, addr: p, len: ${L}, prot: r }`);
  }
  if (blockXfer) {
    s(`fork: { pid: ${P1}, child: ${P4} }`);
    s(`read: { pid: ${P4}, addr: p, expect: { value: ${P1} } }`);
  }
  s(`minherit: { pid: ${P1}, addr: p, len: ${L}, inherit: copy }`);
  s(`fork: { pid: ${P1}, child: ${P2} }`);
  s(`minherit: { pid: ${P2}, addr: p, len: ${L}, inherit: share }`);
  for (const i of pages) s(`read: { pid: ${P2}, addr: ${at(i)} }`);
  s(`read: { pid: ${P2}, addr: p, expect: { value: ${P1} } }`);
  s(`fork: { pid: ${P2}, child: ${P3} }`);
  if (!lazy) {
    s(`mlock: { pid: ${P3}, addr: p, len: ${L} }`);
    s(`mprotect: { pid: ${P3}, addr: p, len: ${L}, prot: rw }`);
  }
  for (const i of pages) if (i < modlen) s(`write: { pid: ${P3}, addr: ${at(i)}, value: ${P3} }`);
  s(`exit: { pid: ${P3} }`);
  for (const i of pages) s(`read: { pid: ${P1}, addr: ${at(i)}, expect: { value: ${P1} } }`);
  if (blockXfer) for (const i of pages) s(`read: { pid: ${P4}, addr: ${at(i)}, expect: { value: ${P1} } }`);
  if (collapse) {
    s(`exit: { pid: ${P1} }`);
    if (blockXfer) s(`exit: { pid: ${P4} }`);
  }
  for (const i of pages) s(`read: { pid: ${P2}, addr: ${at(i)}, expect: { value: ${i < modlen ? P3 : P1} } }`);
  s(`exit: { pid: ${P2} }`);
  if (!collapse) {
    s(`exit: { pid: ${P1} }`);
    if (blockXfer) s(`exit: { pid: ${P4} }`);
  }
  for (const p of [P1, P2, P3, ...(blockXfer ? [P4] : [])]) s(`wait: { pid: ${p} }`);
  return out.join('\n');
}

for (const lazy of [true, false]) {
  for (let flags = 0; flags <= 7; flags++) {
    const test = lazy ? 'shared_shadow_inval__lazy_cow' : 'shared_shadow_inval__eager_cow';
    const names = flagNames(flags);
    const file = `shared_shadow_inval-${lazy ? 'lazy' : 'eager'}-${names.length ? names.join('-') : 'none'}.yaml`;
    const head = `# FreeBSD tests/sys/vm/shared_shadow_inval_test.c, ${test}, flags ${flags} (${names.length ? names.map((x) => `FLAG_${x.toUpperCase()}`).join(' | ') : 'none'}):
# one iteration of do_shared_shadow_inval's flag loop, the sizes 1, 2, 511, 512 and 513 pages
# in turn (pagesizes[0] = 4 KiB, largepagesize = 2 MiB on amd64).
#
# P1 maps shared anonymous memory and stamps each page with its pid${lazy ? '' : ', mlocks it and makes it\n# read-only'}${blockXfer(flags) ? '; forks P4, which shares it (and blocks the COW page transfer)' : ''}; sets INHERIT_COPY and forks
# P2; P2 sets INHERIT_SHARE, reads every page and forks P3, so P2 and P3 share a shadow of
# P1's object. P3 ${lazy ? 'writes its pid into the first modlen pages (lazy copy-on-write faults)' : 'mlocks the range and makes it writable (the eager copy, vm_fault_copy_entry),\n# then writes its pid into the first modlen pages'}.
# P1${blockXfer(flags) ? ' and P4 see' : ' sees'} only P1's data; P2 must see P3's data in the first modlen pages and P1's in
# the rest (child_verify).${collapse(flags) ? ` P1${blockXfer(flags) ? ' and P4 exit' : ' exits'} before P2 verifies, so the P2/P3 shadow collapses\n# into P1's object.` : ` P1 stays until P2 is done, so nothing collapses.`}
#
# Not expressible: the scenario format has no loop, so for the sizes above 4 pages the
# per-page loops (child_write, child_fault, child_verify) touch pages 0, 1, modlen-1,
# modlen, len-2 and len-1 only; vmlab has no superpage reservations, so no other page
# behaves differently. The processes run in one order the C test allows (its
# synchronisation through shared memory and usleep is implied by the step order). Pids are
# 11-14, 21-24, ... (one decade per size) and the values written are the pids, as in C.
name: shared_shadow_inval ${lazy ? 'lazy' : 'eager'} cow, flags ${names.length ? names.join('+') : 'none'}
machine: amd64
steps:
`;
    const body = SIZES.map((len, i) => oneCase(lazy, flags, len, 10 * (i + 1))).join('\n');
    writeFileSync(join(HERE, file), `${head}${body}\n`);
  }
}

function blockXfer(flags) {
  return (flags & FLAG_BLOCK_XFER) !== 0;
}
function collapse(flags) {
  return (flags & FLAG_COLLAPSE) !== 0;
}
