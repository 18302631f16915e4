/**
 * In-place snapshots of an object graph (explore's machine snapshots, snapshotRun.ts).
 *
 * `HeapSnapshot.take(roots, skip)` walks everything reachable from the roots through own
 * data properties and the contents of arrays, Maps and Sets, and records each object's state:
 * an object's own properties, an array's elements, a Map's entries, a Set's values, a typed
 * array's or ArrayBuffer's bytes, a Date's time. `restore()` writes that state back INTO THE
 * SAME OBJECTS: everything that holds one of them (a closure, an rxjs subscription, a
 * generator made later) sees the state of the snapshot again, and objects made after the
 * snapshot are no longer reachable from the roots (they become garbage).
 *
 * What a walk cannot see is refused rather than missed: a generator or a promise (state in
 * internal slots), a WeakMap, WeakSet or WeakRef (entries cannot be enumerated) throws
 * `Unsnapshottable`, and the caller runs without snapshots. A node:crypto Hash (the runner's
 * running event hash) is recorded as a copy and restored by putting a fresh copy in its
 * place. State captured only by closures (a counter in a factory function's scope) and
 * module-level variables are invisible to any walk: vmlab's core keeps none (its state is in
 * objects reachable from the kernel), which tests/explore/snapshot.spec.ts checks by comparing
 * every schedule run from a snapshot with the same schedule run on a fresh machine.
 */
import { Hash, createHash } from 'node:crypto';

/** The walk met state it cannot record (see the file comment). */
export class Unsnapshottable extends Error {}

/** A Hash recorded as a copy: restored by putting a fresh copy where it was. */
class HashCopy {
  constructor(readonly hash: Hash) {}
}

const OBJ = 0;
const ARR = 1;
const BYTES = 2;
const MAP = 3;
const SET = 4;
const DATE = 5;
/** Set in a kind when the object's record holds a Hash copy (restore then copies it again). */
const HASHED = 0x80;

/** Objects whose state is in internal slots a walk cannot read. */
const UNWALKABLE = new Set(['[object Generator]', '[object AsyncGenerator]', '[object Promise]', '[object WeakMap]', '[object WeakSet]', '[object WeakRef]']);
const typeTag = (o: object): string => Object.prototype.toString.call(o);

/** An object's recorded own data properties: keys and values side by side. */
interface Props {
  keys: (string | symbol)[];
  vals: unknown[];
  /** Own keys at the snapshot that are not recorded (accessors, constants): kept as they are. */
  others: (string | symbol)[];
  /** Every own string key and every own symbol key at the snapshot, in the object's order. */
  names: string[];
  symbols: symbol[];
}

export class HeapSnapshot {
  private constructor(
    private readonly objs: object[],
    private readonly kinds: Uint8Array,
    private readonly data: unknown[],
    /** Bytes of typed arrays and buffers recorded. */
    readonly bytes: number,
  ) {}

  /** Objects recorded. */
  get size(): number {
    return this.objs.length;
  }

