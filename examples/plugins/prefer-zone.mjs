// A Score plugin in plain JavaScript: prefer the nodes of one zone (args.zone), as a team that
// keeps its traffic near its database would. Every other node scores 0; NodeResourcesFit and the
// other default scorers still decide among the preferred nodes.
//
//   plugins: [./prefer-zone.mjs]                    # in a scenario, relative to it
//   orchsim run SCENARIO --plugin ./prefer-zone.mjs # or on the command line
//   orchsim serve --plugin ./prefer-zone.mjs        # or behind kube-scheduler, as an extender

import { PluginArgsError } from 'orchsim';

const ZONE_LABEL = 'topology.kubernetes.io/zone';

export const plugins = [
  {
    name: 'PreferZone',
    description: 'nodes in args.zone score 100, the others 0',
    extensionPoints: ['Score'],
    factory: (args) => {
      const zone = args?.zone;
      // Bad arguments are bad input, reported at the profile's args in the scenario file.
      if (typeof zone !== 'string' || zone === '') throw new PluginArgsError('PreferZone', ['zone'], 'expected a zone name, e.g. { zone: zone-a }');
      return {
        name: 'PreferZone',
        score: (_state, _pod, node) => (node.labels[ZONE_LABEL] === zone ? 100 : 0),
      };
    },
  },
];

// The Kubernetes default plugins and weights, plus PreferZone (weight 3, as TaintToleration has).
export const profiles = [
  {
    name: 'zone-a-first',
    plugins: [
      { name: 'NodeUnschedulable' },
      { name: 'NodeName' },
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'PodTopologySpread', weight: 2 },
      { name: 'InterPodAffinity', weight: 2 },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
      { name: 'PreferZone', weight: 3, args: { zone: 'zone-a' } },
    ],
  },
];
