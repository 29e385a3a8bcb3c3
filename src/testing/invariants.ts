/**
 * checkPlacementInvariants: the standard properties any placement logic must keep, checked with
 * fast-check over random clusters and pods, with a readable report and the shrunk counterexample.
 *
 * The checks are written here, apart from the built-in plugins, from the Kubernetes rules
 * (KUBERNETES.md section 1), so a plugin that replaces a built-in one is held to the rule, not
 * to the code it replaces.
 */
import fc from 'fast-check';
import type { PluginConfig, ProfileConfig } from '../api/framework.js';
import { matchesLabelSelector, matchesNodeSelectorTerms } from '../api/labels.js';
import type { ClusterSnapshot, NodeInfo, Taint } from '../api/node.js';
import type { PodInfo, PodSpec, Toleration } from '../api/pod.js';
import { Framework, PluginError } from '../schedulers/framework.js';
import { builtinPlugins } from '../schedulers/builtins.js';
import type { PluginEntry } from '../schedulers/registry.js';
import { RandomStreams } from '../util/random.js';
import { buildCluster, overcommit, placementCaseArb, type ClusterArbOptions, type PlacementCase } from './placement.js';

export const INVARIANTS = ['noOvercommit', 'taints', 'nodeSelector', 'podAffinity', 'podAntiAffinity', 'spread', 'schedulableNode', 'deterministic', 'scoresInRange', 'noThrow'] as const;
export type Invariant = (typeof INVARIANTS)[number];

/** What to check: a profile (naming built-in plugins and `plugins`), or one plugin on its own. */
export type PlacementSubject = ProfileConfig | PluginEntry;

export interface PlacementCheckOptions extends ClusterArbOptions {
  /** Your plugins, registered next to the built-in ones, for a profile that names them. */
  readonly plugins?: readonly PluginEntry[];
  /** Only these invariants (default: all). A pure scorer, say, checks 'deterministic' and 'scoresInRange'. */
  readonly invariants?: readonly Invariant[];
  /** fast-check runs (default 200) and seed (default: fast-check's own, printed in the report). */
  readonly numRuns?: number;
  readonly seed?: number;
  /** Seed of the random streams the plugins are handed (default 1). */
  readonly pluginSeed?: number;
}

export interface PlacementReport {
  readonly ok: boolean;
  readonly numRuns: number;
  readonly seed: number;
  /** The invariant the shrunk counterexample breaks. */
  readonly invariant?: Invariant | undefined;
  readonly message?: string | undefined;
  readonly counterexample?: PlacementCase | undefined;
  /** Everything above as text, for a test failure message. */
  readonly text: string;
}

class Violation extends Error {
  constructor(readonly invariant: Invariant, message: string) {
    super(`${invariant}: ${message}`);
  }
}

function profileOf(subject: PlacementSubject): { profile: ProfileConfig; own: PluginEntry[] } {
  if ('factory' in subject) {
    return { profile: { name: subject.name, plugins: [{ name: subject.name, weight: 1 }] }, own: [subject] };
  }
  return { profile: subject, own: [] };
}

function frameworkFor(profile: ProfileConfig, plugins: readonly PluginEntry[], seed: number): Framework {
  const registry = builtinPlugins();
  for (const p of plugins) if (!registry.has(p.name)) registry.register(p);
  const streams = new RandomStreams(seed);
  // Every node is searched: an invariant must hold whichever node the scan reaches.
  const checked: ProfileConfig = { ...profile, percentageOfNodesToScore: 100 };
  return new Framework(checked, registry, { random: (name) => streams.get(name) });
}

// ---- the rules, written from the Kubernetes documentation ---------------------------------------

function tolerates(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect !== undefined && t.effect !== taint.effect) return false;
    if (t.key === undefined || t.key === '') return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

const DOWN_KEYS = new Set(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);

function matchingPodsIn(snapshot: ClusterSnapshot, key: string, value: string, selector: Parameters<typeof matchesLabelSelector>[0], namespace: string): number {
  let n = 0;
  for (const node of snapshot.nodes) {
    if (node.labels[key] !== value) continue;
    for (const p of node.pods) if (p.spec.namespace === namespace && matchesLabelSelector(selector, p.spec.labels)) n++;
  }
  return n;
}

function nodeMatchesPod(spec: PodSpec, node: NodeInfo): boolean {
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || matchesNodeSelectorTerms(terms, node.labels, node.name);
}

