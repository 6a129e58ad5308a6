/** `array` copied into a new one of `size` (≥ its length): how the table columns grow. */
export function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T, size: number): T {
  const grown = new (array.constructor as new (n: number) => T)(size);
  grown.set(array);
  return grown;
}
