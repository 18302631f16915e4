/**
 * The hostile-input corpus (issue 19): malformed scenarios, machine files, plugins, logs and
 * command lines, generated from the scenario format's own tables where that is shorter.
 * Every case must exit 2 with a location or a usage message and no stack trace.
 *
 * A case is files to write (paths relative to its folder; `$DIR` in a text is the folder)
 * and the command line, where `$DIR/` names a file of the case.
 */
import { OPS, QUERIES } from '@vmlab/lab';

export interface HostileCase {
  /** The class of issue 19 it belongs to (§1 checks, §2 limits, ...) and a name. */
  klass: string;
  name: string;
  files: Record<string, string>;
  args: string[];
  /** Extra environment for the case (a short plugin load timeout). */
  env?: Record<string, string>;
  /** A piece of text the message must contain. */
  says?: RegExp;
  /** Time allowed (ms) when not the default 5 s. */
  budgetMs?: number;
}

const HEADER =
  'name: hostile\nmachine: amd64\nsteps:\n  - spawn: { pid: 1 }\n  - spawn: { pid: 2 }\n  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }\n';
const scenario = (steps: string, header = HEADER): string => `${header}${steps}`;
const run = (file = 's.yaml', ...more: string[]): string[] => ['run', `$DIR/${file}`, ...more];

/** A valid value of each argument kind, by argument name where the name matters. */
function validArg(op: string, name: string, kind: unknown): string {
  if (typeof kind === 'object' && kind !== null) {
    if ('enum' in kind) return (kind as { enum: readonly string[] }).enum[0]!;
    const flags = (kind as { flags: readonly string[] | null }).flags;
    if (op === 'mmap') return '[private, anon]';
    return flags === null ? '0' : `[${flags[0]}]`;
  }
  switch (kind) {
    case 'addr':
      return 'a';
    case 'size':
      return name === 'offset' ? '0' : '1 page';
    case 'prot':
      return 'rw';
    case 'string':
      return name === 'kind' ? 'fault' : '/dev/x';
    case 'holder':
      return 'h';
    case 'bool':
      return 'true';
    case 'name':
      return 'b';
    case 'rights':
      return 'none';
    case 'by':
      return '2';
    default:
      return '1';
  }
}

function stepText(op: string, args: Record<string, string>): string {
  return `  - ${op}: { ${Object.entries(args)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} }\n`;
}

function validArgs(op: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, a] of Object.entries(OPS[op]!.args)) if (a.required) out[k] = validArg(op, k, a.kind);
  return out;
}

const BAD_INTEGERS = ['1e0', '1.5', '-1', '010', '0o7', 'abc', '[1]', '{ x: 1 }', '2.0', '0x1p3'];
const BAD_SIZES = ['1e3', '2.5', '-4096', '4 XiB', '010', 'true', '[4096]', 'lots'];

