import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SKIP, unschedulable, type CycleState, type FilterPlugin, type Plugin, type PreFilterPlugin, type ProfileConfig, type Status } from '../../src/api/framework.js';
import type { ClusterSnapshot, NodeInfo } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { builtinPlugins } from '../../src/schedulers/builtins.js';
import { Framework } from '../../src/schedulers/framework.js';
import { makePod } from '../helpers/cluster.js';
import { mixedSpec, mixedSpecFields, zonedCluster } from '../helpers/scheduler-ab.js';

// findFeasible and filterNodes (the cluster autoscaler's what-ifs, preemption's dry runs, the
// extender's filter) run the PreFilters through a PreFilters of their own (pre-filters.ts): the
// filters left to run are kept while the PreFilters skip as for the last pod, and the Skips of
// plugins that declare preFilterSkipsBySpec are remembered per spec. One framework asked for pod
// after pod, with the cluster changing in between, must give what the plain extension points
// give each pod afresh: every PreFilter in profile order until one rejects (every candidate then
// rejected with its status), then each candidate's filters less the skipped ones, first failure wins.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const GATE_CLOSED = unschedulable('gate closed');
const GATE_NODE = unschedulable('gate: node ends in 3');

/** A PreFilter that rejects `gate: closed` pods, skips pods without a gate, and filters out nodes named ...3 for `gate: open` ones. */
const gate: PreFilterPlugin & FilterPlugin = {
  name: 'Gate',
  preFilter: (_state, pod) => (pod.spec.labels.gate === 'closed' ? GATE_CLOSED : pod.spec.labels.gate === 'open' ? null : SKIP),
  filter: (_state, _pod, node) => (node.name.endsWith('3') ? GATE_NODE : null),
};

const PROFILE: ProfileConfig = {
  name: 'gated',
  plugins: [
    { name: 'NodeUnschedulable' }, { name: 'NodeName' }, { name: 'TaintToleration' }, { name: 'NodeAffinity' }, { name: 'Gate' },
    { name: 'NodeResourcesFit' }, { name: 'PodTopologySpread' }, { name: 'InterPodAffinity' },
  ],
};

function framework(preFilterSkipMemo: boolean): { fw: Framework; plugins: Plugin[] } {
  const registry = builtinPlugins();
  const handle = { random: () => ({ next: () => 0 }) };
  const plugins = PROFILE.plugins.map((p) => (p.name === 'Gate' ? gate : registry.get(p.name)!.factory(undefined, handle)));
  return { fw: new Framework(PROFILE, plugins, { preFilterSkipMemo }), plugins };
}

/** The plain extension points for one pod, afresh: the feasible candidates (up to `limit`) and each rejected one's status and plugin. */
function plainFilters(plugins: readonly Plugin[], pod: PodInfo, snapshot: ClusterSnapshot, candidates: readonly NodeInfo[], limit: number) {
  const state: CycleState = new Map();
  const skipped = new Set<Plugin>();
  const rejected: [string, Status, string][] = [];
  for (const p of plugins) {
    if (!('preFilter' in p)) continue;
    const s = (p as PreFilterPlugin).preFilter(state, pod, snapshot);
    if (s === null) continue;
    if (s.code === 'Skip') skipped.add(p);
    else return { feasible: [], rejected: candidates.map((n): [string, Status, string] => [n.name, s, p.name]) };
  }
  const feasible: string[] = [];
  for (const node of candidates) {
    let failure: [Status, string] | undefined;
    for (const f of plugins) {
      if (!('filter' in f) || skipped.has(f)) continue;
      const s = (f as FilterPlugin).filter(state, pod, node, snapshot);
      if (s !== null) {
        failure = [s, f.name];
        break;
      }
    }
    if (failure !== undefined) rejected.push([node.name, ...failure]);
    else if (feasible.push(node.name) >= limit) break;
  }
  return { feasible, rejected };
}

const podArb = fc.record({ ...mixedSpecFields, kind: fc.nat(3), gate: fc.constantFrom(undefined, 'open', 'closed'), bindTo: fc.option(fc.nat(40)) });

describe('findFeasible and filterNodes with their own PreFilters', () => {
  it('give, pod after pod, what the plain PreFilter and Filter points give each pod afresh, with the skip memo on and off (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(podArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), (nodeCount, pods, limit, memo) => {
      const c = zonedCluster(nodeCount);
      // ORCHSIM_NO_PRE_FILTER_SKIP_MEMO=1 is preFilterSkipMemo false.
      const { fw, plugins } = framework(memo);
      // A few specs, shared by the pods of one kind (the memo keys on the spec object).
      const specs = new Map<string, ReturnType<typeof mixedSpec>>();
      for (const d of pods) {
        const key = JSON.stringify(d);
        let spec = specs.get(key);
        if (spec === undefined) specs.set(key, (spec = mixedSpec(d, { app: `k${d.kind}`, ...(d.gate !== undefined ? { gate: d.gate } : {}) })));
        const pod = makePod(spec);
        const candidates = c.nodes.filter((n) => !n.removed);
        const expected = plainFilters(plugins, pod, c, candidates, limit);
        expect(fw.findFeasible(pod, c, candidates, limit).map((n) => n.name)).toEqual(expected.feasible);
        const all = plainFilters(plugins, pod, c, candidates, Infinity);
        const rejected: [string, Status, string][] = [];
        const passed = fw.filterNodes(pod, c, candidates, (n, s, p) => rejected.push([n.name, s, p]));
        expect(passed.map((n) => n.name)).toEqual(all.feasible);
        expect(rejected).toEqual(all.rejected);
        // The cluster moves between pods: the pod is bound where asked (if it fits there).
        if (d.bindTo !== null && all.feasible.length > 0) c.bind(pod, c.nodeByName(all.feasible[d.bindTo % all.feasible.length]!)!.index);
      }
    }), { numRuns: 150 * SCALE });
  });
});