/** Every invariant about where the pod went; throws a Violation naming the first broken one. */
function checkPlacement(spec: PodSpec, node: NodeInfo, snapshot: ClusterSnapshot, want: ReadonlySet<Invariant>): void {
  const where = `pod placed on ${node.name}`;
  if (want.has('noOvercommit')) {
    const over = overcommit(node, spec);
    if (over) throw new Violation('noOvercommit', `${where} over-commits ${over}`);
  }
  if (want.has('taints')) {
    for (const t of node.taints) {
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations, t)) {
        throw new Violation('taints', `${where}, whose taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect} the pod does not tolerate`);
      }
    }
  }
  if (want.has('schedulableNode')) {
    if (node.unschedulable && !tolerates(spec.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) throw new Violation('schedulableNode', `${where}, which is cordoned (spec.unschedulable)`);
    const down = node.taints.find((t) => DOWN_KEYS.has(t.key) && t.effect === 'NoSchedule' && !tolerates(spec.tolerations, t));
    if (down) throw new Violation('schedulableNode', `${where}, which is down (${down.key})`);
  }
  if (want.has('nodeSelector') && !nodeMatchesPod(spec, node)) throw new Violation('nodeSelector', `${where}, which its nodeSelector or required node affinity excludes`);
  if (want.has('podAffinity')) {
    for (const term of spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (!term.labelSelector) continue;
      const namespaces = term.namespaces?.length ? term.namespaces : [spec.namespace];
      const value = node.labels[term.topologyKey];
      const here = value === undefined ? 0 : namespaces.reduce((n, ns) => n + matchingPodsIn(snapshot, term.topologyKey, value, term.labelSelector!, ns), 0);
      if (here > 0) continue;
      // The one exception (upstream's first pod of a group): no pod anywhere matches, and the
      // pod matches its own term, on a node that has the topology key.
      let anywhere = 0;
      for (const n of snapshot.nodes) for (const p of n.pods) if (namespaces.includes(p.spec.namespace) && matchesLabelSelector(term.labelSelector, p.spec.labels)) anywhere++;
      const selfMatch = namespaces.includes(spec.namespace) && matchesLabelSelector(term.labelSelector, spec.labels);
      if (!(anywhere === 0 && selfMatch && value !== undefined)) {
        throw new Violation('podAffinity', `${where}, in ${term.topologyKey}=${value ?? '(none)'} with no pod its required affinity asks for`);
      }
    }
  }
  if (want.has('podAntiAffinity')) {
    for (const term of spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const value = node.labels[term.topologyKey];
      if (value === undefined || !term.labelSelector) continue;
      const namespaces = term.namespaces?.length ? term.namespaces : [spec.namespace];
      for (const ns of namespaces) {
        if (matchingPodsIn(snapshot, term.topologyKey, value, term.labelSelector, ns) > 0) throw new Violation('podAntiAffinity', `${where}, in ${term.topologyKey}=${value} with a pod its required anti-affinity excludes`);
      }
    }
    // Symmetry: existing pods' required anti-affinity must not exclude the newcomer.
    for (const other of snapshot.nodes) {
      for (const p of other.podsWithRequiredAntiAffinity) {
        for (const term of p.spec.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!) {
          const namespaces = term.namespaces?.length ? term.namespaces : [p.spec.namespace];
          if (!term.labelSelector || !namespaces.includes(spec.namespace) || !matchesLabelSelector(term.labelSelector, spec.labels)) continue;
          const value = other.labels[term.topologyKey];
          if (value !== undefined && node.labels[term.topologyKey] === value) throw new Violation('podAntiAffinity', `${where}, where pod ${p.name}'s required anti-affinity excludes it`);
        }
      }
    }
  }
  if (want.has('spread')) {
    for (const c of spec.topologySpreadConstraints ?? []) {
      if (c.whenUnsatisfiable !== 'DoNotSchedule' || !c.labelSelector) continue;
      const value = node.labels[c.topologyKey];
      if (value === undefined) throw new Violation('spread', `${where}, which lacks the topology key ${c.topologyKey}`);
      // Domains: those of the nodes the pod may go to by its node selector and affinity, that carry
      // every DoNotSchedule key (upstream's eligible nodes); counts of matching pods in each.
      const keys = (spec.topologySpreadConstraints ?? []).filter((x) => x.whenUnsatisfiable === 'DoNotSchedule').map((x) => x.topologyKey);
      const counts = new Map<string, number>();
      for (const n of snapshot.nodes) {
        if (!nodeMatchesPod(spec, n) || keys.some((k) => n.labels[k] === undefined)) continue;
        const v = n.labels[c.topologyKey]!;
        let k = counts.get(v) ?? 0;
        for (const p of n.pods) if (p.spec.namespace === spec.namespace && matchesLabelSelector(c.labelSelector, p.spec.labels)) k++;
        counts.set(v, k);
      }
      const min = counts.size < (c.minDomains ?? 1) ? 0 : Math.min(...counts.values());
      const self = matchesLabelSelector(c.labelSelector, spec.labels) ? 1 : 0;
      const skew = (counts.get(value) ?? 0) + self - min;
      if (skew > c.maxSkew) throw new Violation('spread', `${where}: skew ${skew} over ${c.topologyKey} exceeds maxSkew ${c.maxSkew}`);
    }
  }
}