export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (klass: string, name: string, files: Record<string, string>, args: string[], extra: Partial<HostileCase> = {}): void => {
    cases.push({ klass, name, files, args, ...extra });
  };

  // --- §6 / schema: every operation's arguments ------------------------------------------
  for (const op of Object.keys(OPS)) {
    const ok = validArgs(op);
    for (const k of Object.keys(ok)) {
      const { [k]: _gone, ...rest } = ok;
      add('schema', `${op} without ${k}`, { 's.yaml': scenario(stepText(op, rest)) }, run(), { says: new RegExp(k) });
    }
    add('schema', `${op} with an unknown argument`, { 's.yaml': scenario(stepText(op, { ...ok, bogus: '1' })) }, run(), { says: /bogus/ });
    for (const [k, a] of Object.entries(OPS[op]!.args)) {
      if (a.kind === 'id' || a.kind === 'u32' || a.kind === 'count') {
        for (const bad of BAD_INTEGERS) add('numbers', `${op} ${k}: ${bad}`, { 's.yaml': scenario(stepText(op, { ...ok, [k]: bad })) }, run());
      }
      if (a.kind === 'size' && k === 'len') {
        for (const bad of BAD_SIZES) add('numbers', `${op} ${k}: ${bad}`, { 's.yaml': scenario(stepText(op, { ...ok, [k]: bad })) }, run());
      }
    }
  }
  for (const q of Object.keys(QUERIES)) {
    add('schema', `check ${q} with an unknown argument`, { 's.yaml': scenario(`  - check: { ${q}: { bogus: 1 } }\n`) }, run(), { says: /bogus/ });
  }

  // --- steps that are not steps ------------------------------------------------------------
  const notSteps = ['1', '"spawn"', 'null', '[]', '[spawn]', '{ spawn: { pid: 1 }, exit: { pid: 1 } }', '{}', 'spawn', '{ spwan: { pid: 3 } }', '{ spawn: 3 }'];
  for (const s of notSteps) add('schema', `a step that is ${s}`, { 's.yaml': scenario(`  - ${s}\n`) }, run());
  for (const s of ['3', '"steps"', '{ spawn: { pid: 1 } }', 'null']) add('schema', `steps: ${s}`, { 's.yaml': `name: x\nsteps: ${s}\n` }, run());
  add('schema', 'concurrent with no threads', { 's.yaml': scenario('  - concurrent: { threads: [] }\n') }, run());
  add('schema', 'concurrent threads not lists', { 's.yaml': scenario('  - concurrent: { threads: [1, 2] }\n') }, run());
  add(
    'schema',
    'concurrent schedule of words',
    { 's.yaml': scenario('  - concurrent: { threads: [[{ read: { pid: 1, addr: a } }], [{ read: { pid: 1, addr: a } }]], schedule: [x] }\n') },
    run(),
  );

  // --- §1 checks that cannot fail ---------------------------------------------------------
  const reads = '  - read: { pid: 1, addr: a, expect: EXP }\n';
  for (const exp of [
    '{}',
    '{ valeu: 0 }',
    '{ vlaue: }',
    '{ erno: ENOMEM }',
    '{ sginal: SIGSEGV }',
    '{ okk: true }',
    '{ one_of: [ { valeu: 1 } ] }',
    '{ rss: 1 }',
    '{ Value: 0 }',
    '{ " value": 0 }',
  ]) {
    add('checks', `read expect ${exp}`, { 's.yaml': scenario(reads.replace('EXP', exp)) }, run());
  }
  add('checks', 'check expect naming a query not asked', { 's.yaml': scenario('  - check: { rss: { pid: 1 }, expect: { footprint: 0 } }\n') }, run(), {
    says: /footprint/,
  });
  add('checks', 'check with an empty expect', { 's.yaml': scenario('  - check: { rss: { pid: 1 }, expect: {} }\n') }, run(), { says: /empty/ });
  add('checks', 'expect_on a machine not run', { 's.yaml': scenario('  - read: { pid: 1, addr: a, expect_on: { amd46: { value: 0 } } }\n') }, run(), {
    says: /amd46.*did you mean/,
  });
  add(
    'checks',
    'expect_on a machine not run (machines:)',
    {
      's.yaml': scenario(
        '  - read: { pid: 1, addr: a, expect_on: { riscv: { value: 0 } } }\n',
        'name: h\nmachines: [amd64, arm64]\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }\n',
      ),
    },
    run(),
  );
  add(
    'checks',
    'a misspelt fault point',
    { 's.yaml': scenario('', 'name: f\nmachine: { arch: amd64, faults: { swap_reed: { at: 1 } } }\nsteps:\n  - spawn: { pid: 1 }\n') },
    run(),
    { says: /swap_reed.*swap_read/ },
  );
  for (const inv of ['rs', 'key_lifetme', 'nothing', 'Rss']) {
    add(
      'checks',
      `explore expecting invariant ${inv}`,
      { 's.yaml': `name: e\nexplore: { expect: violation, invariant: ${inv} }\nsteps:\n  - spawn: { pid: 1 }\n` },
      ['explore', '$DIR/s.yaml'],
      { says: new RegExp(inv) },
    );
  }

  // --- machines ----------------------------------------------------------------------------
  const machine = (m: string): Record<string, string> => ({ 's.yaml': `name: m\nmachine: ${m}\nsteps:\n  - spawn: { pid: 1 }\n` });
  const badMachines = [
    '{ arch: amd64, physmem: 8796093022208 }',
    '{ arch: amd64, physmem: 1099511627776 }',
    '{ arch: amd64, physmem: 512GiB }',
    '{ arch: amd64, physmem: 8TiB }',
    '{ arch: amd64, physmem: lots }',
    '{ arch: amd64, physmem: 0 }',
    '{ arch: amd64, physmem: 100 }',
    '{ arch: amd64, physmem: 1e9 }',
    '{ arch: amd64, swap: 1099511627776 }',
    '{ arch: amd64, swap: -1 }',
    '{ arch: amd64, cpus: 0 }',
    '{ arch: amd64, cpus: 32 }',
    '{ arch: amd64, cpus: 64 }',
    '{ arch: amd64, cpus: 1.5 }',
    '{ arch: amd64, cpus: 2e0 }',
    '{ arch: amd46 }',
    '{ arch: amd64, policies: { pkru.clear_on: sometimes } }',
    '{ arch: amd64, policies: { pkru.clearon: never } }',
    '{ arch: amd64, features: { pkuu: true } }',
    '{ arch: amd64, features: { pku: maybe } }',
    '{ arch: amd64, plugins: [nosuch] }',
    '{ arch: amd64, plugins: [./nosuch.ts] }',
    '{ arch: amd64, abi: windows }',
    '{ arch: amd64, faults: { swap_read: { at: 1.5 } } }',
    '{ arch: amd64, faults: { swap_read: { when: 1 } } }',
    '{ arch: amd64, faults: [swap_read] }',
    '{ arch: amd64, bogus: 1 }',
    '{ physmem: 16MiB }',
    '[amd64]',
    '42',
    'nosuch-preset',
    './missing-machine.yaml',
    './',
  ];
  for (const m of badMachines) add('machines', `machine ${m}`, machine(m), run());
  add(
    'machines',
    'a machine file naming a bad cpus',
    { 's.yaml': 'name: m\nmachine: ./m.yaml\nsteps:\n  - spawn: { pid: 1 }\n', 'm.yaml': 'arch: amd64\ncpus: 99\n' },
    run(),
    { says: /m\.yaml:2/ },
  );
  add(
    'machines',
    'a missing machine file names the scenario line',
    { 's.yaml': 'name: m\nmachines: [amd64, ./gone.yaml]\nsteps:\n  - spawn: { pid: 1 }\n' },
    run(),
    { says: /s\.yaml:2:\d+: machine file \.\/gone\.yaml does not exist/ },
  );
  add('machines', 'files with a bad size', { 's.yaml': 'name: f\nfiles:\n  - { path: /x, size: 1e3 }\nsteps:\n  - spawn: { pid: 1 }\n' }, run());
  add(
    'machines',
    'files given twice',
    { 's.yaml': 'name: f\nfiles:\n  - { path: /x, size: 1 page }\n  - { path: /x, size: 1 page }\nsteps:\n  - spawn: { pid: 1 }\n' },
    run(),
  );

  // --- §2 YAML limits ----------------------------------------------------------------------
  let laughs = 'name: x\nfiles:\n  - &a0 { path: /a, size: 1 page }\nsteps:\n  - concurrent:\n      threads:\n';
  let prev = '[*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]';
  laughs = `name: x\nl0: &l0 ${prev}\n`;
  for (let i = 1; i < 12; i++) {
    laughs += `l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]\n`;
    prev = `*l${i}`;
  }
  add('limits', 'billion laughs at the top', { 's.yaml': `${laughs}steps: *l11\n` }, run());
  let doubling = 'name: x\nd0: &d0 [{ spawn: { pid: 1 } }]\n';
  for (let i = 1; i <= 24; i++) doubling += `d${i}: &d${i} [*d${i - 1}, *d${i - 1}]\n`;
  add('limits', '24 levels of doubling', { 's.yaml': `${doubling}steps: *d24\n` }, run());
  const under = 'name: x\nmachine: amd64\nsteps:\n  - spawn: { pid: 1 }\n  - check: { rss: { pid: 1 }, expect: { rss: &e0 { one_of: [0, 1] } } }\n';
  add(
    'limits',
    'aliases in an expectation',
    { 's.yaml': `${under.replace('steps:', 'steps:')}  - check: { rss: { pid: 1 }, expect: { rss: *e0, footprint: *e0 } }\n` },
    run(),
  );
  add(
    'limits',
    '100,000 unknown top-level keys',
    { 's.yaml': `name: x\nsteps: []\n${Array.from({ length: 100000 }, (_, i) => `k${i}: 1`).join('\n')}\n` },
    run(),
    {
      says: /stopped after 20 problems/,
      // The yaml library's own parse of 100,000 lines takes 1-6 s on a loaded 2-core machine
      // (about 50 us a line, linear); what follows it stops at the 20th problem.
      budgetMs: 20_000,
    },
  );
  add('limits', '5,000 bad steps', { 's.yaml': scenario('  - spwan: { pid: 1 }\n'.repeat(5000)) }, run(), { says: /stopped after 20/ });
  add(
    'limits',
    'lists nested 200 deep',
    { 's.yaml': `name: x\nsteps:\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: ${'['.repeat(200)}${']'.repeat(200)} }\n` },
    run(),
  );
  add(
    'limits',
    'maps nested 200 deep',
    { 's.yaml': `name: x\nsteps:\n  - read: { pid: 1, addr: 0, expect: { value: ${'{ a: '.repeat(200)}1${' }'.repeat(200)} } }\n` },
    run(),
  );
  add('limits', 'two documents', { 's.yaml': 'name: x\nsteps: []\n---\nname: y\n' }, run());
  add('limits', 'a duplicate key', { 's.yaml': 'name: x\nname: y\nsteps:\n  - spawn: { pid: 1 }\n' }, run(), { says: /twice/ });
  add('limits', 'an empty file', { 's.yaml': '' }, run());
  add('limits', 'invalid YAML', { 's.yaml': 'name: [x\nsteps: {' }, run());
  add('limits', 'a tab indent', { 's.yaml': 'name: x\nsteps:\n\t- spawn: { pid: 1 }\n' }, run());
  add('limits', 'binary garbage', { 's.yaml': '\u0000\u0001\u0002\u00ff\u00fe\u001b[2J' }, run());
  add(
    'limits',
    'control characters in a name',
    { 's.yaml': scenario('  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: "\\e[31mred" }\n  - read: { pid: 1, addr: "\\e[2Jx" }\n') },
    run(),
  );
  add('limits', 'escape in an unknown key', { 's.yaml': 'name: x\n"\\e]0;pwned\\a": 1\nsteps: []\n' }, run());
  add('limits', 'a JSON scenario with floats', { 's.json': '{"name":"j","steps":[{"spawn":{"pid":1.0}}]}' }, run('s.json'));
  add('limits', 'a scenario that is a list', { 's.yaml': '- name: x\n' }, run());
  add('limits', 'a scenario that is a number', { 's.yaml': '42\n' }, run());

  // --- §6 command-line numbers and lists -----------------------------------------------------
  const ok = { 's.yaml': scenario('  - read: { pid: 1, addr: a }\n') };
  const exploreOk = { 's.yaml': scenario('  - concurrent: { threads: [[{ read: { pid: 1, addr: a } }], [{ read: { pid: 1, addr: a } }]] }\n') };
  const BAD_FLAG_NUMBERS = ['1.5', '1e3', '-1', 'abc', '', '0x10', '4294967296', '99999999999999999999', ' 1'];
  for (const flag of ['--seed', '--ops', '--ops-per-run', '--schedules']) {
    for (const v of BAD_FLAG_NUMBERS) {
      if (flag !== '--seed' && v === '4294967296') continue;
      add('flags', `fuzz ${flag} ${JSON.stringify(v)}`, {}, ['fuzz', flag, v]);
    }
  }
  for (const flag of ['--seed', '--bound', '--runs'])
    for (const v of BAD_FLAG_NUMBERS.filter((x) => flag !== '--runs' || x !== '4294967296'))
      add('flags', `explore ${flag} ${JSON.stringify(v)}`, exploreOk, ['explore', '$DIR/s.yaml', flag, v]);
  for (const v of ['0', '-5', 'soon', '1e2']) add('flags', `--time ${v}`, {}, ['fuzz', '--time', v]);
  for (const v of ['0', '-1', '1.5', 'x']) add('flags', `replay --until ${v}`, {}, ['replay', '$DIR/none.jsonl', '--until', v]);
  add('flags', 'explore --strategy bogus', exploreOk, ['explore', '$DIR/s.yaml', '--strategy', 'bogus']);
  add('flags', 'an unknown command', {}, ['rnu']);
  add('flags', 'an unknown option', ok, ['run', '$DIR/s.yaml', '--chekc']);
  add('flags', 'run without a file', {}, ['run']);
  add('flags', 'a missing scenario file', {}, ['run', '$DIR/nothere.yaml']);
  add('flags', 'a scenario that is a folder', {}, ['run', '$DIR']);
  for (const m of [',,,', '', ' , ', 'amd64,,arm64', 'amd64,'])
    add('flags', `compare --machines ${JSON.stringify(m)}`, ok, ['compare', '$DIR/s.yaml', '--machines', m]);
  for (const m of ['nosuch', './none.yaml', '']) add('flags', `run --machine ${JSON.stringify(m)}`, ok, ['run', '$DIR/s.yaml', '--machine', m]);
  for (const p of ['pkru.clear_on', 'x=y=z', '=never', 'pkru.clear_on=', 'nosuch.key=1', 'pkru.clear_on=sometimes'])
    add('flags', `fuzz --policy ${p}`, {}, ['fuzz', '--policy', p]);
  add('flags', 'fuzz --machine nosuch', {}, ['fuzz', '--machine', 'nosuch']);

  // --- §3 one writer of output files ---------------------------------------------------------
  add('outputs', 'run --log naming the input file', ok, ['run', '$DIR/s.yaml', '--log', '$DIR/s.yaml'], { says: /overwrite/ });
  add('outputs', 'run --log naming a folder', ok, ['run', '$DIR/s.yaml', '--log', '$DIR']);
  add('outputs', 'run --log in a missing folder', ok, ['run', '$DIR/s.yaml', '--log', '$DIR/no/such/log.jsonl']);
  add('outputs', 'compare --html naming a folder', ok, ['compare', '$DIR/s.yaml', '--html', '$DIR']);
  add('outputs', 'compare --html naming the input', ok, ['compare', '$DIR/s.yaml', '--html', '$DIR/s.yaml']);
  add('outputs', 'compare --html in a missing folder', ok, ['compare', '$DIR/s.yaml', '--html', '$DIR/none/r.html']);
  add('outputs', 'explore --log naming the input', exploreOk, ['explore', '$DIR/s.yaml', '--log', '$DIR/s.yaml']);
  add('outputs', 'explore --log naming a folder', exploreOk, ['explore', '$DIR/s.yaml', '--log', '$DIR']);
  add('outputs', 'fuzz --out naming a folder', {}, ['fuzz', '--out', '$DIR']);
  add('outputs', 'fuzz --out in a missing folder', {}, ['fuzz', '--out', '$DIR/none/v.yaml']);
  add('outputs', 'new-plugin --dir naming a file', ok, ['new-plugin', 'p', '--dir', '$DIR/s.yaml']);
  for (const n of ['Bad', '1x', '../up', 'a b', '', 'x/y']) add('outputs', `new-plugin ${JSON.stringify(n)}`, {}, ['new-plugin', n, '--dir', '$DIR']);
  add('outputs', 'new-plugin into a non-empty folder', { 'p/keep.txt': 'x' }, ['new-plugin', 'p', '--dir', '$DIR']);

  // --- §3 plugins ------------------------------------------------------------------------------
  const plugin = (body: string): string => `import { ContainerModule, PLUGIN_API_VERSION } from '@vmlab/core';\n${body}\n`;
  const withPlugin = (body: string, file = 'p.ts'): Record<string, string> => ({
    [file]: plugin(body),
    's.yaml': `name: p\nmachine: { arch: amd64, plugins: [./${file}] }\nsteps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }\n  - write: { pid: 1, addr: a, value: 1 }\n`,
  });
  const P = "name: 'p', apiVersion: PLUGIN_API_VERSION";
  const plugins: [string, string, RegExp?][] = [
    [
      'a ContainerModule that throws',
      `export default { ${P}, module: new ContainerModule(() => { throw new Error('module boom'); }) };`,
      /threw in module: module boom/,
    ],
    [
      'an invariant that throws',
      `export default { ${P}, module: new ContainerModule(() => {}), invariants: [{ name: 'mine', description: 'x', check() { throw new Error('inv boom'); } }] };`,
      /threw in its invariant mine/,
    ],
    [
      'an invariant reusing rss',
      `export default { ${P}, module: new ContainerModule(() => {}), invariants: [{ name: 'rss', description: 'x', check() {} }] };`,
      /'rss' is already taken/,
    ],
    ['an invariant without a name', `export default { ${P}, module: new ContainerModule(() => {}), invariants: [{ description: 'x', check() {} }] };`],
    [
      'an invariant twice',
      `const i = { name: 'twice', description: 'x', check() {} };\nexport default { ${P}, module: new ContainerModule(() => {}), invariants: [i, i] };`,
    ],
    [
      'a top-level await that never settles',
      `await new Promise(() => {});\nexport default { ${P}, module: new ContainerModule(() => {}) };`,
      /did not finish loading/,
    ],
    ['an import that throws', `throw new Error('import boom');\nexport default { ${P}, module: new ContainerModule(() => {}) };`, /import boom/],
    ['no export', 'export const x = 1;'],
    ['a wrong apiVersion', `export default { name: 'p', apiVersion: 99, module: new ContainerModule(() => {}) };`, /99/],
    ['no module', `export default { ${P} };`],
    ['an onLoad that throws', `export default { ${P}, module: new ContainerModule(() => {}), onLoad() { throw new Error('load boom'); } };`, /onLoad/],
    [
      'an onMachine that throws',
      `export default { ${P}, module: new ContainerModule(() => {}), onMachine() { throw new Error('machine boom'); } };`,
      /onMachine/,
    ],
    ['an apply that throws', `export default { ${P}, module: new ContainerModule(() => {}), apply() { throw new Error('apply boom'); } };`, /apply/],
    ['a syntax error', 'export default { name: ;'],
  ];
  for (const [name, body, says] of plugins) {
    // Only the never-settling import waits for the limit; a short one keeps the case fast.
    const env: Record<string, string> = /never settles/.test(name) ? { VMLAB_PLUGIN_TIMEOUT_MS: '1000' } : {};
    add('plugins', name, withPlugin(body), run(), { env, ...(says !== undefined ? { says } : {}) });
  }
  add(
    'plugins',
    'a TypeScript plugin under a package.json without type: module',
    { ...withPlugin(`export default { ${P}, module: new ContainerModule(() => {}) };`), 'package.json': '{ "name": "cjs" }' },
    run(),
    { says: /"type": "module"/ },
  );
  add(
    'plugins',
    'an arch plugin named in plugins:',
    withPlugin(`export default { ${P}, module: new ContainerModule(() => {}), arch: { name: 'x', features: {} } };`),
    run(),
  );
  add(
    'plugins',
    'a plugin named as arch without a pmap',
    {
      ...withPlugin(`export default { ${P}, module: new ContainerModule(() => {}) };`),
      's.yaml': 'name: p\nmachine: { arch: ./p.ts }\nsteps:\n  - spawn: { pid: 1 }\n',
    },
    run(),
  );
  return cases;
}

