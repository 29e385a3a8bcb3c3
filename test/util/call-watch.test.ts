import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallWatch, describeTimeout, WatchReader, WATCHED_POINTS } from '../../src/util/call-watch.js';

/**
 * The call watch's shared-memory protocol (issue 17, a plugin that never returns): what the
 * running thread writes per call is what the watching thread reads, nested calls restore the
 * outer call's description, and "stuck" means the same call in progress for the whole budget.
 * Time here is the reader's argument, so these tests do not depend on the machine's speed.
 */
const pod = (name: string) => ({ name });
const node = (index: number, name = `node-${index}`) => ({ index, name });
const SCORE = WATCHED_POINTS.indexOf('Score');
const FILTER = WATCHED_POINTS.indexOf('Filter');
const CALL = WATCHED_POINTS.indexOf('call');

describe('call watch', () => {
  it('names the plugin, extension point, pod, node and simulated time of the call in progress', () => {
    const watch = new CallWatch();
    const reader = new WatchReader(watch.buffer);
    watch.time[0] = 123.5;
    watch.enter(watch.label('PreferZone'), SCORE, pod('web-0'), node(7));
    expect(reader.call()).toEqual({ label: 'PreferZone', point: 'Score', pod: 'web-0', node: 'node-7', time: 123.5 });
    expect(describeTimeout(reader.call(), 1)).toBe('plugin PreferZone Score did not return within 1 s for pod web-0 on node node-7 at simulated time 123.5 s (the time budget per call is set with --plugin-timeout)');
  });

  it('stuck: only the same call in progress for the whole budget; a returned call or a new one resets it', () => {
    const watch = new CallWatch();
    const reader = new WatchReader(watch.buffer);
    const label = watch.label('Slow');
    expect(reader.stuck(0, 1000)).toBe(false); // nothing in progress
    const d = watch.enter(label, SCORE, pod('a'), node(0));
    expect(reader.stuck(100, 1000)).toBe(false); // first seen at 100
    expect(reader.stuck(1099, 1000)).toBe(false);
    expect(reader.stuck(1100, 1000)).toBe(true);
    watch.leave(d);
    expect(reader.stuck(5000, 1000)).toBe(false); // returned
    watch.leave(watch.enter(label, SCORE, pod('a'), node(1)));
    const d2 = watch.enter(label, SCORE, pod('a'), node(2)); // many calls between looks: progress
    expect(reader.stuck(6000, 1000)).toBe(false);
    expect(reader.stuck(6500, 1000)).toBe(false);
    watch.leave(d2);
    watch.enter(label, SCORE, pod('a'), node(3));
    expect(reader.stuck(6900, 1000)).toBe(false); // another call: the clock starts again
    expect(reader.stuck(7899, 1000)).toBe(false);
    expect(reader.stuck(7900, 1000)).toBe(true);
    reader.reset();
    expect(reader.stuck(8000, 1000)).toBe(false);
  });

  it('with the process CPU time: a thread the machine does not run (wall time passes, CPU time does not) is not blamed', () => {
    const watch = new CallWatch();
    const reader = new WatchReader(watch.buffer);
    watch.enter(watch.label('Slow'), SCORE, pod('a'), node(0));
    expect(reader.stuck(0, 1000, 0)).toBe(false);
    expect(reader.stuck(5000, 1000, 300)).toBe(false); // 5 s of wall, 0.3 s of CPU: starved
    expect(reader.stuck(6000, 1000, 1000)).toBe(true); // a full second of CPU in the same call
  });

  it('a node slot is rewritten when another node takes it; nodes past the slots share them by index', () => {
    const watch = new CallWatch();
    const reader = new WatchReader(watch.buffer);
    const label = watch.label('P');
    watch.leave(watch.enter(label, FILTER, pod('p'), node(3, 'old')));
    watch.enter(label, FILTER, pod('p'), node(3, 'replacement'));
    expect(reader.call().node).toBe('replacement');
    const far = node(3 + 16384, 'far-node');
    watch.leave(0);
    watch.enter(label, FILTER, pod('p'), far);
    expect(reader.call().node).toBe('far-node');
  });

  it('long names are cut at a character, never mid-way through one', () => {
    const watch = new CallWatch();
    const reader = new WatchReader(watch.buffer);
    watch.enter(watch.label('P'), SCORE, pod('ü'.repeat(300)), node(0, 'é'.repeat(100)));
    const call = reader.call();
    expect(call.pod).toBe('ü'.repeat(128));
    expect(call.node).toBe('é'.repeat(29));
  });

  it('property: nested calls (an autoscaler asking the filters) describe the innermost open call, and the outer one again once the inner returns', () => {
    type Step = { kind: 'enter'; label: number; point: number; pod: number | null; node: number | null } | { kind: 'leave' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('enter' as const), label: fc.nat(5), point: fc.constantFrom(SCORE, FILTER, CALL), pod: fc.option(fc.nat(3)), node: fc.option(fc.nat(40)) }),
      fc.constant({ kind: 'leave' as const }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const watch = new CallWatch();
      const reader = new WatchReader(watch.buffer);
      const labels = Array.from({ length: 6 }, (_, i) => watch.label(`plugin-${i}`));
      const pods = Array.from({ length: 4 }, (_, i) => pod(`pod-${i}`));
      const nodes = Array.from({ length: 41 }, (_, i) => node(i));
      const open: { depth: number; expect: { label: string; point: string; pod: string | undefined; node: string | undefined } }[] = [];
      for (const s of steps) {
        if (s.kind === 'enter') {
          const p = s.pod === null ? undefined : pods[s.pod];
          const n = s.node === null ? undefined : nodes[s.node];
          const depth = watch.enter(labels[s.label]!, s.point, p, n);
          open.push({ depth, expect: { label: `plugin-${s.label}`, point: WATCHED_POINTS[s.point]!, pod: p?.name, node: n?.name } });
        } else if (open.length > 0) {
          watch.leave(open.pop()!.depth);
        }
        const top = open[open.length - 1];
        if (top) {
          const call = reader.call();
          expect({ label: call.label, point: call.point, node: call.node }).toEqual({ label: top.expect.label, point: top.expect.point, node: top.expect.node });
          expect(call.pod).toBe(top.expect.pod);
        }
      }
    }), { seed: 17, numRuns: 300 });
  });
});
