import { PluginError } from '../api/framework.js';
import { InputError, type InputIssue } from '../util/errors.js';

/**
 * A task's failure as a worker thread posts it: plain data that keeps what the CLI needs to
 * report it as the main thread would have - bad input with its issues (exit 2), a plugin's
 * failure with the plugin, pod, node and simulated time (exit 1), anything else by its message.
 */
export interface PostedFailure {
  readonly error: string;
  readonly issues?: readonly InputIssue[] | undefined;
  readonly plugin?: { readonly plugin: string; readonly point: string; readonly pod: string; readonly node: string | undefined; readonly time: number | undefined; readonly cause: string } | undefined;
}

export function postedFailure(e: unknown): PostedFailure {
  const error = e instanceof Error ? e.message : String(e);
  if (e instanceof InputError) return { error, issues: e.issues };
  if (e instanceof PluginError) {
    return { error, plugin: { plugin: e.plugin, point: e.point, pod: e.pod, node: e.node, time: e.time, cause: e.cause instanceof Error ? e.cause.message : String(e.cause) } };
  }
  return { error };
}

/** The error a posted failure stands for, in the main thread. */
export function failureError(f: PostedFailure): Error {
  if (f.issues !== undefined) return new InputError([...f.issues]);
  if (f.plugin !== undefined) return new PluginError(f.plugin.plugin, f.plugin.point, f.plugin.pod, f.plugin.node, new Error(f.plugin.cause), f.plugin.time);
  return new Error(f.error);
}
