import { describe, expect, it } from 'vitest';
import type { CycleState } from '../../src/api/framework.js';
import type { LabelSelector } from '../../src/api/labels.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodAffinityTerm, PodSpec, WeightedPodAffinityTerm } from '../../src/api/pod.js';
import { Framework } from '../../src/schedulers/framework.js';
import {
  NAME, REASON_AFFINITY_RULES_NOT_MATCH, REASON_ANTI_AFFINITY_RULES_NOT_MATCH, REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  interPodAffinity, normalizeAffinityScores, parseInterPodAffinityArgs, podAffinityTerms, podMatchesAllTerms, termMatches,
} from '../../src/schedulers/plugins/inter-pod-affinity.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import { PluginArgsError, PluginRegistry } from '../../src/schedulers/registry.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { makeCluster, makePod, makeSpec, place, type TestNode } from '../helpers/cluster.js';
import { runScorePlugin } from '../helpers/plugins.js';

const ZONE = WellKnownLabel.zone;
const HOST = WellKnownLabel.hostname;
const sel = (app: string): LabelSelector => ({ matchLabels: { app } });
const term = (app: string, topologyKey: string, namespaces?: string[]): PodAffinityTerm => ({ labelSelector: sel(app), topologyKey, ...(namespaces ? { namespaces } : {}) });
const weighted = (weight: number, t: PodAffinityTerm): WeightedPodAffinityTerm => ({ weight, podAffinityTerm: t });

function zoned(name: string, zone: string | undefined): TestNode {
  return { name, labels: zone !== undefined ? { [ZONE]: zone } : {} };
}

/** a1, a2 in zone a; b1, b2 in zone b; x1 without a zone label. */
function cluster(): ClusterState {
  return makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('b2', 'b'), zoned('x1', undefined)]);
}

function runFilter(c: ClusterState, spec: PodSpec) {
  const plugin = interPodAffinity();
  const pod = makePod(spec);
  const state: CycleState = new Map();
  const pre = plugin.preFilter(state, pod, c);
  const verdicts = new Map<string, string | null>();
  if (pre === null) for (const n of c.nodes) verdicts.set(n.name, plugin.filter(state, pod, n, c)?.reason ?? null);
  const passing = c.nodes.filter((n) => verdicts.get(n.name) === null).map((n) => n.name);
  return { pre, verdicts, passing };
}

function runScore(c: ClusterState, spec: PodSpec, args?: unknown) {
  return runScorePlugin(interPodAffinity(args), makePod(spec), c.nodes, c);
}

describe('InterPodAffinity terms', () => {
  it('empty namespaces mean the owning pod\'s namespace; nil selector matches nothing, {} everything', () => {
    const owner = makeSpec({ namespace: 'team', affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
      term('db', ZONE),
      term('db', ZONE, ['other']),
      { topologyKey: ZONE },
      { labelSelector: {}, topologyKey: ZONE },
    ] } } });
    const [own, other, nil, all] = podAffinityTerms(owner).requiredAffinity;
    expect(own!.namespaces).toEqual(['team']);
    const dbTeam = makeSpec({ namespace: 'team', labels: { app: 'db' } });
    const dbOther = makeSpec({ namespace: 'other', labels: { app: 'db' } });
    expect(termMatches(own!, dbTeam)).toBe(true);
    expect(termMatches(own!, dbOther)).toBe(false);
    expect(termMatches(other!, dbOther)).toBe(true);
    expect(termMatches(nil!, dbTeam)).toBe(false);
    expect(termMatches(all!, makeSpec({ namespace: 'team' }))).toBe(true);
    expect(podMatchesAllTerms([], dbTeam)).toBe(false);
    // Resolved once per spec object.
    expect(podAffinityTerms(owner)).toBe(podAffinityTerms(owner));
  });

  it('normalizeAffinityScores: min-max to 0..100, truncated; all 0 when equal', () => {
    // min -5, max 20: (10+5)/25 -> 60, (5+5)/25 -> 40, 100, 0.
    const s = new Float64Array([10, 5, 20, -5]);
    normalizeAffinityScores(s, 4);
    expect([...s]).toEqual([60, 40, 100, 0]);
    const t = new Float64Array([1, 0, 3]);
    normalizeAffinityScores(t, 3);
    expect([...t]).toEqual([33, 0, 100]); // 100 * 1/3 = 33.3 -> 33
    const e = new Float64Array([7, 7]);
    normalizeAffinityScores(e, 2);
    expect([...e]).toEqual([0, 0]);
  });
});

