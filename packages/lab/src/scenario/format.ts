/**
 * The one definition of the scenario and machine file formats (docs/scenario-format.md), as
 * zod schemas built from the operation and query tables of stepSchemas.ts. From it come:
 *
 * - the keys the parser (Walker, parseScenario, parseMachine, parseSteps) accepts, required
 *   and allowed, so its messages (file:line:column, did-you-mean) name what this file defines;
 * - the shape check a parsed file passes last (checkFormat: each zod issue reported at the
 *   YAML node its path names);
 * - the JSON Schemas an editor reads, schema/scenario.schema.json and schema/machine.schema.json
 *   (`pnpm schema` writes them with jsonSchemas(); a test fails when the committed files differ).
 *
 * Values are checked here as written in a file: a number where a number goes, or a string of
 * the textual forms the parser reads (0x hex, a size with a unit, a name with an offset, a
 * `$i` loop index inside `repeat`). What needs the whole file (names bound by `as:`, saved
 * checks, limits, policy names and values) is checked by the parser and the catalog.
 */
import { z } from 'zod';
import { GENERATORS } from '../trace/generators/generators.ts';
import { outcomeFields } from './parseExpectation.ts';
import { ABI_VALUES, type ArgKind, OPS, type OpSpec, QUERIES, RIGHTS_VALUES } from './stepSchemas.ts';

/** An integer as text: decimal or 0x hex, optionally negative. */
const NUM = '-?(?:0[xX][0-9a-fA-F]+|[0-9]+)';
/** A value inside `repeat` that uses a loop index (`$i`, `0x1000*$i`, `buf+$i*4096`). */
const LOOP = String.raw`.*\$[A-Za-z_].*`;
const text = (pattern: string, description: string) =>
  z
    .string()
    .regex(new RegExp(`^\\s*(?:${pattern}|${LOOP})\\s*$`))
    .describe(description);

const countText = text('0[xX][0-9a-fA-F]+|[0-9]+', 'a non-negative integer: decimal or 0x hex');
const count = z
  .union([z.int().min(0), countText])
  .describe('a non-negative integer (decimal or 0x hex)')
  .meta({ id: 'count' });
const u32 = z
  .union([z.int().min(0).max(0xffffffff), countText])
  .describe('a 32-bit unsigned value (decimal or 0x hex)')
  .meta({ id: 'u32' });
const u64 = z
  .union([z.int(), text(NUM, 'a 64-bit value: decimal or 0x hex; negative is two’s complement')])
  .describe('a 64-bit value')
  .meta({ id: 'u64' });
const SIZE = String.raw`(?:0[xX][0-9a-fA-F]+|[0-9]+)\s*[A-Za-z]+`;
const size = z
  .union([z.int().min(0), text(`${NUM}|${SIZE}`, 'bytes, or a number with a unit: B, KiB, MiB, GiB, page, pages (e.g. 4KiB, 2 pages)')])
  .describe('bytes, or a number with a unit (4KiB, 2 pages)')
  .meta({ id: 'size' });
const len = z
  .union([z.int(), text(`${NUM}|${SIZE}`, 'a length: bytes, a number with a unit (2 pages), or any 64-bit value')])
  .describe('a length or offset: bytes, a number with a unit, or any 64-bit value')
  .meta({ id: 'len' });
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const addr = z
  .union([z.int(), text(String.raw`(?:${NAME}|-?0[xX][0-9a-fA-F]+|-?[0-9]+)(?:\s*[+-]\s*\S.*)?`, 'an address: a number, a name bound by as:, or name+offset')])
  .describe('an address: a number, a name bound by an earlier as:, or name+offset (buf+0x1000, buf+2 pages)')
  .meta({ id: 'addr' });
const name = z
  .string()
  .regex(new RegExp(`^${NAME}$`))
  .describe('a name: a letter or _ followed by letters, digits or _')
  .meta({ id: 'name' });
