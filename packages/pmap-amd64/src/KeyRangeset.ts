import { type Range, Rangeset } from '@vmlab/core';

/** What the rangeset records for an address range: a protection key and the PERSIST flag. */
export interface KeyValue {
  readonly key: number;
  readonly persist: boolean;
}

/** One interval [start, end) of the rangeset. */
export type KeyInterval = KeyValue & Range;

/**
 * FreeBSD's `pm_pkru` (T1.10): core's Rangeset from ranges to `{key, persist}`. SET is
 * `set`, CLEAR is `remove`, pmap_pkru_on_remove is `removeIf(!persist)`,
 * pmap_pkru_deassign_all is `clear`, pmap_pkru_copy is `copyFrom`.
 */
export class KeyRangeset extends Rangeset<KeyValue> {
  protected override interval(v: KeyValue, start: number, end: number): KeyInterval {
    return { key: v.key, persist: v.persist, start, end };
  }
}
