import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SampleBuffer } from '../../src/util/stats.js';
import { expectRunsIdenticalWithSwitch, restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

/**
 * SampleBuffer.sorted() sorts samples that are all >= 0 as 64-bit integers (src/util/stats.ts):
 * the bytes must be those of Float64Array#sort for any samples - -0 and +0 apart, NaN,
 * infinities, subnormals, negatives (which take the float sort) - with the switch on and off.
 */
describe('SampleBuffer.sorted (integer sort of non-negative samples)', () => {
  restoreEnvAfterEach('ORCHSIM_NO_INT_SORT');

  /** The samples' bytes, so -0 and +0 and NaN payloads compare exactly. */
  const bytes = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const sortedWith = (values: readonly number[], off: boolean) => {
    if (off) process.env.ORCHSIM_NO_INT_SORT = '1';
    else delete process.env.ORCHSIM_NO_INT_SORT;
    const b = new SampleBuffer(4);
    for (const v of values) b.push(v);
    return b.sorted();
  };

  const sample = fc.oneof(
    fc.constantFrom(0, -0, Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 1, 2 ** 52, 2 ** 53 + 2),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.integer({ min: 0, max: 50 }),
  );
  const anySample = fc.oneof(sample, fc.double(), fc.constantFrom(NaN, -Infinity, -1, -Number.MIN_VALUE));

  /** Sorted with the switch off and on, `values` give the bytes Float64Array#sort gives. */
  const sortsLikeFloat64Array = (values: number[]) => {
    const want = bytes(Float64Array.from(values).sort());
    expect(bytes(sortedWith(values, false))).toEqual(want);
    expect(bytes(sortedWith(values, true))).toEqual(want);
  };

  it('non-negative samples: the same bytes as Float64Array#sort (property)', () => {
    fc.assert(fc.property(fc.array(sample, { maxLength: 3000 }), sortsLikeFloat64Array), { numRuns: 200 });
  });

  it('any samples (negatives, NaN): the same bytes as Float64Array#sort (property)', () => {
    fc.assert(fc.property(fc.array(anySample, { maxLength: 500 }), sortsLikeFloat64Array), { numRuns: 200 });
  });

  it('a copy: the buffer keeps its samples and takes more', () => {
    delete process.env.ORCHSIM_NO_INT_SORT;
    const b = new SampleBuffer(4);
    for (const v of [3, -0, 1, 0, 2]) b.push(v);
    const first = b.sorted();
    b.push(0.5);
    expect(Array.from(first)).toEqual([-0, 0, 1, 2, 3]);
    expect(Object.is(first[0], -0)).toBe(true);
    expect(Array.from(b.sorted())).toEqual([-0, 0, 0.5, 1, 2, 3]);
  });

  // The run's summary sorts the waits where they are (sortedInPlace); the buffer may take more
  // samples after, and any later sort gives the bytes of all samples sorted.
  it('sortedInPlace: the bytes of sorted(), before and after more samples (property)', () => {
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 600 }), fc.array(anySample, { maxLength: 100 }), fc.boolean(), (first, more, off) => {
        if (off) process.env.ORCHSIM_NO_INT_SORT = '1';
        else delete process.env.ORCHSIM_NO_INT_SORT;
        const b = new SampleBuffer(4);
        for (const v of first) b.push(v);
        expect(bytes(b.sortedInPlace())).toEqual(bytes(Float64Array.from(first).sort()));
        for (const v of more) b.push(v);
        const all = bytes(Float64Array.from([...first, ...more]).sort());
        expect(bytes(b.sorted())).toEqual(all);
        expect(bytes(b.sortedInPlace())).toEqual(all);
      }),
      { numRuns: 200 },
    );
  });

  it('random whole runs give byte-identical results with ORCHSIM_NO_INT_SORT on and off (property)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_INT_SORT', 15);
  });
});

/**
 * The buffer notes a negative or NaN sample as it is pushed (src/util/stats.ts), so a sort need
 * not look at every sample to choose the integer sort: with ORCHSIM_NO_SAMPLE_SIGNS on and off,
 * sorting after any pushes, in place or not, and pushing more after a sort, give the bytes of
 * Float64Array#sort.
 */
describe('SampleBuffer: the signs of samples noted as they are pushed', () => {
  restoreEnvAfterEach('ORCHSIM_NO_SAMPLE_SIGNS');

  const bytes = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const anySample = fc.oneof(
    fc.constantFrom(0, -0, Infinity, Number.MIN_VALUE, 1, NaN, -Infinity, -1, -Number.MIN_VALUE),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.double(),
  );

  it('sorted and sortedInPlace after any pushes, and after more: the bytes of Float64Array#sort (property)', () => {
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 400 }), fc.array(anySample, { maxLength: 60 }), fc.boolean(), fc.boolean(), (first, more, off, inPlace) => {
        if (off) process.env.ORCHSIM_NO_SAMPLE_SIGNS = '1';
        else delete process.env.ORCHSIM_NO_SAMPLE_SIGNS;
        const b = new SampleBuffer(4);
        for (const v of first) b.push(v);
        const firstSorted = inPlace ? b.sortedInPlace() : b.sorted();
        expect(bytes(firstSorted)).toEqual(bytes(Float64Array.from(first).sort()));
        for (const v of more) b.push(v);
        expect(bytes(b.sorted())).toEqual(bytes(Float64Array.from([...first, ...more]).sort()));
      }),
      { numRuns: 300 },
    );
  });

  it('random whole runs give byte-identical results with ORCHSIM_NO_SAMPLE_SIGNS on and off (property)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_SAMPLE_SIGNS', 15);
  });
});