  /** Records the state of everything reachable from `roots`, not walking into `skip`. */
  static take(roots: readonly object[], skip: ReadonlySet<object> = new Set()): HeapSnapshot {
    const seen = new Set<object>(skip);
    const objs: object[] = [];
    const kinds: number[] = [];
    const data: unknown[] = [];
    let bytes = 0;
    const queue: object[] = [];
    /** Whether the object being recorded holds a Hash (its kind is marked HASHED). */
    let hashed = 0;
    /** The value as recorded: a Hash becomes its copy; an object is queued for the walk. */
    const value = (v: unknown): unknown => {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
      if (typeof v === 'function') return v;
      if (v instanceof Hash) {
        hashed = HASHED;
        return new HashCopy(v.copy());
      }
      if (!seen.has(v)) {
        seen.add(v);
        queue.push(v);
      }
      return v;
    };
    for (const r of roots) value(r);
    for (let qi = 0; qi < queue.length; qi++) {
      const o = queue[qi]!;
      hashed = 0;
      if (ArrayBuffer.isView(o)) {
        if (o instanceof DataView) {
          value(o.buffer);
          continue;
        }
        const copy = (o as unknown as Uint8Array).slice();
        bytes += copy.byteLength;
        objs.push(o);
        kinds.push(BYTES);
        data.push(copy);
        continue;
      }
      if (o instanceof ArrayBuffer) {
        const copy = o.slice(0);
        bytes += copy.byteLength;
        objs.push(o);
        kinds.push(BYTES);
        data.push(new Uint8Array(copy));
        continue;
      }
      if (Array.isArray(o)) {
        const copy = new Array<unknown>(o.length);
        for (let i = 0; i < o.length; i++) copy[i] = value(o[i]);
        objs.push(o);
        kinds.push(ARR | hashed);
        data.push(copy);
        continue;
      }
      if (o instanceof Map) {
        const flat: unknown[] = [];
        for (const [k, v] of o) flat.push(value(k), value(v));
        objs.push(o);
        kinds.push(MAP | hashed);
        data.push(flat);
        continue;
      }
      if (o instanceof Set) {
        const flat: unknown[] = [];
        for (const v of o) flat.push(value(v));
        objs.push(o);
        kinds.push(SET | hashed);
        data.push(flat);
        continue;
      }
      if (o instanceof Date) {
        objs.push(o);
        kinds.push(DATE);
        data.push(o.getTime());
        continue;
      }
      if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef || o instanceof Promise || UNWALKABLE.has(typeTag(o))) {
        throw new Unsnapshottable(`a ${typeTag(o)} is reachable from the machine: its state cannot be recorded`);
      }
      const frozen = Object.isFrozen(o);
      const keys: (string | symbol)[] = [];
      const vals: unknown[] = [];
      const others: (string | symbol)[] = [];
      for (const k of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, k)!;
        if (!('value' in d)) {
          others.push(k); // an accessor: its state is wherever its closure keeps it
          continue;
        }
        const v = value(d.value);
        if (d.writable === false) {
          others.push(k); // a constant: assignment cannot change it
          continue;
        }
        keys.push(k);
        vals.push(v);
      }
      if (frozen) continue; // nothing in it can change (what it holds is walked)
      objs.push(o);
      kinds.push(OBJ | hashed);
      data.push({ keys, vals, others, names: Object.getOwnPropertyNames(o), symbols: Object.getOwnPropertySymbols(o) } satisfies Props);
    }
    return new HeapSnapshot(objs, Uint8Array.from(kinds), data, bytes);
  }

  /**
   * Writes the recorded state back into the recorded objects. What is already as recorded is
   * left alone (a schedule changes a small part of the machine): a property, an element or a
   * typed array is written only when it differs, a Map or Set is refilled only when its
   * entries differ from the recorded ones in order.
   */
  restore(): void {
    const { objs, kinds, data } = this;
    for (let i = 0; i < objs.length; i++) {
      const o = objs[i]!;
      const kind = kinds[i]!;
      // Values go back as recorded, but for a Hash's copy, copied again (live).
      const h = (kind & HASHED) !== 0;
      switch (kind & ~HASHED) {
        case OBJ: {
          const { keys, vals, others, names, symbols } = data[i] as Props;
          const rec = o as Record<string | symbol, unknown>;
          // The own keys, compared in order with the snapshot's (getOwnPropertyNames and
          // getOwnPropertySymbols: Reflect.ownKeys is many times slower on the objects V8
          // keeps as dictionaries, such as rxjs subscribers). When they are the same, every
          // recorded property is there and a value is written only when it differs.
          const nowNames = Object.getOwnPropertyNames(o);
          const nowSymbols = Object.getOwnPropertySymbols(o);
          const same = sameKeys(nowNames, names) && sameKeys(nowSymbols, symbols);
          if (!same) {
            // Properties added since the snapshot go; deleted ones come back below.
            const keep = new Set([...keys, ...others]);
            for (const k of nowNames) if (!keep.has(k)) delete rec[k];
            for (const k of nowSymbols) if (!keep.has(k)) delete rec[k];
          }
          for (let j = 0; j < keys.length; j++) {
            const k = keys[j]!;
            const v = h ? live(vals[j]) : vals[j];
            if (!same || rec[k] !== v) rec[k] = v;
          }
          break;
        }
        case ARR: {
          const a = o as unknown[];
          const d = data[i] as unknown[];
          if (a.length !== d.length) a.length = d.length;
          for (let j = 0; j < d.length; j++) {
            const v = h ? live(d[j]) : d[j];
            if (a[j] !== v || !(j in a)) a[j] = v;
          }
          break;
        }
        case BYTES: {
          const d = data[i] as Uint8Array;
          if (o instanceof ArrayBuffer) new Uint8Array(o).set(d);
          else (o as unknown as Uint8Array).set(d as unknown as Uint8Array);
          break;
        }
        case MAP: {
          const m = o as Map<unknown, unknown>;
          const d = data[i] as unknown[];
          if (!h && sameMap(m, d)) break;
          m.clear();
          for (let j = 0; j < d.length; j += 2) m.set(live(d[j]), live(d[j + 1]));
          break;
        }
        case SET: {
          const st = o as Set<unknown>;
          const d = data[i] as unknown[];
          if (!h && sameSet(st, d)) break;
          st.clear();
          for (let j = 0; j < d.length; j++) st.add(live(d[j]));
          break;
        }
        case DATE:
          (o as Date).setTime(data[i] as number);
          break;
      }
    }
  }
}

