/** A typed array of any element type (the struct-of-arrays building block). */
export type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** A copy of `a` with room for `capacity` elements (the new tail is zero). */
export function grown<T extends TypedArray>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}

/** The smallest power-of-two multiple of `current` that exceeds `index`. */
export function capacityFor(current: number, index: number): number {
  let c = Math.max(1, current);
  while (c <= index) c *= 2;
  return c;
}
