/**
 * Plugins and autoscalers from a user's module, wrapped so that each call reports itself to this
 * thread's call watch (src/util/call-watch.ts): the thread that started the run ends it when one
 * call outlasts the time budget, and names the plugin, extension point, pod, node and simulated
 * time. Built-in policies are never wrapped, and a module's are wrapped only where a watch is
 * installed (worker threads of run, compare, sweep, plan and experiment fgd): a library user
 * calling a plugin in their own thread gets it as written.
 *
 * The wrapper inherits from the plugin (its name, events and any other fields read through) and
 * calls the plugin's own methods with the plugin as `this`, so a plugin keeping state on itself
 * behaves the same wrapped or not.
 */
import type { ClusterAutoscaler, ClusterAutoscalerFactory, HorizontalAutoscaler, HorizontalAutoscalerFactory } from '../api/autoscaling.js';
import type { Plugin } from '../api/framework.js';
import type { PluginFactoryWithHandle as PluginFactory } from '../schedulers/registry.js';
import { activeCallWatch, WATCHED_POINTS, type CallWatch } from '../util/call-watch.js';

const point = (name: (typeof WATCHED_POINTS)[number]) => WATCHED_POINTS.indexOf(name);
const PRE_FILTER = point('PreFilter');
const FILTER = point('Filter');
const PRE_SCORE = point('PreScore');
const SCORE = point('Score');
const NORMALIZE_SCORE = point('NormalizeScore');
const RESERVE = point('Reserve');
const CALL = point('call');

type Method = (...args: never[]) => unknown;
type AnyObject = Record<string, unknown>;

/** The plugin's factory, its instances wrapped when the thread has a watch. */
export function guardedPluginFactory(name: string, factory: PluginFactory): PluginFactory {
  return (args, handle) => {
    const plugin = factory(args, handle);
    const watch = activeCallWatch();
    return watch && typeof plugin === 'object' && plugin !== null ? guardPlugin(plugin, watch.label(plugin.name ?? name), watch) : plugin;
  };
}

function guardPlugin(plugin: Plugin, label: number, watch: CallWatch): Plugin {
  const p = plugin as unknown as AnyObject;
  const g = Object.create(plugin) as AnyObject;
  // One wrapper per extension point, each with the point's own arguments (no rest parameters:
  // Score runs once per node per pod, and a fixed arity keeps the call cheap).
  const preFilter = p['preFilter'] as Method | undefined;
  if (typeof preFilter === 'function') {
    g['preFilter'] = (state: unknown, pod: never, snapshot: unknown) => {
      const d = watch.enter(label, PRE_FILTER, pod, undefined);
      try {
        return (preFilter as (...a: unknown[]) => unknown).call(plugin, state, pod, snapshot);
      } finally {
        watch.leave(d);
      }
    };
  }
  const podNode = (key: string, at: number) => {
    const f = p[key] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof f !== 'function') return;
    g[key] = (state: unknown, pod: never, node: never, snapshot: unknown) => {
      const d = watch.enter(label, at, pod, node);
      try {
        return f.call(plugin, state, pod, node, snapshot);
      } finally {
        watch.leave(d);
      }
    };
  };
  podNode('filter', FILTER);
  podNode('score', SCORE);
  podNode('selectGPUs', RESERVE);
  for (const [key, at] of [['preScore', PRE_SCORE], ['normalizeScore', NORMALIZE_SCORE]] as const) {
    const f = p[key] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof f !== 'function') continue;
    g[key] = (state: unknown, pod: never, third: unknown, fourth: unknown) => {
      const d = watch.enter(label, at, pod, undefined);
      try {
        return f.call(plugin, state, pod, third, fourth);
      } finally {
        watch.leave(d);
      }
    };
  }
  return g as unknown as Plugin;
}

/** An autoscaler's one method, wrapped (the watch names it "<label>"). */
function guardMethod<T extends object>(target: T, key: string, label: number, watch: CallWatch): T {
  const f = (target as AnyObject)[key] as ((...a: unknown[]) => unknown) | undefined;
  if (typeof f !== 'function') return target;
  const g = Object.create(target) as AnyObject;
  g[key] = (a: unknown, b: unknown) => {
    const d = watch.enter(label, CALL, undefined, undefined);
    try {
      return f.call(target, a, b);
    } finally {
      watch.leave(d);
    }
  };
  return g as T;
}

export function guardedHorizontalFactory(name: string, factory: HorizontalAutoscalerFactory): HorizontalAutoscalerFactory {
  return (spec) => {
    const hpa: HorizontalAutoscaler = factory(spec);
    const watch = activeCallWatch();
    return watch && typeof hpa === 'object' && hpa !== null ? guardMethod(guardMethod(hpa, 'sync', watch.label(`horizontal autoscaler ${name} sync`), watch), 'syncInPlace', watch.label(`horizontal autoscaler ${name} sync`), watch) : hpa;
  };
}

export function guardedClusterFactory(name: string, factory: ClusterAutoscalerFactory): ClusterAutoscalerFactory {
  return (groups, options) => {
    const ca: ClusterAutoscaler = factory(groups, options);
    const watch = activeCallWatch();
    return watch && typeof ca === 'object' && ca !== null ? guardMethod(ca, 'reconcile', watch.label(`cluster autoscaler ${name} reconcile`), watch) : ca;
  };
}
