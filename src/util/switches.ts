/**
 * The switches of caches and shortcuts that cannot change a result (issue 23: "every cache
 * proven invisible"): each is on unless its environment variable, ORCHSIM_NO_<NAME>, is set to
 * something other than "" or "0". Read when the thing it governs is built, never per event.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** process.env where there is a process (a bundle for a browser has none: everything on). */
export function processEnvironment(): Environment {
  return typeof process === 'undefined' ? {} : process.env;
}

/** Whether the switch named `variable` (e.g. "ORCHSIM_NO_FAST_SCAN") leaves its shortcut on. */
export function switchedOn(variable: string, env: Environment = processEnvironment()): boolean {
  const v = env[variable];
  return v === undefined || v === '' || v === '0';
}
