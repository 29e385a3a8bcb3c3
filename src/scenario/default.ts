import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The name used for the built-in default scenario in messages and results. */
export const BUILTIN_SCENARIO = '<built-in>';

/**
 * The built-in default scenario is scenarios/default.yaml, shipped with the package (listed in
 * package.json "files"), so `orchsim run` with no argument always has something to show.
 */
export function defaultScenarioText(): string {
  return readFileSync(fileURLToPath(new URL('../../scenarios/default.yaml', import.meta.url)), 'utf8');
}
