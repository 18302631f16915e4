/** A copy of `a` with `length` elements, the new ones set to `fill` (`a` itself if it is long enough). */
export function grown<T extends Int32Array | Uint32Array | Float64Array | Uint8Array | Uint16Array | Int8Array>(a: T, length: number, fill: number): T {
  if (a.length >= length) return a;
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as never);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
