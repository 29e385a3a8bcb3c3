import { WellKnownLabel } from '../../api/node.js';
import type { NodeSpec } from '../../api/node.js';
import type { FailureConfig, FailureDomain } from '../../sim/failures.js';
import { InputError } from '../../util/errors.js';
import { lanlFailures, readLanl, readUptime, uptimeFailures } from '../../workloads/failure-traces.js';
import type { FailuresDoc } from '../schema.js';
import { POOL_LABEL, RACK_LABEL } from './cluster.js';
import { addIssue, readReferencedFile, throwIfAny, type DocPath, type ResolveContext } from './context.js';

/**
 * The failures section: failure domains from node labels (zones, racks, nodes, GPU devices), the
 * random processes and scheduled outages over them, and outages replayed from failure traces.
 * Called with the cluster's final nodes, after every other section's issues are reported.
 */
export function resolveFailures(f: FailuresDoc, nodes: readonly NodeSpec[], ctx: ResolveContext): FailureConfig {
  const at = (path: DocPath, message: string) => addIssue(ctx, path, message);
  const zoneLabel = f.zoneLabel ?? WellKnownLabel.zone;
  const rackLabel = f.rackLabel ?? RACK_LABEL;
  const domains = (kind: FailureDomain['kind'], pools?: readonly string[]): FailureDomain[] => {
    if (kind === 'gpu') {
      // Every device of every selected GPU node is its own domain.
      return nodes.flatMap((n, i) => {
        if (pools && !pools.includes(n.pool ?? n.labels[POOL_LABEL] ?? '')) return [];
        const devices = Math.floor(n.allocatable.milliGPU / 1000);
        return Array.from({ length: devices }, (_, d) => ({ kind, name: `${n.name}/gpu${d}`, nodes: [i], device: d }));
      });
    }
    const out = new Map<string, number[]>();
    nodes.forEach((n, i) => {
      if (pools && !pools.includes(n.pool ?? n.labels[POOL_LABEL] ?? '')) return;
      const key = kind === 'node' ? n.name : n.labels[kind === 'zone' ? zoneLabel : rackLabel];
      if (key === undefined) return;
      const list = out.get(key) ?? [];
      list.push(i);
      out.set(key, list);
    });
    const labelKey = kind === 'zone' ? zoneLabel : kind === 'rack' ? rackLabel : undefined;
    return [...out].map(([name, list]) => ({ kind, name, nodes: list, ...(labelKey ? { label: { key: labelKey, value: name } } : {}) }));
  };
  const processes = f.processes.map((p, i) => {
    const d = domains(p.domain, p.pools);
    if (d.length === 0) at(['failures', 'processes', i, p.pools ? 'pools' : 'domain'], `no ${p.domain === 'gpu' ? 'GPU device' : `node with a ${p.domain === 'node' ? 'matching pool' : `${p.domain === 'zone' ? zoneLabel : rackLabel} label`}`}${p.pools ? ` in pools ${p.pools.join(', ')}` : ''}`);
    return { name: p.name, domains: d, timeBetweenFailures: p.timeBetweenFailures, repairTime: p.repairTime, fraction: p.fraction ?? 1 };
  });
  const outages: FailureConfig['outages'][number][] = f.outages.map((o, i) => {
    const kind: 'node' | 'rack' | 'zone' = o.zone !== undefined ? 'zone' : o.rack !== undefined ? 'rack' : 'node';
    const wanted = (o.zone ?? o.rack ?? o.node)!;
    const d = domains(kind).find((x) => x.name === wanted);
    if (!d) {
      const known = domains(kind).map((x) => x.name);
      at(['failures', 'outages', i, kind], `unknown ${kind} "${wanted}"${known.length ? ` (known: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ''}`);
    }
    return { name: o.name ?? `outage-${i}-${kind}-${wanted}`, domain: d ?? { kind, name: wanted, nodes: [] }, at: o.at, duration: o.duration, drain: o.drain, ...(o.drainTimeout !== undefined ? { drainTimeout: o.drainTimeout } : {}) };
  });
  // Trace replay: every record becomes a scheduled outage of the nodes it maps to.
  f.traces.forEach((t, i) => {
    const path = ['failures', 'traces', i];
    const { abs, text } = readReferencedFile(ctx, t.file, [...path, 'file'], 'trace');
    const traceName = t.name ?? (t.format === 'lanl' ? `lanl-${t.system}` : `uptime-${t.file.replace(/^.*\//, '').replace(/\.csv$/, '')}`);
    try {
      const events = t.format === 'lanl'
        ? lanlFailures(readLanl(text, abs), { system: t.system!, nodes: nodes.length, mapping: t.mapping }).map((e) => ({ at: e.at, duration: e.duration, nodes: [e.node] }))
        : uptimeFailures(readUptime(text, abs), { nodes: nodes.length });
      events.forEach((e, k) => {
        if (!(e.duration > 0)) return; // a zero-length record takes nothing down
        outages.push({ name: `${traceName}#${k}`, domain: { kind: 'trace', name: e.nodes.length === 1 ? nodes[e.nodes[0]!]!.name : `${e.nodes.length} nodes`, nodes: e.nodes }, at: e.at, duration: e.duration });
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      at([...path, t.format === 'lanl' ? 'system' : 'file'], e instanceof Error ? e.message : String(e));
    }
  });
  throwIfAny(ctx);
  const minor = f.kubernetesVersion ? Number(f.kubernetesVersion.split('.')[1]) : 32;
  return {
    // node-monitor-grace-period: 40 s up to v1.31, 50 s from v1.32 (KUBERNETES.md section 3).
    nodeMonitorGracePeriod: f.nodeMonitorGracePeriod ?? (minor < 32 ? 40 : 50),
    defaultTolerationSeconds: f.tolerationSeconds ?? 300,
    processes,
    outages,
  };
}
