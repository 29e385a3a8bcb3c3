import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PodPhase, type PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { NO_NODE, PodTable } from '../../src/sim/pods.js';

const spec: PodSpec = { namespace: 'default', labels: {}, priority: 0, requests: resources({}) };

/** Adds `n` pods and checks every row: the PodInfo at its id, the columns' initial values, the count. */
function fillAndCheck(table: PodTable, n: number): void {
  for (let i = 0; i < n; i++) expect(table.add(`p-${i}`, spec, 0, i, 1)).toBe(i);
  expect(table.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const info = table.infos[i]!;
    if (info === undefined || info.id !== i || info.name !== `p-${i}` || info.spec !== spec) throw new Error(`row ${i}: ${JSON.stringify(info)}`);
    if (table.phase[i] !== PodPhase.Pending || table.node[i] !== NO_NODE || table.createdAt[i] !== i) throw new Error(`row ${i}: columns`);
  }
  // Nothing beyond the pods created.
  expect(table.infos[n]).toBeUndefined();
}

describe('PodTable', () => {
  // Its PodInfo array is made with room for the expected pods (up to 2^18), then grows by push.
  it('keeps each pod at its id whether the run creates fewer, as many or more pods than expected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (capacity, n) => {
        fillAndCheck(new PodTable(capacity), n);
      }),
      { numRuns: 40 },
    );
  });

  it('grows past the PodInfo rows made up front (2^18)', () => {
    fillAndCheck(new PodTable(1 << 19), (1 << 18) + 3000);
  });
});

describe('PodTable columns made on first write (incident, start gate, reservation)', () => {
  type Op = { kind: 'add'; pods: number } | { kind: 'incident' | 'gate' | 'reserve'; pod: number; value: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), pods: fc.integer({ min: 1, max: 200 }) }) },
    fc.record({ kind: fc.constant('incident' as const), pod: fc.nat(), value: fc.integer({ min: -1, max: 5 }) }),
    fc.record({ kind: fc.constant('gate' as const), pod: fc.nat(), value: fc.constantFrom(0, 0.5, 30, 1e9) }),
    fc.record({ kind: fc.constant('reserve' as const), pod: fc.nat(), value: fc.constantFrom(0, 1) }),
  );

  // A plain model: every row starts at -1 / 0 / unreserved, a write sets it; the table must
  // read the same before and after a column is made and across the table's growth.
  it('read the initial values until written, then what was written, across growth (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1500 }), fc.array(op, { minLength: 10, maxLength: 120, size: 'max' }), (capacity, ops) => {
        const table = new PodTable(capacity);
        const incident: number[] = [];
        const gate: number[] = [];
        const reserved: boolean[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            for (let k = 0; k < o.pods; k++) {
              table.add(`p-${table.length}`, spec, 0, 0, 1);
              incident.push(-1);
              gate.push(0);
              reserved.push(false);
            }
            continue;
          }
          if (table.length === 0) continue;
          const id = o.pod % table.length;
          if (o.kind === 'incident') table.setIncident(id, (incident[id] = o.value));
          else if (o.kind === 'gate') table.setStartGate(id, (gate[id] = o.value));
          else table.setReserved(id, (reserved[id] = o.value === 1));
        }
        for (let id = 0; id < table.length; id++) {
          if (table.incidentOf(id) !== incident[id] || table.startGateOf(id) !== gate[id] || table.isReserved(id) !== reserved[id]) {
            throw new Error(`row ${id}: ${table.incidentOf(id)} ${table.startGateOf(id)} ${table.isReserved(id)}`);
          }
        }
        // The incident column read whole (tests, rare readers) holds the same rows.
        expect(Array.from(table.incident.subarray(0, table.length))).toEqual(incident);
      }),
      { numRuns: 60 },
    );
  });
});
