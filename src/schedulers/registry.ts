import type { Plugin, ProfileConfig, RandomSource } from '../api/framework.js';

/** What a plugin factory is handed besides its arguments. */
export interface PluginHandle {
  /** A named random stream (seeded by the run); the only randomness a plugin may use. */
  random(name: string): RandomSource;
}

export type PluginFactoryWithHandle = (args: unknown, handle: PluginHandle) => Plugin;

export interface PluginEntry {
  readonly name: string;
  readonly description: string;
  readonly extensionPoints: readonly string[];
  readonly factory: PluginFactoryWithHandle;
}

/** Marks a PluginArgsError from any copy of this module (see Symbol.hasInstance below). */
const PLUGIN_ARGS_ERROR = Symbol.for('orchsim.PluginArgsError');

/** Plugin arguments that fail validation; the scenario layer reports it with the file position. */
export class PluginArgsError extends Error {
  readonly [PLUGIN_ARGS_ERROR] = true;

  constructor(readonly plugin: string, readonly path: readonly (string | number)[], message: string) {
    super(`${plugin} args${path.length ? '.' + path.join('.') : ''}: ${message}`);
    this.name = 'PluginArgsError';
  }

  /**
   * `instanceof` by mark, not by class: a TypeScript plugin module loads through tsx, which
   * imports 'orchsim' afresh for it, so its PluginArgsError is another copy of this class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_ARGS_ERROR] === true;
  }
}

/** A plain map of plugin factories that refuses duplicate names (framework/runtime/registry.go). */
export class PluginRegistry {
  private readonly entries = new Map<string, PluginEntry>();

  register(entry: PluginEntry): this {
    if (this.entries.has(entry.name)) throw new Error(`plugin "${entry.name}" is already registered`);
    this.entries.set(entry.name, entry);
    return this;
  }

  get(name: string): PluginEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  list(): PluginEntry[] {
    return [...this.entries.values()];
  }
}

/** Named profiles; refuses duplicates like the plugin registry. */
export class ProfileRegistry {
  private readonly profiles = new Map<string, ProfileConfig>();

  register(profile: ProfileConfig): this {
    if (this.profiles.has(profile.name)) throw new Error(`profile "${profile.name}" is already registered`);
    this.profiles.set(profile.name, profile);
    return this;
  }

  get(name: string): ProfileConfig | undefined {
    return this.profiles.get(name);
  }

  names(): string[] {
    return [...this.profiles.keys()];
  }

  list(): ProfileConfig[] {
    return [...this.profiles.values()];
  }
}
