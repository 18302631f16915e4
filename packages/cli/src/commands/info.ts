import { defaultCatalog } from '@vmlab/lab';

/** `vmlab policies`: every key, its values and its default (from the code). */
export function policiesCommand(json: boolean, print: (s: string) => void): number {
  const c = defaultCatalog();
  const rows = c.policies.all().map((d) => ({
    key: d.key,
    values: [...d.values],
    default: c.policies.defaultOf(d.key, 'freebsd'),
    ...(d.defaultFor !== undefined ? { defaults: Object.fromEntries(['freebsd', 'linux', 'openbsd'].map((a) => [a, c.policies.defaultOf(d.key, a)])) } : {}),
    owner: d.owner,
    rules: d.rules,
    description: d.description,
  }));
  if (json) {
    print(JSON.stringify({ policies: rows }, null, 2));
    return 0;
  }
  for (const r of rows) {
    print(`${r.key}`);
    print(`  values:  ${r.values.map((v) => (v === r.default ? `${v} (default)` : v)).join(', ')}`);
    if (r.defaults !== undefined)
      print(
        `  default by abi: ${Object.entries(r.defaults)
          .map(([a, v]) => `${a}=${v}`)
          .join(', ')}`,
      );
    print(`  rules:   ${r.rules}   (${r.owner})`);
    print(`  ${r.description}`);
  }
  return 0;
}

/** `vmlab machines`: presets, arches and plugins. */
export function machinesCommand(json: boolean, print: (s: string) => void): number {
  const c = defaultCatalog();
  const presets = [...c.presets.entries()].map(([name, s]) => ({ name, arch: s.arch, abi: s.abi, cpus: s.cpus, physmem: s.physmem, swap: s.swap }));
  const arches = [...c.arches.values()].map((a) => ({ name: a.name, description: a.description, features: a.features }));
  const plugins = [...c.plugins.values()].map((p) => ({ name: p.name, description: p.description }));
  if (json) {
    print(JSON.stringify({ presets, arches, plugins }, null, 2));
    return 0;
  }
  print('presets:');
  for (const p of presets)
    print(`  ${p.name.padEnd(8)} arch ${p.arch}, abi ${p.abi}, ${p.cpus} cpus, physmem ${p.physmem / 1048576} MiB, swap ${p.swap / 1048576} MiB`);
  print('arches:');
  for (const a of arches)
    print(
      `  ${a.name.padEnd(8)} ${a.description}; features: ${Object.entries(a.features)
        .map(([f, v]) => `${f}=${v}`)
        .join(', ')}`,
    );
  print('plugins:');
  for (const p of plugins) print(`  ${p.name.padEnd(8)} ${p.description}`);
  return 0;
}
