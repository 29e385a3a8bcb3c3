import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SwarmNodeInfo, SwarmTaskGroup } from '../../../src/api/swarm.js';
import { nodeMatches, parseSwarmConstraint } from '../../../src/schedulers/swarm/constraints.js';
import { swarmScheduler } from '../../../src/schedulers/swarm/swarm-scheduler.js';
import { countByNode, swarmGroup, swarmNode } from './nodes.js';

const arbNode = fc.record({
  zone: fc.constantFrom('a', 'b', 'c', undefined),
  rack: fc.constantFrom('r1', 'r2', undefined),
  availability: fc.constantFrom('active', 'active', 'active', 'drain', 'pause') as fc.Arbitrary<'active' | 'drain' | 'pause'>,
  notReady: fc.integer({ min: 0, max: 9 }),
  milliCPU: fc.integer({ min: 0, max: 8 }).map((k) => k * 500),
  memory: fc.integer({ min: 0, max: 8 }).map((k) => k * 2 ** 30),
  gpus: fc.integer({ min: 0, max: 4 }),
  serviceTasks: fc.integer({ min: 0, max: 3 }),
  otherTasks: fc.integer({ min: 0, max: 5 }),
  failures: fc.integer({ min: 0, max: 7 }),
  port: fc.boolean(),
});

const arbNodes = fc.array(arbNode, { minLength: 0, maxLength: 24 }).map((specs) =>
  specs.map((s, i) =>
    swarmNode(i, {
      labels: { ...(s.zone === undefined ? {} : { zone: s.zone }), ...(s.rack === undefined ? {} : { rack: s.rack }) },
      ready: s.notReady !== 0,
      availability: s.availability,
      milliCPU: s.milliCPU,
      memory: s.memory,
      gpus: s.gpus,
      services: { 1: s.serviceTasks, 2: s.otherTasks },
      failures: { 1: s.failures },
      hostPorts: s.port ? [8080] : [],
    }),
  ),
);

const arbGroup = (withPreferences: boolean) =>
  fc
    .record({
      tasks: fc.integer({ min: 1, max: 40 }),
      milliCPU: fc.constantFrom(0, 250, 500, 1000),
      memory: fc.constantFrom(0, 2 ** 29, 2 ** 30),
      gpus: fc.constantFrom(0, 0, 1, 2),
      maxReplicas: fc.constantFrom(0, 0, 1, 2, 3),
      preferences: withPreferences ? fc.constantFrom([], ['node.labels.zone'], ['node.labels.zone', 'node.labels.rack'], ['engine.labels.x']) : fc.constant([]),
      constraint: fc.constantFrom(undefined, 'node.labels.zone!=c', 'node.labels.zone==a'),
      port: fc.constantFrom(false, false, true),
    })
    .map((g) =>
      swarmGroup(g.tasks, {
        milliCPU: g.milliCPU,
        memory: g.memory,
        gpus: g.gpus,
        maxReplicas: g.maxReplicas,
        preferences: g.preferences,
        constraints: g.constraint === undefined ? [] : [parseSwarmConstraint(g.constraint)],
        hostPorts: g.port ? [8080] : [],
      }),
    );

/** How many tasks of the group the node could take on its own: the limit of each enabled filter. */
function capacity(group: SwarmTaskGroup, node: SwarmNodeInfo): number {
  const s = group.spec;
  if (!node.ready || node.availability !== 'active' || !nodeMatches(s.placement.constraints, node)) return 0;
  let cap = group.tasks;
  if (s.milliCPU > 0) cap = Math.min(cap, Math.floor(node.availableMilliCPU / s.milliCPU));
  if (s.memory > 0) cap = Math.min(cap, Math.floor(node.availableMemory / s.memory));
  if (s.gpus > 0) cap = Math.min(cap, Math.floor(node.availableGpus / s.gpus));
  if (s.hostPorts.length > 0) cap = Math.min(cap, s.hostPorts.some((p) => node.usedHostPorts.has(p)) ? 0 : 1);
  if (s.placement.maxReplicas > 0) cap = Math.min(cap, Math.max(0, s.placement.maxReplicas - node.activeTasksOf(group.service)));
  return Math.max(0, cap);
}

describe('scheduleGroup properties', () => {
  it('never puts a node over a filter: resources, max replicas, host ports, readiness, constraints', () => {
    fc.assert(
      fc.property(arbNodes, arbGroup(true), (nodes, group) => {
        const d = swarmScheduler.scheduleGroup(group, nodes, 0);
        expect(d.nodes.length).toBeLessThanOrEqual(group.tasks);
        for (const [index, placed] of countByNode(d.nodes)) {
          expect(placed).toBeLessThanOrEqual(capacity(group, nodes[index]!));
        }
        expect(d.explanation === undefined).toBe(d.nodes.length === group.tasks);
        if (d.explanation !== undefined) expect(d.explanation).toMatch(/^no suitable node( \(.+\))?$/);
      }),
    );
  });

  it('without preferences, places min(tasks, what fits): the leaf keeps the best `tasks` nodes that fit, each taking at least one', () => {
    fc.assert(
      fc.property(arbNodes, arbGroup(false), (nodes, group) => {
        const fits = nodes.reduce((sum, n) => sum + capacity(group, n), 0);
        expect(swarmScheduler.scheduleGroup(group, nodes, 0).nodes.length).toBe(Math.min(group.tasks, fits));
      }),
    );
  });

  it('with preferences too: a branch is only marked full once its nodes are', () => {
    fc.assert(
      fc.property(arbNodes, arbGroup(true), (nodes, group) => {
        const fits = nodes.reduce((sum, n) => sum + capacity(group, n), 0);
        expect(swarmScheduler.scheduleGroup(group, nodes, 0).nodes.length).toBe(Math.min(group.tasks, fits));
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbNodes, arbGroup(true), (nodes, group) => {
        expect(swarmScheduler.scheduleGroup(group, nodes, 0)).toEqual(swarmScheduler.scheduleGroup(group, nodes, 0));
      }),
    );
  });

  it('taskFitsNode agrees with what a one-node cluster takes', () => {
    fc.assert(
      fc.property(arbNodes, arbGroup(false), (nodes, group) => {
        for (const node of nodes) {
          const one = { ...group, tasks: 1 };
          expect(swarmScheduler.taskFitsNode(one, node, 0) === undefined).toBe(capacity(one, node) > 0);
        }
      }),
    );
  });
});
