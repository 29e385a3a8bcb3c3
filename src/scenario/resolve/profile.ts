import type { ProfileConfig } from '../../api/framework.js';
import type { ProfileRegistry } from '../../schedulers/registry.js';
import { issueAt } from '../../util/errors.js';
import type { ProfileSource } from '../resolve.js';
import type { ScenarioDoc } from '../schema.js';
import type { DocPath, ResolveContext } from './context.js';

/**
 * The scheduler profile and where it is written: --profile overrides the file; a name refers to
 * scheduler.profiles or a built-in profile; an inline profile is used as written. Undefined (and
 * an issue) for an unknown name.
 */
export function resolveProfile(doc: ScenarioDoc, profiles: ProfileRegistry, override: string | undefined, ctx: ResolveContext): { profile: ProfileConfig; source: ProfileSource } | undefined {
  const localList = (doc.scheduler.profiles ?? []) as ProfileConfig[];
  const local = new Map(localList.map((p) => [p.name, p]));
  const wanted = override ?? doc.scheduler.profile;
  const source = (path: DocPath | undefined): ProfileSource => ({ file: ctx.file, locate: ctx.locate, path });
  if (typeof wanted !== 'string') return { profile: wanted as ProfileConfig, source: source(['scheduler', 'profile']) };
  const profile = local.get(wanted) ?? profiles.get(wanted);
  if (profile) {
    const index = localList.indexOf(profile);
    return { profile, source: source(index >= 0 ? ['scheduler', 'profiles', index] : undefined) };
  }
  const message = `unknown profile "${wanted}" (known: ${[...new Set([...local.keys(), ...profiles.names()])].join(', ')})`;
  ctx.issues.push(override !== undefined ? issueAt('--profile', undefined, [], message) : issueAt(ctx.file, ctx.locate, ['scheduler', 'profile'], message));
  return undefined;
}

/** A profile other than the default one, by the schedulerName its pods give. */
export interface NamedScheduler {
  readonly schedulerName: string;
  readonly profile: ProfileConfig;
  readonly source: ProfileSource;
}

/** Where a schedulerName is given: the workload, and the path of its pod template in the scenario. */
export interface SchedulerNameUse {
  readonly schedulerName: string;
  readonly workload: string;
  readonly path: DocPath;
}

/**
 * The profiles the workloads' schedulerNames select besides the default one, like
 * KubeSchedulerConfiguration.profiles[].schedulerName (pkg/scheduler/scheduler.go builds one
 * framework per profile; frameworkForPod in schedule_one.go picks it by pod.Spec.SchedulerName). A name refers to
 * scheduler.profiles or a built-in profile; the default profile's own name selects it.
 *
 * A name that matches no profile: kube-scheduler ignores such pods (its informer keeps only the
 * pods of its profiles, responsibleForPod), so they stay Pending as another scheduler's pods
 * would. Nothing else schedules them in a simulation, so each such workload gets a warning.
 */
export function resolveSchedulers(doc: ScenarioDoc, profiles: ProfileRegistry, defaultProfile: ProfileConfig, uses: readonly SchedulerNameUse[], ctx: ResolveContext): NamedScheduler[] {
  const localList = (doc.scheduler.profiles ?? []) as ProfileConfig[];
  const local = new Map(localList.map((p) => [p.name, p]));
  const out = new Map<string, NamedScheduler>();
  for (const use of uses) {
    const name = use.schedulerName;
    if (name === defaultProfile.name || out.has(name)) continue;
    const profile = local.get(name) ?? profiles.get(name);
    if (!profile) {
      ctx.warnings.push(issueAt(ctx.file, ctx.locate, use.path, `workload "${use.workload}": schedulerName "${name}" matches no profile (known: ${[...new Set([defaultProfile.name, ...local.keys(), ...profiles.names()])].join(', ')}); its pods stay Pending, as no scheduler takes them`));
      continue;
    }
    const index = localList.indexOf(profile);
    out.set(name, { schedulerName: name, profile, source: { file: ctx.file, locate: ctx.locate, path: index >= 0 ? ['scheduler', 'profiles', index] : undefined } });
  }
  return [...out.values()];
}