const nonEmpty = z.string().min(1);
const prot = z
  .union([u32, z.string().regex(/^\s*(?:[nN][oO][nN][eE]|[rwxRWX]*(?:[bB][tT][iI])?|.*\$[A-Za-z_].*)\s*$/)])
  .describe('none, r, w, x in any order optionally followed by bti (rw, rx, rxbti), or the raw PROT_* bits')
  .meta({ id: 'prot' });
const accessSize = z
  .union([z.literal([1, 2, 4, 8]), z.string().regex(/^\s*[1248]\s*$/)])
  .describe('an access size in bytes: 1, 2, 4 or 8')
  .meta({ id: 'accessSize' });
const byWho = z
  .union([z.int().min(0), z.string().min(1)])
  .describe('who does it: a number, or a name')
  .meta({ id: 'by' });

function flags(allowed: readonly string[] | null): z.ZodType {
  const word = allowed === null ? name : z.enum(allowed as [string, ...string[]]);
  return z
    .union([z.array(word), word, count])
    .describe(`a list of flags${allowed === null ? '' : ` (${allowed.join(', ')})`}, or the raw flag bits as a number`);
}

function arg(kind: ArgKind): z.ZodType {
  if (typeof kind === 'object') {
    if ('enum' in kind) return z.enum(kind.enum as [string, ...string[]]);
    return flags(kind.flags);
  }
  switch (kind) {
    case 'id':
    case 'count':
      return count;
    case 'by':
      return byWho;
    case 'addr':
      return addr;
    case 'size':
      return size;
    case 'len':
      return len;
    case 'u64':
      return u64;
    case 'access_size':
      return accessSize;
    case 'u32':
      return u32;
    case 'prot':
      return prot;
    case 'string':
      return nonEmpty;
    case 'holder':
      return z.union([z.string(), z.number(), z.boolean()]);
    case 'bool':
      return z.boolean();
    case 'name':
      return name;
    case 'rights':
      return z.union([z.enum(RIGHTS_VALUES), count]);
  }
}

/** An expected value: a scalar, an address, a `$saved.query` reference, `{ lt: N }`, a map of fields, `{ one_of: [...] }`. */
const expected = z
  .unknown()
  .describe('an expected value: a number, an errno or signal name, an address, $saved.query, { lt: N }, { one_of: [...] }')
  .meta({ id: 'expected' });

const expectations = new Map<string, z.ZodType>();

/** `expect:` of a step whose outcome has these fields (`id`: its name in the JSON Schema's definitions). */
function expectation(fields: readonly string[], id: string): z.ZodType {
  const known = expectations.get(fields.join());
  if (known !== undefined) return known;
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) shape[f] = expected.optional();
  shape.one_of = z.array(z.record(z.string(), expected)).min(1).optional();
  const x = z.strictObject(shape).describe('the expected outcome: the fields that matter (fields left out are not compared)').meta({ id });
  expectations.set(fields.join(), x);
  return x;
}

function expectFields(fields: readonly string[], id: string): Record<string, z.ZodType> {
  const x = expectation(fields, id);
  return { expect: x.optional(), expect_on: z.record(z.string(), x).describe('per machine (compare): machine name → expectation').optional() };
}

function argsShape(spec: OpSpec): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, a] of Object.entries(spec.args)) shape[k] = a.required ? arg(a.kind) : arg(a.kind).optional();
  return shape;
}

function hasRequired(spec: OpSpec): boolean {
  return Object.values(spec.args).some((a) => a.required);
}

/** A query's arguments; a query without arguments may be written `swap_used:` (null). */
function queryArgs(q: string): z.ZodType {
  const spec = QUERIES[q]!;
  const obj = z.strictObject(argsShape(spec));
  return hasRequired(spec) ? obj : obj.nullable();
}

const queriesShape: Record<string, z.ZodType> = Object.fromEntries(Object.keys(QUERIES).map((q) => [q, queryArgs(q).optional()]));

