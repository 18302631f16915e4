import { FUZZ_FILE, type FuzzOp, isRace } from './FuzzOp.ts';
import { Model, alts, anyOf, apply, fetchExpect, hex, readExpect, readOutcomes, writeExpect } from './shadowModel.ts';

/** The scenario text of an operation list, and which ops it kept (invalid ones are left out). */
export function scenarioOf(ops: readonly FuzzOp[], machine: string, title: string, header: string[] = []): { text: string; kept: FuzzOp[] } {
  const m = new Model();
  m.linux = /\babi: linux\b/.test(machine);
  const kept: FuzzOp[] = [];
  const lines: string[] = [
    ...header.map((h) => `# ${h}`),
    `name: ${JSON.stringify(title)}`,
    `machine: ${machine}`,
    'files:',
    `  - { path: ${FUZZ_FILE.path}, size: ${FUZZ_FILE.pages} pages, fill: ${hex(FUZZ_FILE.fill)} }`,
    'steps:',
  ];
  const sched = (s: number[] | undefined) => (s !== undefined && s.length > 0 ? `\n      schedule: [${s.join(', ')}]` : '');
  for (const o of ops) {
    // The expectation is computed before the model applies the op.
    const p = 'pid' in o && o.pid !== undefined ? m.procs.get(o.pid) : undefined;
    const r = p !== undefined && 'name' in o && o.name !== undefined ? p.maps.get(o.name) : undefined;
    const at = (page: number, word: number) => `${'name' in o ? o.name : ''}+${hex(page * 4096 + word * 4)}`;
    const tidOf = (t: number | undefined) => (t !== undefined ? `, tid: ${t}` : '');
    let line: string;
    switch (o.op) {
      case 'spawn':
        line = `spawn: { pid: ${o.pid} }`;
        break;
      case 'mmap': {
        const addr = hex(o.at ?? m.nextAddr);
        const fixed = o.at !== undefined ? ', fixed' : '';
        line = o.file
          ? `mmap: { pid: ${o.pid}, addr: ${addr}, len: ${o.pages} pages, prot: rw, flags: [shared${fixed}], file: ${FUZZ_FILE.path}, as: ${o.name} }`
          : `mmap: { pid: ${o.pid}, addr: ${addr}, len: ${o.pages} pages, prot: rw, flags: [${o.shared ? 'shared' : 'private'}, anon${fixed}], as: ${o.name} }`;
        break;
      }
      case 'write':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        if ((o.tid ?? 0) >= p.pkru.length) continue;
        line = `write: { pid: ${o.pid}${tidOf(o.tid)}, addr: ${at(o.page, o.word)}, value: ${hex(o.value)}, expect: ${writeExpect(m, p, r, o.page, o.tid)} }`;
        break;
      case 'read':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        if ((o.tid ?? 0) >= p.pkru.length) continue;
        line = `read: { pid: ${o.pid}${tidOf(o.tid)}, addr: ${at(o.page, o.word)}, expect: ${readExpect(m, p, r, o.page, o.word, o.tid)} }`;
        break;
      case 'fetch':
        if (r === undefined || o.page >= r.pages) continue;
        line = `fetch: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, branch: call, expect: ${fetchExpect(m, r, o.page, o.word, at(o.page, o.word))} }`;
        break;
      case 'munmap':
        if (r === undefined) continue;
        line = `munmap: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`;
        break;
      case 'mprotect':
        if (r === undefined) continue;
        line = `mprotect: { pid: ${o.pid}, addr: ${o.name}${o.page ? `+${o.page} pages` : ''}, len: ${o.pages ?? r.pages - (o.page ?? 0)} pages, prot: ${o.prot}, expect: { ok: true } }`;
        break;
      case 'fork':
        line = `fork: { pid: ${o.pid}, child: ${o.child}, expect: { ok: true } }`;
        break;
      case 'minherit':
        if (r === undefined) continue;
        line = `minherit: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, inherit: ${o.inherit}, expect: { ok: true } }`;
        break;
      case 'exit':
        line = `exit: { pid: ${o.pid}, expect: { ok: true } }\n  - wait: { pid: ${o.pid} }`;
        break;
      case 'execve':
        line = `execve: { pid: ${o.pid}, expect: { ok: true } }`;
        break;
      case 'thread':
        line = `thread: { pid: ${o.pid}, tid: ${o.tid ?? 1} }`;
        break;
      case 'swapout':
        line = `swapout: { pid: ${o.pid} }`;
        break;
      case 'pageout':
        if (o.pid === undefined) line = `pageout: { pages: ${o.pages ?? 1} }`;
        else if (r === undefined) continue;
        else if (o.page !== undefined) line = `pageout: { pid: ${o.pid}, addr: ${o.name}${o.page ? `+${o.page} pages` : ''}, len: ${o.len ?? 1} pages }`;
        else line = `pageout: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages }`;
        break;
      case 'msync':
        if (r === undefined) continue;
        line = `msync: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, flags: [${o.invalidate ? 'sync, invalidate' : 'sync'}], expect: { ok: true } }`;
        break;
      case 'madvise':
        if (r === undefined) continue;
        line = `madvise: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, advice: ${o.advice} }`;
        break;
      case 'key':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: set_pkru, addr: ${o.name}, len: ${r.pages} pages, key: ${o.key}${o.persist ? ', flags: [persist]' : ''}, expect: { ok: true } }`;
        break;
      case 'pkey':
        line = `pkey_set: { pid: ${o.pid}, key: ${o.key}, deny: ${o.deny}, expect: { ok: true } }`;
        break;
      case 'guard':
        if (r === undefined) continue;
        line = `sysarch: { pid: ${o.pid}, op: guard_page, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`;
        break;
      case 'revoke':
        line = `revoke: { file: ${FUZZ_FILE.path} }`;
        break;
      case 'race_fork':
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - write: { pid: ${o.pid}, tid: 0, addr: ${at(o.page, o.word)}, value: ${hex(o.value)}, expect: ${writeExpect(m, p, r, o.page)} }`,
            `        - - fork: { pid: ${o.pid}, tid: 1, child: ${o.child}, expect: { ok: true } }`,
          ].join('\n') + sched(o.schedule);
        break;
      case 'race_revoke':
        if (r === undefined) continue;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - revoke: { file: ${FUZZ_FILE.path}, expect: { ok: true } }`,
            `        - - munmap: { pid: ${o.pid}, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`,
          ].join('\n') + sched(o.schedule);
        break;
      case 'race_exit': {
        if (r === undefined || o.page >= r.pages) continue;
        // A debugger's peek is not filtered by keys: the word, or EFAULT once exit emptied the map.
        const v = alts(m.read(r, o.page * 4096 + o.word * 4)).map((x) => `{ value: ${hex(x)} }`);
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - peek: { pid: ${o.pid}, addr: ${at(o.page, o.word)}, by: ${o.by}, expect: { one_of: [${[...new Set(v), '{ errno: EFAULT }'].map((x) => ` ${x}`).join(',')} ] } }`,
            `        - - exit: { pid: ${o.pid}, expect: { ok: true } }`,
          ].join('\n') +
          sched(o.schedule) +
          `\n  - wait: { pid: ${o.pid} }`;
        break;
      }
      case 'race_munmap': {
        if (r === undefined || p === undefined || o.page >= r.pages) continue;
        // The read runs before the munmap (the word), or after it (no mapping there).
        const rd = anyOf([...readOutcomes(m, p, r, o.page, o.word), '{ signal: SIGSEGV, code: SEGV_MAPERR }']);
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - read: { pid: ${o.pid}, tid: 0, addr: ${at(o.page, o.word)}, expect: ${rd} }`,
            `        - - munmap: { pid: ${o.pid}, tid: 1, addr: ${o.name}, len: ${r.pages} pages, expect: { ok: true } }`,
          ].join('\n') + sched(o.schedule);
        break;
      }
      case 'race_fork3': {
        if (r === undefined || p === undefined || o.page >= r.pages || p.pkru.length < 3) continue;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - fork: { pid: ${o.pid}, tid: 0, child: ${o.child}, expect: { ok: true } }`,
            `        - - write: { pid: ${o.pid}, tid: 1, addr: ${at(o.page, o.word1)}, value: ${hex(o.value1)}, expect: ${writeExpect(m, p, r, o.page, 1)} }`,
            `        - - write: { pid: ${o.pid}, tid: 2, addr: ${at(o.page, o.word2)}, value: ${hex(o.value2)}, expect: ${writeExpect(m, p, r, o.page, 2)} }`,
          ].join('\n') + sched(o.schedule);
        break;
      }
      case 'race_mremap': {
        const q = m.procs.get(o.by);
        const b = q?.maps.get(o.byName);
        if (r === undefined || p === undefined || q === undefined || b === undefined || !p.maps.has(o.to) || o.page >= r.pages) continue;
        // Thread 1's read of the old address: the file's word before the move (or its own
        // TLB entry), SIGSEGV once the range is gone, SIGBUS once the file is truncated.
        const rd = anyOf([...readOutcomes(m, p, r, o.page, 0, 1), '{ signal: SIGSEGV }', '{ signal: SIGBUS }']);
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - mremap: { pid: ${o.pid}, tid: 0, addr: ${o.name}, old_len: ${r.pages} pages, new_len: ${r.pages} pages, flags: [maymove, fixed], new_addr: ${o.to}, expect: { addr: ${o.to} } }`,
            `        - - truncate: { file: ${FUZZ_FILE.path}, size: 0 }`,
            `          - write: { pid: ${o.by}, addr: ${o.byName}+0x0, value: ${hex(o.value)}, expect: ${writeExpect(m, q, b, 0)} }`,
            `        - - read: { pid: ${o.pid}, tid: 1, addr: ${at(o.page, 0)}, expect: ${rd} }`,
          ].join('\n') + sched(o.schedule);
        break;
      }
      case 'race_mrelease':
        if (p === undefined || !m.procs.has(o.by) || o.by === o.pid) continue;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - exit: { pid: ${o.pid}, expect: { ok: true } }`,
            // Before exit begins the target is not dying (EINVAL); after, it is reaped or already empty (0).
            `        - - process_mrelease: { pid: ${o.pid}, by: ${o.by}, expect: { one_of: [ { ok: true }, { errno: EINVAL } ] } }`,
          ].join('\n') +
          sched(o.schedule) +
          `\n  - wait: { pid: ${o.pid} }`;
        break;
      case 'race_clean':
        if (r === undefined || p === undefined || o.page >= r.pages || p.pkru.length < 3) continue;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - read: { pid: ${o.pid}, tid: 0, addr: ${at(o.page, o.word)}, expect: ${readExpect(m, p, r, o.page, o.word)} }`,
            `        - - msync: { pid: ${o.pid}, tid: 1, addr: ${o.name}, len: ${r.pages} pages, flags: [sync], expect: { ok: true } }`,
            `        - - mmap: { pid: ${o.pid}, tid: 2, addr: ${hex(m.nextAddr)}, len: 1 page, prot: rw, flags: [private, anon], as: ${o.fresh}, expect: { ok: true } }`,
          ].join('\n') + sched(o.schedule);
        break;
      case 'race_collapse': {
        const c3 = m.procs.get(o.c3);
        const r3 = c3?.maps.get(o.name);
        if (r === undefined || c3 === undefined || r3 === undefined || o.page >= r3.pages) continue;
        // c3's two reads see the word whenever the collapse runs (pages only move up).
        const rd = (tid: number) => `read: { pid: ${o.c3}, tid: ${tid}, addr: ${at(o.page, o.word)}, expect: ${readExpect(m, c3, r3, o.page, o.word, tid)} }`;
        line =
          [
            'concurrent:',
            '      threads:',
            `        - - ${rd(0)}`,
            `        - - exit: { pid: ${o.c2}, expect: { ok: true } }`,
            `          - fork: { pid: ${o.pid}, tid: 1, child: ${o.c4}, expect: { ok: true } }`,
            `        - - ${rd(1)}`,
          ].join('\n') +
          sched(o.schedule) +
          `\n  - wait: { pid: ${o.c2} }`;
        break;
      }
      case 'race_cow':
        if (p === undefined) continue;
        line =
          [
            `mmap: { pid: ${o.pid}, addr: ${hex(m.nextAddr)}, len: 1 page, prot: r, flags: [private], file: ${FUZZ_FILE.path}, as: ${o.fresh} }`,
            '  - concurrent:',
            '      threads:',
            `        - - poke: { pid: ${o.pid}, by: ${o.pid}, addr: ${o.fresh}+${hex(o.word * 4)}, value: ${hex(o.value)}, expect: { ok: true } }`,
            `        - - madvise: { pid: ${o.pid}, tid: 1, addr: ${o.fresh}, len: 1 page, advice: dontneed, expect: { ok: true } }`,
          ].join('\n') +
          sched(o.schedule) +
          `\n  - munmap: { pid: ${o.pid}, addr: ${o.fresh}, len: 1 page, expect: { ok: true } }`;
        break;
    }
    if (!apply(m, o)) continue;
    kept.push(o);
    lines.push(`  - ${line}`);
  }
  return { text: `${lines.join('\n')}\n`, kept };
}

/**
 * The scenario of an operation list on a machine (YAML text): operations invalid in the
 * model's state are left out; steps carry the model's expectation.
 */
export function scenarioText(ops: readonly FuzzOp[], machine: string, title: string, header: string[] = []): string {
  return scenarioOf(ops, machine, title, header).text;
}

/**
 * The operation list with these schedules (one per `concurrent` step that ran, in order)
 * attached to its concurrent operations; a concurrent operation past them loses its schedule.
 */
export function withOpSchedules(ops: readonly FuzzOp[], machine: string, schedules: readonly { schedule: number[] }[]): FuzzOp[] {
  const { kept } = scenarioOf(ops, machine, '');
  let k = 0;
  return kept.map((o) => {
    if (!isRace(o)) return o;
    const s = schedules[k++]?.schedule;
    const { schedule: _old, ...rest } = o;
    return s !== undefined ? { ...rest, schedule: [...s] } : rest;
  });
}
