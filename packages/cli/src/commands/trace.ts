import { GENERATORS, InputError, defaultCatalog, formatTrace, machineFromWord, traceMachines } from '@vmlab/lab';
import type { TraceInput } from '@vmlab/lab';

export interface TraceFlags {
  machine?: string;
  machines?: string;
  json?: boolean;
  log?: string;
  generate?: string;
  param?: string[];
  listGenerators?: boolean;
}

/** `--param k=v` words as numbers. */
function parseParams(words: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of words) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(0x[0-9a-fA-F]+|\d+)$/.exec(w);
    if (!m) throw new InputError(`--param ${w}: expected NAME=NUMBER`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The log of one machine: OUT.jsonl as given for one machine, OUT.<machine>.jsonl for several. */
function logName(out: string, machine: string, several: boolean): string {
  if (!several) return out;
  const safe = machine.replace(/[^A-Za-z0-9_.-]/g, '_');
  return out.endsWith('.jsonl') ? `${out.slice(0, -'.jsonl'.length)}.${safe}.jsonl` : `${out}.${safe}`;
}

/** `vmlab trace`: run trace files (or a generator) on one or more machines and print their figures. */
export async function traceCommand(files: string[], flags: TraceFlags, print: (s: string) => void): Promise<number> {
  if (flags.listGenerators === true) {
    for (const g of GENERATORS.values()) {
      print(`${g.name}: ${g.description}`);
      for (const [k, v] of Object.entries(g.params)) print(`  ${k} (default ${v.default}): ${v.doc}`);
    }
    return 0;
  }
  if (flags.machine !== undefined && flags.machines !== undefined) throw new InputError('give --machine or --machines, not both');
  if (flags.generate !== undefined && files.length > 0) throw new InputError('give trace files or --generate NAME, not both');
  if (flags.generate === undefined && files.length === 0) throw new InputError('no trace: give trace files or --generate NAME (vmlab trace --list-generators)');
  if (flags.param !== undefined && flags.generate === undefined) throw new InputError('--param goes with --generate');
  const catalog = defaultCatalog();
  const words = (flags.machines ?? flags.machine ?? 'amd64')
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  const machines = words.map((w) => machineFromWord(w, catalog));
  const input: TraceInput = flags.generate !== undefined ? { generator: flags.generate, params: parseParams(flags.param ?? []) } : { files };
  const several = machines.length > 1;
  const runs = await traceMachines(input, machines, catalog, flags.log === undefined ? undefined : (m) => logName(flags.log!, m, several));
  const title = 'generator' in input ? `generate ${input.generator}` : files.join(' ');
  if (flags.json === true) {
    print(JSON.stringify({ input, machines: runs.map((r) => ({ ...r.figures, warnings: r.warnings, reader: r.stats?.toJSON() })) }, null, 2));
    return 0;
  }
  const warned = new Set<string>();
  for (const r of runs)
    for (const w of r.warnings) {
      const s = `${w.file}:${w.line}: ${w.message}`;
      if (!warned.has(s)) process.stderr.write(`vmlab: warning: ${s}\n`);
      warned.add(s);
    }
  print(
    formatTrace(
      title,
      runs.map((r) => r.figures),
    ),
  );
  return 0;
}
