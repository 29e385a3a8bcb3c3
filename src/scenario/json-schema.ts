import * as z from 'zod';
import { inputShapeOf } from './input-shape.js';
import { scenarioSchema } from './schema.js';

/**
 * JSON Schemas of the files people write (scenarios, sweeps), generated from their zod schemas
 * so that they cannot drift: editors read them (yaml-language-server's `$schema=` line) for
 * completion, hover text and validation while typing. They describe the input side (what a file
 * may contain, before defaults and unit parsing), draft-07 (what yaml-language-server and the
 * VS Code JSON service read best). Cross-field checks written in code (refinements) are not in
 * them, so they accept some files the loader refuses; they never refuse a file it accepts.
 */

export type JsonSchema = { readonly [key: string]: unknown };

interface FileSchemaMeta {
  /** Shown by editors as the schema's name. */
  readonly title: string;
  readonly description: string;
}

const PARAMS = {
  target: 'draft-07',
  // A scenario file is the input of the transforms (units, defaults): "4Gi", not 4294967296.
  io: 'input',
  // Refinements and transforms have no JSON Schema; their input side stands for them.
  unrepresentable: 'any',
  override: (ctx) => {
    const shape = inputShapeOf(ctx.zodSchema);
    if (!shape) return;
    const own = ctx.jsonSchema.description;
    const { $schema: _, ...json } = z.toJSONSchema(shape, PARAMS);
    Object.assign(ctx.jsonSchema, json);
    // A field's own description wins over its unit's.
    if (own !== undefined) ctx.jsonSchema.description = own;
  },
} as const satisfies Parameters<typeof z.toJSONSchema>[1];

/** The JSON Schema of a file whose content `schema` validates. */
export function fileJsonSchema(schema: z.ZodType, meta: FileSchemaMeta): JsonSchema {
  const { $schema, ...json } = z.toJSONSchema(schema, PARAMS);
  const { root, definitions } = shareRepeated(json);
  return { $schema, title: meta.title, description: meta.description, ...root, ...(Object.keys(definitions).length > 0 ? { definitions } : {}) };
}

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const SUBSCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else']);
const SUBSCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'items']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties']);

/** The subschemas of `node`, each with a name for it (its property's path, else its parent's). */
function subschemas(node: JsonSchema, name: string): [JsonSchema, string][] {
  const out: [JsonSchema, string][] = [];
  for (const [k, v] of Object.entries(node)) {
    if (SUBSCHEMA_MAPS.has(k) && asSchema(v)) {
      for (const [p, c] of Object.entries(v as JsonSchema)) if (asSchema(c)) out.push([c as JsonSchema, name ? `${name}.${p}` : p]);
    } else if (SUBSCHEMA_LISTS.has(k) && Array.isArray(v)) {
      for (const c of v) if (asSchema(c)) out.push([c as JsonSchema, name]);
    } else if (SUBSCHEMA.has(k) && asSchema(v)) out.push([v as JsonSchema, name]);
  }
  return out;
}

/** Subschemas shorter than this (as JSON) are left inline: a reference would save little. */
const MIN_SHARED_CHARS = 300;

/**
 * zod writes a subschema out wherever it is used (a duration distribution 17 times, a label
 * selector 16): half a megabyte for a scenario. Each subschema that occurs more than once and
 * is not small goes once into `definitions`, named after the first path it was found at, and a
 * `$ref` stands for it. Deterministic: the same schema gives the same text.
 */