describe('InterPodAffinity Filter', () => {
  it('required affinity: only nodes in the zone of a matching pod; nodes without the key fail', () => {
    const c = cluster();
    place(c, 'a1', makeSpec({ labels: { app: 'db' } }));
    const r = runFilter(c, makeSpec({ labels: { app: 'web' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', ZONE)] } } }));
    expect(r.passing).toEqual(['a1', 'a2']);
    expect(r.verdicts.get('b1')).toBe(REASON_AFFINITY_RULES_NOT_MATCH.reason);
    expect(r.verdicts.get('x1')).toBe(REASON_AFFINITY_RULES_NOT_MATCH.reason);
    expect(REASON_AFFINITY_RULES_NOT_MATCH.code).toBe('UnschedulableAndUnresolvable');
  });

  it('first pod of a group: no pod matches anywhere and the pod matches its own terms', () => {
    const c = cluster();
    const selfAffine = makeSpec({ labels: { app: 'cache' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache', ZONE)] } } });
    // Every node with a zone label is allowed; x1 still fails (the topology key must exist).
    expect(runFilter(c, selfAffine).passing).toEqual(['a1', 'a2', 'b1', 'b2']);
    // A pod that does not match its own terms gets no exception.
    const other = makeSpec({ labels: { app: 'web' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache', ZONE)] } } });
    expect(runFilter(c, other).passing).toEqual([]);
    // Once one cache pod runs in zone b, the group is anchored there.
    place(c, 'b2', makeSpec({ labels: { app: 'cache' } }));
    expect(runFilter(c, selfAffine).passing).toEqual(['b1', 'b2']);
  });

  it('affinity counts only pods in the term\'s namespaces', () => {
    const c = cluster();
    // A cache pod in namespace "other" does not anchor a default-namespace group...
    place(c, 'b1', makeSpec({ namespace: 'other', labels: { app: 'cache' } }));
    const selfAffine = makeSpec({ labels: { app: 'cache' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache', ZONE)] } } });
    expect(runFilter(c, selfAffine).passing).toEqual(['a1', 'a2', 'b1', 'b2']);
    // ...unless the term names that namespace.
    const cross = makeSpec({ labels: { app: 'cache' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache', ZONE, ['other'])] } } });
    expect(runFilter(c, cross).passing).toEqual(['b1', 'b2']);
  });

  it('several affinity terms must be satisfied by pods matching all of them', () => {
    // Terms: app=db in the same zone AND tier=backend on the same host.
    const c = cluster();
    place(c, 'a1', makeSpec({ labels: { app: 'db' } }));
    place(c, 'a2', makeSpec({ labels: { tier: 'backend' } }));
    const spec = makeSpec({ labels: { app: 'web' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
      term('db', ZONE),
      { labelSelector: { matchLabels: { tier: 'backend' } }, topologyKey: HOST },
    ] } } });
    // No single pod matches both terms: nothing fits (and web does not match its own terms).
    expect(runFilter(c, spec).passing).toEqual([]);
    // A pod matching both on b1: zone b has one and host b1 has one -> only b1.
    place(c, 'b1', makeSpec({ labels: { app: 'db', tier: 'backend' } }));
    expect(runFilter(c, spec).passing).toEqual(['b1']);
  });

  it('required anti-affinity of the incoming pod, per host and per zone', () => {
    const c = cluster();
    place(c, 'a1', makeSpec({ labels: { app: 'web' } }));
    const perHost = makeSpec({ labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST)] } } });
    const h = runFilter(c, perHost);
    expect(h.passing).toEqual(['a2', 'b1', 'b2', 'x1']);
    expect(h.verdicts.get('a1')).toBe(REASON_ANTI_AFFINITY_RULES_NOT_MATCH.reason);
    expect(REASON_ANTI_AFFINITY_RULES_NOT_MATCH.code).toBe('Unschedulable');
    // Per zone: all of zone a is out; x1 has no zone label, so the term does not apply there.
    const perZone = makeSpec({ labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } });
    expect(runFilter(c, perZone).passing).toEqual(['b1', 'b2', 'x1']);
  });

  it('existing pods\' required anti-affinity rejects the incoming pod in their domain', () => {
    const c = cluster();
    // A pod on b1 that wants no web pod in its zone.
    place(c, 'b1', makeSpec({ labels: { app: 'batch' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } }));
    const r = runFilter(c, makeSpec({ labels: { app: 'web' } }));
    expect(r.pre).toBeNull();
    expect(r.passing).toEqual(['a1', 'a2', 'x1']);
    expect(r.verdicts.get('b2')).toBe(REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH.reason);
    // A pod it does not select: nothing to check, PreFilter skips.
    expect(runFilter(c, makeSpec({ labels: { app: 'db' } })).pre?.code).toBe('Skip');
  });

  it('existing pods\' anti-affinity respects the term namespaces', () => {
    const c = cluster();
    // In namespace "other" with no namespaces listed: only selects web pods of "other".
    place(c, 'b1', makeSpec({ namespace: 'other', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } }));
    expect(runFilter(c, makeSpec({ labels: { app: 'web' } })).pre?.code).toBe('Skip');
    expect(runFilter(c, makeSpec({ namespace: 'other', labels: { app: 'web' } })).passing).toEqual(['a1', 'a2', 'x1']);
    // Naming "default" explicitly reaches default-namespace pods.
    place(c, 'a1', makeSpec({ namespace: 'other', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST, ['default'])] } } }));
    expect(runFilter(c, makeSpec({ labels: { app: 'web' } })).passing).toEqual(['a2', 'b1', 'b2', 'x1']);
  });

  it('PreFilter skips a pod without required terms when no existing pod has anti-affinity', () => {
    const c = cluster();
    place(c, 'a1', makeSpec({ labels: { app: 'web' }, affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, term('web', ZONE))] } } }));
    expect(runFilter(c, makeSpec({ labels: { app: 'web' } })).pre?.code).toBe('Skip');
  });
});

