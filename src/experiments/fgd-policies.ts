/**
 * The FGD experiment's built-in policy names, apart from the experiment itself so that the
 * command line can list them (help text, option checks) without loading the experiment.
 */

/** Policy names as in FGD.md (and as the plugins are registered). */
export const FGD_POLICIES = ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD'] as const;
/** A built-in policy; a run's policy may also be a user's (a module's profile or plugin), by name. */
export type FgdPolicy = (typeof FGD_POLICIES)[number];

export function isBuiltinFgdPolicy(name: string): name is FgdPolicy {
  return (FGD_POLICIES as readonly string[]).includes(name);
}
