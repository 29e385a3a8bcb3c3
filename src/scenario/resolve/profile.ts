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
