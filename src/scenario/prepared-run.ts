/**
 * Instantiating a scenario's scheduler profiles before a run: the step that finds bad plugin names
 * and arguments. Apart from runner.ts, so that preparing (and validating) a scenario loads the
 * scheduler framework and plugins but not the simulation.
 */
import type { Plugin, ProfileConfig } from '../api/framework.js';
import { builtinPlugins } from '../schedulers/builtins.js';
import { Framework } from '../schedulers/framework.js';
import { PluginArgsError, type PluginHandle, type PluginRegistry } from '../schedulers/registry.js';
import { InputError, issueAt, type InputIssue } from '../util/errors.js';
import { RandomStreams } from '../util/random.js';
import type { ProfileSource, ResolvedScenario } from './resolve.js';

/**
 * Instantiates a profile: each plugin's factory runs once, with the run's streams. Unknown
 * plugins and bad arguments become input errors, positioned in the scenario file when the
 * profile comes from it, all of them reported together.
 */
export function buildFramework(profile: ProfileConfig, streams: RandomStreams, registry: PluginRegistry = builtinPlugins(), source?: ProfileSource): Framework {
  const issues: InputIssue[] = [];
  // A profile from the scenario file is positioned in it; a built-in one has no position.
  const at = (path: (string | number)[], message: string) => {
    issues.push(issueAt(source?.file ?? `profile ${profile.name}`, source?.path && source.locate, [...(source?.path ?? []), ...path], message));
  };
  const handle: PluginHandle = { random: (name) => streams.get(name) };
  const plugins: Plugin[] = [];
  profile.plugins.forEach((p, i) => {
    const entry = registry.get(p.name);
    if (!entry) {
      at(['plugins', i, 'name'], `unknown plugin "${p.name}" (known: ${registry.list().map((e) => e.name).join(', ')})`);
      return;
    }
    try {
      plugins.push(entry.factory(p.args, handle));
    } catch (e) {
      if (e instanceof PluginArgsError) at(['plugins', i, 'args', ...e.path], e.message);
      else throw e;
    }
  });
  if (issues.length > 0) throw new InputError(issues);
  return new Framework(profile, plugins);
}

/**
 * The scheduler and random streams of one run, built before it starts. Instantiating the
 * profile is how bad plugin names and arguments are found, so preparing a scenario builds its
 * first run's instead of a copy to throw away. Plugins keep state: one run takes them, and any
 * other run (of this scenario again, or of a changed copy) builds its own.
 */
export class PreparedRun {
  private taken = false;
  private constructor(private readonly scenario: ResolvedScenario, private readonly streams: RandomStreams, private readonly framework: Framework, private readonly schedulers: ReadonlyMap<string, Framework>) {}

  /** Builds the run's streams and frameworks; throws InputError on a bad plugin name or argument. */
  static of(s: ResolvedScenario, registry?: PluginRegistry): PreparedRun {
    const streams = new RandomStreams(s.seed);
    const framework = buildFramework(s.profile, streams, registry, s.profileSource);
    return new PreparedRun(s, streams, framework, buildSchedulers(s, streams, registry));
  }

  /** The streams and frameworks for a run of `s`, the first time; undefined after that or for another scenario. */
  take(s: ResolvedScenario): { readonly streams: RandomStreams; readonly framework: Framework; readonly schedulers: ReadonlyMap<string, Framework> } | undefined {
    if (this.taken || s !== this.scenario) return undefined;
    this.taken = true;
    return { streams: this.streams, framework: this.framework, schedulers: this.schedulers };
  }
}

/** The frameworks of the profiles besides the default one, by the schedulerName of their pods. */
export function buildSchedulers(s: ResolvedScenario, streams: RandomStreams, registry?: PluginRegistry): ReadonlyMap<string, Framework> {
  return new Map((s.schedulers ?? []).map((n) => [n.schedulerName, buildFramework(n.profile, streams, registry, n.source)]));
}