describe('InterPodAffinity Score', () => {
  /** Zones a (a1, a2), b (b1), c (c1). */
  const mk = () => makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('c1', 'c')]);

  it('incoming pod\'s preferred affinity (+weight) and anti-affinity (-weight) per matching pod', () => {
    // Preferred: affinity weight 10 to app=db per zone; anti-affinity weight 5 to app=web per host.
    // Pods: db on a1, two db on b1, web on a2 and c1.
    // zone a: +10, zone b: +20; host a2: -5, host c1: -5.
    // raw: a1 10, a2 10-5 = 5, b1 20, c1 -5.
    // normalized (min -5, max 20, diff 25): a1 100*15/25 = 60, a2 40, b1 100, c1 0.
    const c = mk();
    place(c, 'a1', makeSpec({ labels: { app: 'db' } }));
    place(c, 'b1', makeSpec({ labels: { app: 'db' } }));
    place(c, 'b1', makeSpec({ labels: { app: 'db' } }));
    place(c, 'a2', makeSpec({ labels: { app: 'web' } }));
    place(c, 'c1', makeSpec({ labels: { app: 'web' } }));
    place(c, 'c1', makeSpec({ namespace: 'other', labels: { app: 'db' } })); // other namespace: ignored
    const spec = makeSpec({ labels: { app: 'web' }, affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, term('db', ZONE))] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, term('web', HOST))] },
    } });
    const r = runScore(c, spec);
    expect(r.raw).toEqual([10, 5, 20, -5]);
    expect(r.normalized).toEqual([60, 40, 100, 0]);
  });

  /** Existing pods' terms towards a web pod: preferred affinity 7 (zone a), preferred anti 3 (host b1), required affinity (zone c). */
  function existingTerms(): ClusterState {
    const c = mk();
    place(c, 'a1', makeSpec({ labels: { app: 'x' }, affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(7, term('web', ZONE))] } } }));
    place(c, 'b1', makeSpec({ labels: { app: 'y' }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(3, term('web', HOST))] } } }));
    place(c, 'c1', makeSpec({ labels: { app: 'z' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } }));
    // Same terms in namespace "other": they select web pods of "other" only.
    place(c, 'b1', makeSpec({ namespace: 'other', affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(50, term('web', ZONE))] } } }));
    return c;
  }
  const plainWeb = makeSpec({ labels: { app: 'web' } });

  it('existing pods\' preferred terms and required affinity (hardPodAffinityWeight 1)', () => {
    // zone a +7, host b1 -3, zone c +1 (hard weight 1). raw: a1 7, a2 7, b1 -3, c1 1.
    // normalized (min -3, max 7, diff 10): a1, a2 100; b1 0; c1 100*4/10 = 40.
    const r = runScore(existingTerms(), plainWeb);
    expect(r.raw).toEqual([7, 7, -3, 1]);
    expect(r.normalized).toEqual([100, 100, 0, 40]);
  });

  it('hardPodAffinityWeight scales existing pods\' required affinity; 0 turns it off', () => {
    // Weight 10: c1 = 10; min -3, max 10, diff 13: a 100*10/13 = 76.9 -> 76; b1 0; c1 100.
    const r10 = runScore(existingTerms(), plainWeb, { hardPodAffinityWeight: 10 });
    expect(r10.raw).toEqual([7, 7, -3, 10]);
    expect(r10.normalized).toEqual([76, 76, 0, 100]);
    // Weight 0: c1 = 0; min -3, max 7: c1 100*3/10 = 30.
    const r0 = runScore(existingTerms(), plainWeb, { hardPodAffinityWeight: 0 });
    expect(r0.raw).toEqual([7, 7, -3, 0]);
    expect(r0.normalized).toEqual([100, 100, 0, 30]);
  });

  it('ignorePreferredTermsOfExistingPods skips scoring a pod without preferred terms', () => {
    expect(runScore(existingTerms(), plainWeb, { ignorePreferredTermsOfExistingPods: true }).pre?.code).toBe('Skip');
  });

  it('PreScore skips when nothing applies; equal scores normalize to 0', () => {
    const c = mk();
    place(c, 'a1', makeSpec({ labels: { app: 'web' } }));
    expect(runScore(c, plainWeb).pre?.code).toBe('Skip');
    // A preferred term that matches nothing: no topology entry at all -> Skip.
    const spec = makeSpec({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, term('db', ZONE))] } } });
    expect(runScore(c, spec).pre?.code).toBe('Skip');
    // Every node in zone a: all scores equal -> 0.
    const one = makeCluster([zoned('a1', 'a'), zoned('a2', 'a')]);
    place(one, 'a1', makeSpec({ labels: { app: 'db' } }));
    const r = runScore(one, spec);
    expect(r.raw).toEqual([5, 5]);
    expect(r.normalized).toEqual([0, 0]);
  });
});