/** One `check` map: queries, `save`, `expect`, `expect_on`. */
const checkMap = z
  .strictObject({ ...queriesShape, save: name.optional(), ...expectFields([...Object.keys(QUERIES), 'errno', 'error'], 'checkOutcome') })
  .meta({ id: 'checkMap' });

/** A map with exactly one key (a step): the JSON Schema says so with min/maxProperties. */
function oneKey<T extends z.ZodType>(s: T, id: string): T {
  return s
    .refine((v) => typeof v === 'object' && v !== null && Object.keys(v).length === 1, 'a step is a one-key map (the operation)')
    .meta({
      id,
      vmlabOneKey: true,
    }) as unknown as T;
}

function stepShape(nested: boolean): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [op, spec] of Object.entries(OPS)) {
    const obj = z.strictObject({ ...argsShape(spec), ...expectFields(outcomeFields(op), `${op}Outcome`) });
    shape[op] = (hasRequired(spec) ? obj : obj.nullable()).optional();
  }
  shape.check = z.union([checkMap, z.array(checkMap).min(1)]).optional();
  const generators = [...GENERATORS.keys()] as [string, ...string[]];
  if (!nested) {
    shape.generate = z
      .object({ name: z.enum(generators), ...expectFields(outcomeFields('generate'), 'generateOutcome') })
      .catchall(count)
      .describe("a workload generator: name and the generator's parameters (counts)")
      .optional();
  }
  return shape;
}

// `repeat` holds steps: made once, when the step schema is first read (the getters below).
let nestedRepeat: z.ZodType | undefined;
let stepRepeat: z.ZodType | undefined;

/** Steps as written in a `concurrent` thread (no `concurrent`, no `generate`). */
export const NestedStep: z.ZodType = oneKey(
  z
    .strictObject({
      ...stepShape(true),
      get repeat() {
        nestedRepeat ??= Repeat(NestedStep).optional();
        return nestedRepeat;
      },
    })
    .describe('a step: a one-key map, the operation and its arguments'),
  'nestedStep',
);

function Repeat(step: z.ZodType) {
  return z
    .strictObject({ times: count, index: name.optional(), steps: z.array(step) })
    .describe('the steps, times times, with the loop index ($i unless index names it) put into their values');
}

/** A step of the file. */
export const Step: z.ZodType = oneKey(
  z
    .strictObject({
      ...stepShape(false),
      get repeat() {
        stepRepeat ??= Repeat(Step).optional();
        return stepRepeat;
      },
      concurrent: z
        .strictObject({
          threads: z.array(z.array(NestedStep).min(1)).min(1).describe('one list of steps per kernel thread'),
          schedule: z.array(count).describe('the order the threads run in, by thread index').optional(),
          ...expectFields(outcomeFields('concurrent'), 'concurrentOutcome'),
        })
        .optional(),
    })
    .describe('a step: a one-key map, the operation and its arguments'),
  'step',
);

/** A standalone machine file, or an inline machine (SCENARIO.md "Machine"). */
export const Machine = z
  .strictObject({
    name: nonEmpty.describe('the machine’s name (compare shows it)').optional(),
    arch: nonEmpty.describe('amd64, arm64, or the arch of a pmap plugin'),
    abi: z.enum(ABI_VALUES).optional(),
    cpus: count.optional(),
    physmem: size.optional(),
    swap: size.optional(),
    features: z.record(z.string(), z.boolean()).describe('arch features by name (pku, bti, ...)').optional(),
    policies: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .describe('policy key → value (`vmlab policies` lists them)')
      .optional(),
    plugins: z.array(nonEmpty).describe('plugin files (paths relative to this file)').optional(),
    faults: z
      .record(z.string(), z.strictObject({ at: count.optional(), every: count.optional(), count: count.optional() }))
      .describe('fault injection by site')
      .optional(),
  })
  .describe('a vmlab machine: an arch, its pmap and pager, and policies')
  .meta({ id: 'machine' });

