import { ALL_CLUSTER_EVENTS, type FitError, type Plugin } from '../api/framework.js';

/** Builds a FitError; the retry events are the union of the rejecting plugins' registrations. */
export function fitError(pod: string, numAllNodes: number, reasons: Map<string, number>, plugins: readonly Plugin[], extraEvents = 0): FitError {
  let events = extraEvents;
  for (const p of plugins) events |= p.events ?? ALL_CLUSTER_EVENTS;
  return { pod, numAllNodes, reasons, unschedulablePlugins: new Set(plugins.map((p) => p.name)), events };
}

export function formatFitError(e: FitError): string {
  const parts = [...e.reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${e.numAllNodes} nodes are available${parts.length ? ': ' + parts.join(', ') : ''}.`;
}