describe('InterPodAffinity args', () => {
  it('defaults and validation', () => {
    expect(parseInterPodAffinityArgs(undefined)).toEqual({ hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
    expect(parseInterPodAffinityArgs({ hardPodAffinityWeight: 100, ignorePreferredTermsOfExistingPods: true })).toEqual({ hardPodAffinityWeight: 100, ignorePreferredTermsOfExistingPods: true });
    const path = (raw: unknown) => {
      try {
        parseInterPodAffinityArgs(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(PluginArgsError);
        return (e as PluginArgsError).path;
      }
      throw new Error('expected PluginArgsError');
    };
    expect(path({ hardPodAffinityWeight: 101 })).toEqual(['hardPodAffinityWeight']);
    expect(path({ hardPodAffinityWeight: -1 })).toEqual(['hardPodAffinityWeight']);
    expect(path({ hardPodAffinityWeight: 1.5 })).toEqual(['hardPodAffinityWeight']);
    expect(path({ ignorePreferredTermsOfExistingPods: 'yes' })).toEqual(['ignorePreferredTermsOfExistingPods']);
    expect(path({ hardAffinityWeight: 1 })).toEqual(['hardAffinityWeight']);
    expect(path([1])).toEqual([]);
    expect(() => interPodAffinity({ hardPodAffinityWeight: 200 })).toThrow(/not in valid range \[0, 100\]/);
  });
});

describe('InterPodAffinity in the Framework', () => {
  it('hostname anti-affinity puts one replica per node, then reports the reason', () => {
    const registry = new PluginRegistry()
      .register({ name: NAME, description: 'affinity', extensionPoints: ['PreFilter', 'Filter', 'PreScore', 'Score'], factory: (args) => interPodAffinity(args) })
      .register({ name: 'NodeResourcesFit', description: 'fit', extensionPoints: ['Filter', 'Score'], factory: (args) => nodeResourcesFit(args) });
    const fw = new Framework({
      name: 'p',
      tieBreak: 'first',
      plugins: [{ name: NAME, weight: 2 }, { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
    }, registry, { random: () => ({ next: () => 0 }) });
    const c = makeCluster([zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b')]);
    const spec = makeSpec({ labels: { app: 'web' }, cpu: 100, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST)] } } });
    for (let i = 0; i < 3; i++) {
      const pod = makePod(spec);
      const idx = fw.schedule(pod, c, { next: () => 0 });
      expect(idx).toBeGreaterThanOrEqual(0);
      c.bind(pod, idx);
    }
    expect(c.nodes.map((n) => n.pods.length)).toEqual([1, 1, 1]);
    expect(fw.schedule(makePod(spec), c, { next: () => 0 })).toBe(-1);
    expect(fw.lastFitError?.reasons.get(REASON_ANTI_AFFINITY_RULES_NOT_MATCH.reason)).toBe(3);
  });
});