/** A machine reference: a preset name, a path to a machine file, or an inline machine. */
const MachineRef = z.union([nonEmpty.describe('a preset name (amd64, arm64, ...) or a path to a machine file'), Machine]);

/** A scenario file. */
export const Scenario = z
  .strictObject({
    name: z.union([z.string(), z.number(), z.boolean()]).describe('what the scenario shows'),
    machine: MachineRef.optional(),
    machines: z.array(MachineRef).min(1).describe('compare: the machines the steps run on (inline ones need a name)').optional(),
    files: z
      .array(z.strictObject({ path: nonEmpty, size, fill: u32.optional() }))
      .describe('files the steps map')
      .optional(),
    steps: z.array(Step),
    explore: z
      .strictObject({ expect: z.enum(['clean', 'violation']), invariant: nonEmpty.optional() })
      .describe('what explore must find')
      .optional(),
  })
  .describe('a vmlab scenario: a machine and the steps run on it');

/** The keys of a zod object schema, in the order the definition gives them. */
export function keysOf(s: z.ZodType): string[] {
  let t = s as unknown as { shape?: Record<string, unknown>; unwrap?: () => unknown };
  while (t.shape === undefined && typeof t.unwrap === 'function') t = t.unwrap() as typeof t;
  return Object.keys(t.shape ?? {});
}

/** The keys a scenario, a file, `explore`, a machine, a fault, `repeat` and `concurrent` take. */
export const KEYS = {
  scenario: keysOf(Scenario),
  file: keysOf((Scenario.shape.files.unwrap() as z.ZodArray<z.ZodType>).element),
  explore: keysOf(Scenario.shape.explore),
  machine: keysOf(Machine),
  fault: keysOf((Machine.shape.faults.unwrap() as z.ZodRecord<z.ZodString, z.ZodType>).valueType),
  repeat: keysOf(Repeat(Step)),
  concurrent: keysOf((keysShape(Step).concurrent as z.ZodOptional<z.ZodType>).unwrap()),
} as const;

function keysShape(s: z.ZodType): Record<string, z.ZodType> {
  let t = s as unknown as { shape?: Record<string, z.ZodType>; unwrap?: () => unknown; def?: { in?: unknown } };
  while (t.shape === undefined && typeof t.unwrap === 'function') t = t.unwrap() as typeof t;
  return t.shape ?? {};
}

/** Where the JSON Schemas live in the repository (and what their `$id`s name). */
export const SCHEMA_FILES = { scenario: 'schema/scenario.schema.json', machine: 'schema/machine.schema.json' } as const;

/**
 * The JSON Schemas (draft-07, which editors' YAML support reads) of the scenario and machine
 * formats, as `pnpm schema` writes them.
 */
export function jsonSchemas(): Record<keyof typeof SCHEMA_FILES, Record<string, unknown>> {
  const one = (s: z.ZodType, file: string, title: string): Record<string, unknown> => {
    const out = z.toJSONSchema(s, {
      target: 'draft-7',
      io: 'input',
      cycles: 'ref',
      reused: 'inline',
      override: (ctx) => {
        const j = ctx.jsonSchema as Record<string, unknown>;
        // An integer in a file may be any 64-bit value; zod's safe-integer bounds are not the format's.
        if (j.maximum === Number.MAX_SAFE_INTEGER) delete j.maximum;
        if (j.minimum === Number.MIN_SAFE_INTEGER) delete j.minimum;
        if (j.vmlabOneKey === true) {
          delete j.vmlabOneKey;
          j.minProperties = 1;
          j.maxProperties = 1;
        }
      },
    }) as Record<string, unknown>;
    return { $schema: out.$schema, $id: `https://vmlab.dev/${file}`, title, ...out };
  };
  return {
    scenario: one(Scenario, SCHEMA_FILES.scenario, 'vmlab scenario'),
    machine: one(Machine, SCHEMA_FILES.machine, 'vmlab machine'),
  };
}
