/**
 * How zod parses objects in a CLI call: interpreted, not compiled (start-up time, issue 23).
 *
 * zod compiles each object schema's parser with `new Function` the first time the schema parses
 * something, for speed on many objects. One `orchsim` command parses one scenario (a few hundred
 * values): compiling some eighty parsers costs more than it saves, and code made by `new Function`
 * is the one part of the schema code the build's V8 code cache (scripts/core-bundle.mjs) cannot
 * hold. zod's interpreted path is the same checks in the same order (its compiled parser is
 * generated from it): the same values and the same issues, which test/cli/schema-parsing.test.ts
 * checks over mutated scenarios. It has to be set before the schemas are built (zod reads it in
 * each object schema's constructor), so the CLI calls this first. Switch:
 * ORCHSIM_NO_JITLESS_SCHEMA=1 leaves zod's compiled parsers on.
 */
import { config } from 'zod';
import { processEnvironment, switchedOn, type Environment } from '../util/switches.js';

/** Turns zod's compiled object parsers off, unless the switch says not to; whether it did. */
export function interpretSchemaParsing(env: Environment = processEnvironment()): boolean {
  if (!switchedOn('ORCHSIM_NO_JITLESS_SCHEMA', env)) return false;
  config({ jitless: true });
  return true;
}