function describeCase(c: PlacementCase): string {
  const res = (r: PodSpec['requests']) => `cpu ${r.milliCPU}m, memory ${Math.round(r.memory / 2 ** 20)}Mi${r.milliGPU ? `, gpu ${r.milliGPU}m` : ''}`;
  const extras = (s: PodSpec) =>
    [
      s.nodeSelector && `nodeSelector ${JSON.stringify(s.nodeSelector)}`,
      s.affinity && `affinity ${JSON.stringify(s.affinity)}`,
      s.tolerations && `tolerations ${JSON.stringify(s.tolerations)}`,
      s.topologySpreadConstraints && `spread ${JSON.stringify(s.topologySpreadConstraints)}`,
    ].filter(Boolean).join('; ');
  const lines = ['nodes:'];
  for (const n of c.nodes) {
    const a = n.allocatable;
    lines.push(`  ${n.name}: cpu ${a.milliCPU}m, memory ${a.memory / 2 ** 30}Gi${a.milliGPU ? `, ${a.milliGPU / 1000} GPU` : ''}, pods ${n.allowedPodNumber ?? 110}, labels ${JSON.stringify(n.labels)}${n.taints.length ? `, taints ${n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}` : ''}${n.unschedulable ? ', cordoned' : ''}`);
  }
  lines.push('pods already bound (in order; those that do not fit are left out):');
  for (const p of c.pods) lines.push(`  on node-${p.node}: ${JSON.stringify(p.spec.labels)} ${res(p.spec.requests)}${extras(p.spec) ? `; ${extras(p.spec)}` : ''}`);
  lines.push(`pod to place: ${JSON.stringify(c.pod.labels)} ${res(c.pod.requests)}${extras(c.pod) ? `; ${extras(c.pod)}` : ''}`);
  return lines.join('\n');
}

/**
 * Runs the standard placement properties against a profile or a plugin: never over-commits,
 * honours taints, node selectors and required node affinity, required pod affinity and anti-affinity and
 * DoNotSchedule spread, never places on a cordoned or down node, decides the same for the same
 * input and seed, keeps normalized scores within 0..100, and never throws. Returns a report;
 * it never throws for a broken subject.
 */
export function checkPlacementInvariants(subject: PlacementSubject, options: PlacementCheckOptions = {}): PlacementReport {
  const { profile, own } = profileOf(subject);
  const plugins = [...own, ...(options.plugins ?? [])];
  const want = new Set<Invariant>(options.invariants ?? INVARIANTS);
  const pluginSeed = options.pluginSeed ?? 1;
  const numRuns = options.numRuns ?? 200;

  const decide = (c: PlacementCase) => {
    const { cluster } = buildCluster(c);
    const framework = frameworkFor(profile, plugins, pluginSeed);
    const pod: PodInfo = { id: 1_000_000, name: 'default/pod-under-test', spec: c.pod };
    const chosen = framework.schedule(pod, cluster, new RandomStreams(pluginSeed).get('tie-break'));
    return { cluster, framework, pod, chosen };
  };

  const property = fc.property(placementCaseArb(options), (c) => {
    let run: ReturnType<typeof decide>;
    try {
      run = decide(c);
    } catch (e) {
      if (!want.has('noThrow')) return;
      if (e instanceof PluginError && e.cause instanceof RangeError && want.has('scoresInRange')) throw new Violation('scoresInRange', e.message);
      throw new Violation('noThrow', e instanceof Error ? e.message : String(e));
    }
    const { cluster, framework, pod, chosen } = run;
    if (chosen >= 0) checkPlacement(c.pod, cluster.nodes[chosen]!, cluster, want);
    if (want.has('deterministic')) {
      const again = decide(c).chosen;
      if (again !== chosen) throw new Violation('deterministic', `the same cluster, pod and seed gave ${chosen < 0 ? 'no node' : cluster.nodes[chosen]!.name} and then ${again < 0 ? 'no node' : cluster.nodes[again]!.name}`);
    }
    if (want.has('scoresInRange')) {
      const feasible = framework.findFeasible(pod, cluster, cluster.nodes, Infinity);
      try {
        framework.scoreNodes(pod, cluster, feasible);
      } catch (e) {
        if (e instanceof PluginError && e.cause instanceof RangeError) throw new Violation('scoresInRange', e.message);
        throw e;
      }
    }
  });

  const details = fc.check(property, { numRuns, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  if (!details.failed) {
    return { ok: true, numRuns: details.numRuns, seed: details.seed, text: `${profile.name}: all ${want.size} placement invariants held over ${details.numRuns} random clusters (seed ${details.seed})` };
  }
  const error = details.errorInstance;
  const invariant = error instanceof Violation ? error.invariant : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const counterexample = details.counterexample?.[0];
  const text = [
    `${profile.name}: placement invariant ${invariant ?? '(unknown)'} broken after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)`,
    `  ${message}`,
    `  replay: checkPlacementInvariants(..., { seed: ${details.seed}, numRuns: ${numRuns} })`,
    ...(counterexample ? ['counterexample:', describeCase(counterexample)] : []),
  ].join('\n');
  return { ok: false, numRuns: details.numRuns, seed: details.seed, invariant, message, counterexample, text };
}

/** For a profile config list: the plugin configs of a profile with one plugin swapped for another. */
export function replacePlugin(profile: ProfileConfig, name: string, by: PluginConfig): ProfileConfig {
  return { ...profile, name: `${profile.name} with ${by.name}`, plugins: profile.plugins.map((p) => (p.name === name ? by : p)) };
}
