import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WellKnownLabel, type NodeInfo } from '../../src/api/node.js';
import { resources } from '../../src/api/resources.js';
import { ScanOrder, scanOrderMemoDefault, zoneInterleavedOrder } from '../../src/schedulers/scan-order.js';
import { makeCluster } from '../helpers/cluster.js';
import { expectSwitchReadAsDocumented } from '../helpers/scheduler-ab.js';

// A framework keeps the scan order of a node list for the next list that puts nodes of the same
// indexes and zones at the same positions (ScanOrder, ORCHSIM_NO_SCAN_ORDER_MEMO=1 turns it off).
// Whatever the cluster does to its list - nodes added, removed (their slots left with no labels),
// slots reused with another zone, lists replaced with the same nodes - the order it gives must be
// zoneInterleavedOrder of the list it is given, with the memo on and off.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

type Step =
  | { kind: 'add'; zone: number | null }
  | { kind: 'remove'; node: number }
  | { kind: 'copy' }
  | { kind: 'permuted'; by: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), zone: fc.option(fc.nat(3)) }),
  fc.record({ kind: fc.constant('remove' as const), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('copy' as const) }),
  fc.record({ kind: fc.constant('permuted' as const), by: fc.nat(50) }),
);

describe('ScanOrder', () => {
  it('reads ORCHSIM_NO_SCAN_ORDER_MEMO=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_SCAN_ORDER_MEMO', scanOrderMemoDefault);
  });

  it('gives zoneInterleavedOrder of every list it is given, with the memo on and off (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 8 }), fc.array(step, { maxLength: 40 }), (initial, steps) => {
      const c = makeCluster(Array.from({ length: initial }, (_, i) => ({ name: `n${i}`, labels: i % 4 === 3 ? ({} as Record<string, string>) : { [WellKnownLabel.zone]: `z${i % 3}` } })));
      const kept = new ScanOrder(true);
      const plain = new ScanOrder(false);
      let added = 0;
      const check = (nodes: readonly NodeInfo[]) => {
        const expected = [...zoneInterleavedOrder(nodes)];
        expect([...kept.of(nodes)]).toEqual(expected);
        expect([...plain.of(nodes)]).toEqual(expected);
      };
      check(c.nodes);
      for (const s of steps) {
        if (s.kind === 'add') {
          c.addNode({ name: `x${added++}`, labels: s.zone === null ? {} : { [WellKnownLabel.zone]: `z${s.zone}` }, taints: [], unschedulable: false, allocatable: resources({ milliCPU: 1000, memory: 1 }) });
        } else if (s.kind === 'remove') {
          const live = c.nodes.filter((n) => !n.removed && n.pods.length === 0);
          if (live.length > 0) c.removeNode(live[s.node % live.length]!.index);
        } else if (s.kind === 'copy') {
          // A new list of the same nodes (a what-if's template node added and rolled back).
          check(c.nodes.slice());
          continue;
        } else {
          // Another snapshot's list: the same nodes at other positions (indexes then differ from positions).
          const nodes = c.nodes;
          if (nodes.length === 0) continue;
          const k = s.by % nodes.length;
          check([...nodes.slice(k), ...nodes.slice(0, k)]);
          continue;
        }
        check(c.nodes);
      }
    }), { numRuns: 200 * SCALE });
  });
});
