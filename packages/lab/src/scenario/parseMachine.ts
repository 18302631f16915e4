/** The machine part of the scenario format (SCENARIO.md "Machine"): a preset, a path or an inline machine. */
import { MACHINE_DEFAULTS, MAX_CPUS, MAX_PHYSMEM, MAX_SWAP } from '@vmlab/core';
import { isMap, type Node } from 'yaml';
import type { MachineRef, MachineSpec, SourcePos } from './ast.ts';
import { KEYS } from './format.ts';
import { ABI_VALUES } from './stepSchemas.ts';
import { parseCount, parseEnum, parseSize } from './values.ts';
import type { Walker } from './Walker.ts';

const MACHINE_KEYS = KEYS.machine;
const FAULT_KEYS = KEYS.fault;

export function parseMachineRef(w: Walker, node: Node | null, anchor: Node, needName: boolean): MachineRef {
  const pos = w.pos(node ?? anchor);
  if (node !== null && isMap(node)) return { kind: 'inline', spec: parseMachineSpec(w, node, anchor, needName), pos };
  const s = w.string(node, 'a machine (a preset name, a path or an inline machine)');
  if (s.includes('/') || /\.(ya?ml|json)$/i.test(s)) return { kind: 'path', path: s, pos };
  return { kind: 'preset', name: s, pos };
}

export function parseMachineList(w: Walker, node: Node | null, anchor: Node): MachineRef[] {
  const seq = w.seq(node, 'machines', anchor);
  if (seq.items.length === 0) w.fail(seq, 'machines needs at least one machine');
  const out: MachineRef[] = [];
  const seen = new Map<string, Node>();
  for (const item of seq.items) {
    const n = w.deref(item);
    const ref = w.guard(() => parseMachineRef(w, n, seq, true));
    if (ref === undefined) continue;
    out.push(ref);
    const nm = ref.kind === 'preset' ? ref.name : ref.kind === 'inline' ? ref.spec.name : undefined;
    if (nm !== undefined) {
      if (seen.has(nm)) w.error(n, `machine name '${nm}' is used twice; give the inline machine another name:`);
      seen.set(nm, n!);
    }
  }
  return out;
}

export function parseMachineSpec(w: Walker, node: Node | null, anchor: Node | null, needName: boolean): MachineSpec {
  const map = w.map(node, 'a machine', anchor);
  const entries = w.entries(map);
  w.onlyKeys(entries, MACHINE_KEYS, 'a machine');
  const positions: Record<string, SourcePos> = {};
  const spec: MachineSpec = {
    arch: '',
    abi: 'freebsd',
    cpus: MACHINE_DEFAULTS.cpus,
    physmem: MACHINE_DEFAULTS.physmem,
    swap: MACHINE_DEFAULTS.swap,
    features: {},
    policies: {},
    plugins: [],
    faults: {},
    positions,
  };
  let sawArch = false;
  let sawName = false;
  for (const e of entries) {
    w.guard(() => {
      const v = e.value;
      switch (e.key) {
        case 'name':
          sawName = true;
          spec.name = w.string(v, 'machine name');
          positions.name = w.pos(v);
          break;
        case 'arch':
          sawArch = true;
          spec.arch = w.string(v, 'arch');
          positions.arch = w.pos(v);
          break;
        case 'abi':
          spec.abi = w.value(v, (x) => parseEnum(x, ABI_VALUES, 'abi'));
          positions.abi = w.pos(v);
          break;
        case 'cpus': {
          const n = w.value(v, parseCount);
          if (n < 1 || n > MAX_CPUS) w.fail(v, `cpus must be between 1 and ${MAX_CPUS}, got ${n}`);
          spec.cpus = n;
          positions.cpus = w.pos(v);
          break;
        }
        case 'physmem':
          spec.physmem = w.value(v, parseSize);
          if (spec.physmem < 4096) w.fail(v, `physmem must be at least 1 page, got ${spec.physmem} bytes`);
          if (spec.physmem > MAX_PHYSMEM)
            w.fail(v, `physmem ${spec.physmem} bytes is above the limit of ${MAX_PHYSMEM / 2 ** 30} GiB (a large address space needs a mapping, not physmem)`);
          positions.physmem = w.pos(v);
          break;
        case 'swap':
          spec.swap = w.value(v, parseSize);
          if (spec.swap > MAX_SWAP) w.fail(v, `swap ${spec.swap} bytes is above the limit of ${MAX_SWAP / 2 ** 30} GiB`);
          positions.swap = w.pos(v);
          break;
        case 'features':
          for (const f of w.entries(w.map(v, 'features', e.keyNode))) {
            w.guard(() => {
              spec.features[f.key] = w.bool(f.value, `feature '${f.key}'`);
              positions[`features.${f.key}`] = w.pos(f.keyNode);
            });
          }
          break;
        case 'policies':
          for (const p of w.entries(w.map(v, 'policies', e.keyNode))) {
            w.guard(() => {
              spec.policies[p.key] = w.scalarText(p.value, `policy '${p.key}'`);
              positions[`policies.${p.key}`] = w.pos(p.value ?? p.keyNode);
            });
          }
          break;
        case 'plugins': {
          const seq = w.seq(v, 'plugins', e.keyNode);
          seq.items.forEach((item, i) => {
            const n = w.deref(item);
            w.guard(() => {
              spec.plugins.push(w.string(n, 'a plugin'));
              positions[`plugins.${i}`] = w.pos(n);
            });
          });
          break;
        }
        case 'faults':
          for (const f of w.entries(w.map(v, 'faults', e.keyNode))) {
            w.guard(() => {
              const fm = w.map(f.value, `fault '${f.key}'`, f.keyNode);
              const fe = w.entries(fm);
              w.onlyKeys(fe, FAULT_KEYS, `fault '${f.key}'`);
              const fault: { at?: number; every?: number; count?: number } = {};
              for (const x of fe) {
                if (x.key === 'at' || x.key === 'every' || x.key === 'count') {
                  w.guard(() => (fault[x.key as 'at'] = w.value(x.value, parseCount)));
                }
              }
              spec.faults[f.key] = fault;
              positions[`faults.${f.key}`] = w.pos(f.keyNode);
            });
          }
          break;
      }
    });
  }
  if (!sawArch) w.error(map, 'the machine has no arch; add arch: amd64 (or arm64, or a pmap plugin)');
  if (needName && !sawName) w.error(map, 'an inline machine in machines: needs a name:');
  return spec;
}
