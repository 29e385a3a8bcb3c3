import type * as z from 'zod';

/**
 * Some schemas of the scenario file take any value and check it in code: a unit ("90s", "4Gi")
 * parsed by its own parser, a workload or a distribution dispatched on a key so its errors are
 * those of the intended kind. Their input side is `unknown`, which a JSON Schema can only write
 * as `{}`: an editor would offer no completion and flag nothing there. Each of them declares here
 * the shape of the values it accepts, as a zod schema, and json-schema.ts emits that shape in
 * its place. The shape may accept more than the parser (a cross-field check, a limit), never
 * less: the emitted schema must not refuse a file the loader accepts (test/scenario/json-schema.test.ts).
 *
 * A function, so the shapes are built only when a JSON Schema is (never by a run).
 */
const shapes = new WeakMap<object, () => z.ZodType>();

/** Declares the shape of the values `schema` accepts; returns `schema`. */
export function withInputShape<T extends z.ZodType>(schema: T, shape: () => z.ZodType): T {
  shapes.set(schema, shape);
  return schema;
}

/**
 * The shape declared for `schema`, or for the schema it was derived from (`.refine()`,
 * `.describe()` make a copy whose `_zod.parent` is the original).
 */
export function inputShapeOf(schema: z.core.$ZodType): z.ZodType | undefined {
  for (let s: z.core.$ZodType | undefined = schema; s !== undefined; s = s._zod.parent) {
    const shape = shapes.get(s);
    if (shape) return shape();
  }
  return undefined;
}