/** Text lines of a valid run log, with the line kinds that replay cases mutate. */
export function logCases(valid: string, withPlugin: string): { name: string; text: string; args?: string[]; says?: RegExp }[] {
  const lines = valid.trim().split('\n');
  const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const idx = (t: string): number => objs.findIndex((o) => o.type === t);
  const edit = (t: string, f: (o: Record<string, unknown>) => unknown): string => {
    const i = idx(t);
    const o = JSON.parse(lines[i]!) as Record<string, unknown>;
    const out = f(o) ?? o;
    return [...lines.slice(0, i), JSON.stringify(out), ...lines.slice(i + 1)].join('\n');
  };
  const out: { name: string; text: string; args?: string[]; says?: RegExp }[] = [];
  out.push({
    name: 'a step value altered, events left alone',
    text: edit('scenario', (o) => {
      (o.steps as { args: Record<string, unknown> }[])[0]!.args.pid = 7;
    }),
    says: /altered/,
  });
  out.push({
    name: 'a command line altered',
    text: edit('command', (o) => {
      o.op = 'exit';
    }),
    says: /altered/,
  });
  out.push({ name: 'the end line without commandHash', text: edit('end', (o) => void delete o.commandHash), says: /commandHash/ });
  out.push({
    name: 'a wrong commandHash',
    text: edit('end', (o) => {
      o.commandHash = '0'.repeat(64);
    }),
    says: /altered/,
  });
  for (const k of ['spec', 'files', 'name', 'machine', 'seed', 'check', 'version'])
    out.push({ name: `config without ${k}`, text: edit('config', (o) => void delete o[k]) });
  for (const [k, v] of [
    ['seed', 1.5],
    ['check', 'yes'],
    ['spec', []],
    ['spec', { arch: 5 }],
    ['files', {}],
    ['version', 2],
  ] as const)
    out.push({
      name: `config ${k}: ${JSON.stringify(v)}`,
      text: edit('config', (o) => {
        o[k] = v;
      }),
    });
  const stepEdits: [string, (s: Record<string, unknown>) => unknown][] = [
    ['a step that is a number', () => 5],
    ['a step that is a string', () => 'spawn'],
    ['a step without op', (s) => void delete s.op],
    [
      'a step with an unknown op',
      (s) => {
        s.op = 'format_disk';
      },
    ],
    ['a step without args', (s) => void delete s.args],
    ['a step without pos', (s) => void delete s.pos],
    [
      'a step whose pid is a string',
      (s) => {
        (s.args as Record<string, unknown>).pid = 'one';
      },
    ],
    [
      'a step whose pid is 1.5',
      (s) => {
        (s.args as Record<string, unknown>).pid = 1.5;
      },
    ],
    [
      'a step whose pid is negative',
      (s) => {
        (s.args as Record<string, unknown>).pid = -1;
      },
    ],
    [
      'a step with an unknown argument',
      (s) => {
        (s.args as Record<string, unknown>).rm = '-rf';
      },
    ],
    ['a step missing pid', (s) => void delete (s.args as Record<string, unknown>).pid],
    [
      'a step whose expect is a string',
      (s) => {
        s.expect = 'ok';
      },
    ],
  ];
  for (const [name, f] of stepEdits) {
    out.push({
      name,
      text: edit('scenario', (o) => {
        const steps = o.steps as Record<string, unknown>[];
        const r = f(steps[0]!);
        if (r !== undefined) steps[0] = r as Record<string, unknown>;
      }),
    });
  }
  out.push({
    name: 'steps that are not a list',
    text: edit('scenario', (o) => {
      o.steps = { a: 1 };
    }),
  });
  out.push({ name: 'a line of 100,000 nested arrays', text: `${lines[0]}\n${'['.repeat(100000)}${']'.repeat(100000)}\n`, says: /nested/ });
  out.push({ name: 'a line of 10,000 nested objects', text: `${lines[0]}\n${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}\n`, says: /nested/ });
  out.push({ name: 'not JSON', text: 'hello\n' });
  out.push({ name: 'an empty log', text: '' });
  out.push({ name: 'a line that is a list', text: '[1,2]\n' });
  out.push({ name: 'an unknown line type', text: `${lines[0]}\n{"type":"exec","cmd":"rm"}\n` });
  out.push({ name: 'a line after the end', text: `${valid.trim()}\n{"type":"event","event":{}}\n` });
  out.push({ name: 'no scenario line', text: `${lines[0]}\n` });
  out.push({ name: 'a second config line', text: `${lines[0]}\n${lines[0]}\n` });
  out.push({ name: 'a plugin named in the log, without --allow-plugins', text: withPlugin, says: /--allow-plugins/ });
  return out;
}