/** Whether two key lists are equal, in order. */
function sameKeys<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a Map holds exactly the recorded entries (flat key, value pairs), in the same order. */
function sameMap(m: Map<unknown, unknown>, d: readonly unknown[]): boolean {
  if (m.size * 2 !== d.length) return false;
  let j = 0;
  for (const [k, v] of m) {
    if (k !== d[j] || v !== d[j + 1]) return false;
    j += 2;
  }
  return true;
}

/** Whether a Set holds exactly the recorded values, in the same order. */
function sameSet(s: Set<unknown>, d: readonly unknown[]): boolean {
  if (s.size !== d.length) return false;
  let j = 0;
  for (const v of s) if (v !== d[j++]) return false;
  return true;
}

/** A recorded value as it goes back: a Hash's copy is copied again (the recorded one stays usable). */
function live(v: unknown): unknown {
  return v instanceof HashCopy ? v.hash.copy() : v;
}

/**
 * Ids of functions met by stateHash: a function counts by its code (its name and source
 * text), so the same closure made on two machines (an event subscription) counts alike. What
 * a closure captures is not seen: the assumption the snapshots make too (the file comment).
 */
const fnIds = new WeakMap<object, number>();
const codeIds = new Map<string, number>();
function fnId(f: object): number {
  let id = fnIds.get(f);
  if (id === undefined) {
    const code = `${(f as { name?: string }).name ?? ''}|${Function.prototype.toString.call(f)}`;
    id = codeIds.get(code);
    if (id === undefined) {
      id = codeIds.size;
      codeIds.set(code, id);
    }
    fnIds.set(f, id);
  }
  return id;
}

/**
 * A digest of the state reachable from `roots` (not walking into `skip`), equal for two graphs
 * exactly when they are the same up to the identity of their objects: every object is written
 * in the order the walk meets it (its constructor's name, then its own data properties, array
 * elements, Map entries or Set values in order, typed arrays' bytes), and a reference as the
 * number of the object it points to. Functions count by their code. Refuses what `take` refuses.
 */
export function stateHash(roots: readonly object[], skip: ReadonlySet<object> = new Set()): string {
  const h = createHash('sha256');
  const index = new Map<object, number>();
  for (const s of skip) index.set(s, -1);
  const queue: object[] = [];
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) {
      h.update(out.join('\u0000'));
      out.length = 0;
    }
  };
  const val = (v: unknown): void => {
    switch (typeof v) {
      case 'object':
        if (v === null) {
          out.push('n');
          return;
        }
        break;
      case 'function':
        out.push(`f${fnId(v)}`);
        return;
      case 'string':
        out.push(`s${v.length}:${v}`);
        return;
      case 'undefined':
        out.push('u');
        return;
      default:
        out.push(`${(typeof v)[0]}${String(v)}`);
        return;
    }
    if (v instanceof Hash) {
      out.push('H');
      return;
    }
    let i = index.get(v);
    if (i === undefined) {
      i = queue.length;
      index.set(v, i);
      queue.push(v);
    }
    out.push(`#${i}`);
  };
  for (const r of roots) val(r);
  for (let qi = 0; qi < queue.length; qi++) {
    const o = queue[qi]!;
    out.push(`@${qi}:${o.constructor?.name ?? ''}`);
    if (ArrayBuffer.isView(o)) {
      out.push(`b${o.byteLength}`);
      flush();
      h.update(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
      continue;
    }
    if (o instanceof ArrayBuffer) {
      out.push(`b${o.byteLength}`);
      flush();
      h.update(new Uint8Array(o));
      continue;
    }
    if (Array.isArray(o)) {
      out.push(`a${o.length}`);
      for (let i = 0; i < o.length; i++) val(o[i]);
    } else if (o instanceof Map) {
      out.push(`m${o.size}`);
      for (const [k, v] of o) {
        val(k);
        val(v);
      }
    } else if (o instanceof Set) {
      out.push(`t${o.size}`);
      for (const v of o) val(v);
    } else if (o instanceof Date) out.push(`d${o.getTime()}`);
    else {
      if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef || o instanceof Promise || UNWALKABLE.has(typeTag(o))) {
        throw new Unsnapshottable(`a ${typeTag(o)} is reachable from the machine: its state cannot be recorded`);
      }
      for (const k of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, k)!;
        if (!('value' in d)) continue;
        out.push(typeof k === 'symbol' ? `y${String(k.description)}` : `k${k.length}:${k}`);
        val(d.value);
      }
    }
    if (out.length > 4096) flush();
  }
  flush();
  return h.digest('hex');
}
