import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasHostnameLabel, WellKnownLabel } from '../../src/api/node.js';

/*
 * hasHostnameLabel (src/api/node.ts) is Object.hasOwn(labels, WellKnownLabel.hostname) written
 * with `in`, which Node's optimizing compiler inlines (issue 23: PodTopologySpread asks it of
 * every feasible node in PreScore and Score). The same answer for every labels object a node can
 * have: plain or null-prototype objects with their own keys, among them keys that name
 * Object.prototype's properties ("constructor", "toString", "__proto__" as an own key).
 */
describe('hasHostnameLabel', () => {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(WellKnownLabel.hostname, WellKnownLabel.zone, WellKnownLabel.instanceType, 'pool') },
    { weight: 2, arbitrary: fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'kubernetes.io/hostnam', 'kubernetes.io/hostname ') },
    { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  );
  const entries = fc.array(fc.tuple(key, fc.string({ maxLength: 12 })), { maxLength: 8 });

  it('answers as Object.hasOwn for plain and null-prototype labels objects', () => {
    let has = 0;
    let hasNot = 0;
    fc.assert(fc.property(entries, fc.boolean(), (kv, nullPrototype) => {
      // Object.fromEntries defines own properties (an own "__proto__" too, not a prototype).
      const plain = Object.fromEntries(kv) as Record<string, string>;
      const labels = nullPrototype ? Object.assign(Object.create(null) as Record<string, string>, plain) : plain;
      const expected = Object.hasOwn(labels, WellKnownLabel.hostname);
      expect(hasHostnameLabel(labels)).toBe(expected);
      if (expected) has++;
      else hasNot++;
    }), { numRuns: 2000 });
    // Not vacuous: both answers came up.
    expect(has).toBeGreaterThan(100);
    expect(hasNot).toBeGreaterThan(100);
  });

  it('answers as Object.hasOwn for labels of the shapes the simulator builds (a pool node, a copy, a removed node)', () => {
    const pool: Record<string, string> = { [WellKnownLabel.hostname]: 'n-1', pool: 'general', [WellKnownLabel.zone]: 'zone-a', [WellKnownLabel.instanceType]: 'm5.4xlarge' };
    const shapes: Record<string, string>[] = [pool, { ...pool }, { pool: 'general' }, {}, { [WellKnownLabel.hostname]: '' }];
    for (const labels of shapes) {
      expect(hasHostnameLabel(labels)).toBe(Object.hasOwn(labels, WellKnownLabel.hostname));
    }
  });
});