function shareRepeated(root: JsonSchema): { root: JsonSchema; definitions: Record<string, JsonSchema> } {
  const keyOf = new Map<JsonSchema, string>();
  const key = (n: JsonSchema): string => {
    let k = keyOf.get(n);
    if (k === undefined) keyOf.set(n, (k = JSON.stringify(n)));
    return k;
  };
  const seen = new Map<string, { count: number; name: string }>();
  const count = (n: JsonSchema, name: string): void => {
    const k = key(n);
    const entry = seen.get(k);
    if (entry) entry.count++;
    else seen.set(k, { count: 1, name });
    // The inside of a repeat is counted once: its parts are shared through it.
    if (!entry) for (const [c, childName] of subschemas(n, name)) count(c, childName);
  };
  count(root, '');
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const definitions: Record<string, JsonSchema> = {};
  const rebuild = (n: JsonSchema, isRoot: boolean): JsonSchema => {
    const k = key(n);
    const entry = seen.get(k)!;
    if (!isRoot && entry.count > 1 && k.length >= MIN_SHARED_CHARS) {
      let name = names.get(k);
      if (name === undefined) {
        // A JSON pointer segment: no "/" or "~" (nvidia.com/gpu), nothing to escape.
        const base = (typeof n.title === 'string' ? n.title : entry.name || 'shared').replace(/[^\w.-]/g, '_');
        name = base;
        for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
        taken.add(name);
        names.set(k, name);
        definitions[name] = copy(n);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return copy(n);
  };
  const copy = (n: JsonSchema): JsonSchema => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) {
      if (SUBSCHEMA_MAPS.has(k) && asSchema(v)) out[k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([p, c]) => [p, asSchema(c) ? rebuild(c as JsonSchema, false) : c]));
      else if (SUBSCHEMA_LISTS.has(k) && Array.isArray(v)) out[k] = v.map((c) => (asSchema(c) ? rebuild(c as JsonSchema, false) : c));
      else if (SUBSCHEMA.has(k) && asSchema(v)) out[k] = rebuild(v as JsonSchema, false);
      else out[k] = v;
    }
    return out;
  };
  return { root: rebuild(root, true), definitions };
}

/** A JSON Schema as the text `orchsim schema` prints and schema/ holds: two-space JSON and a newline. */
export function jsonSchemaText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

let scenario: JsonSchema | undefined;

/** The JSON Schema of a scenario file (built once, when first asked for). */
export function scenarioFileSchema(): JsonSchema {
  scenario ??= fileJsonSchema(scenarioSchema, {
    title: 'orchsim scenario',
    description: 'A cluster, its workloads, failures, scheduler and autoscalers, run by `orchsim run`, `validate`, `compare` and `plan` (README.md, "Scenario files").',
  });
  return scenario;
}

const asSchema = (v: unknown): JsonSchema | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonSchema) : undefined);

/**
 * The keys a mapping at `path` inside `value` may have under `schema` (for "did you mean" on an
 * unknown key). Where the schema offers several shapes (a workload's types, a distribution's
 * forms), those whose `const` fields match the value and that know the most of its keys count.
 */
export function knownKeysAt(schema: JsonSchema, value: unknown, path: readonly (string | number)[]): string[] {
  const definitions = asSchema(schema.definitions) ?? {};
  // A shared subschema (shareRepeated) is a reference into definitions.
  const deref = (n: JsonSchema): JsonSchema => {
    const ref = typeof n.$ref === 'string' && /^#\/definitions\/(.+)$/.exec(n.$ref);
    return ref ? asSchema(definitions[ref[1]!]) ?? {} : n;
  };
  const alternatives = (node: JsonSchema, value: unknown): JsonSchema[] => fitting(deref(node), value, deref);
  let nodes: JsonSchema[] = [schema];
  let here = value;
  for (const step of path) {
    nodes = nodes.flatMap((n) => alternatives(n, here)).flatMap((n): JsonSchema[] => {
      if (typeof step === 'number') return [asSchema(n.items)].filter((x) => x !== undefined);
      const child = asSchema(asSchema(n.properties)?.[step]) ?? asSchema(n.additionalProperties);
      return child ? [child] : [];
    });
    here = here !== null && typeof here === 'object' ? (here as Record<string | number, unknown>)[step] : undefined;
  }
  const keys = new Set<string>();
  for (const n of nodes.flatMap((n) => alternatives(n, here))) for (const k of Object.keys(asSchema(n.properties) ?? {})) keys.add(k);
  return [...keys];
}

/** The shapes of `node` (its anyOf branches, else itself) that fit `value` best. */
function fitting(node: JsonSchema, value: unknown, deref: (n: JsonSchema) => JsonSchema): JsonSchema[] {
  const branches = Array.isArray(node.anyOf) ? node.anyOf.flatMap((b) => (asSchema(b) ? fitting(deref(asSchema(b)!), value, deref) : [])) : [node];
  if (branches.length <= 1 || value === null || typeof value !== 'object' || Array.isArray(value)) return branches;
  const o = value as Record<string, unknown>;
  const fit = (b: JsonSchema): number => {
    const props = asSchema(b.properties);
    if (!props) return -1;
    for (const [k, p] of Object.entries(props)) {
      const c = asSchema(p)?.const;
      if (c !== undefined && k in o && o[k] !== c) return -1;
    }
    return Object.keys(o).filter((k) => k in props).length;
  };
  const scores = branches.map(fit);
  const best = Math.max(...scores);
  return best < 0 ? [] : branches.filter((_, i) => scores[i] === best);
}
