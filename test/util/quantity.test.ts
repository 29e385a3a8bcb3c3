import { describe, expect, it } from 'vitest';
import { formatDuration, parseBytes, parseDuration, parseMilliCPU, parseQuantity } from '../../src/util/quantity.js';
import { parseRate } from '../../src/scenario/units.js';

describe('quantities (resource.Quantity)', () => {
  it.each([
    ['500m', 500], ['2', 2000], [2, 2000], ['0.5', 500], ['1.25', 1250], ['100u', 1], ['2k', 2_000_000],
  ])('cpu %s -> %i milli', (q, m) => expect(parseMilliCPU(q)).toBe(m));
  it.each([
    ['4Gi', 4 * 2 ** 30], ['512Mi', 512 * 2 ** 20], ['1G', 1e9], ['128974848', 128974848], ['1e3', 1000], ['1.5Ki', 1536],
  ])('memory %s -> %i bytes', (q, b) => expect(parseBytes(q)).toBe(b));
  it.each(['abc', '4GB', '', '1..5', '--1', 'Gi'])('rejects %s', (q) => expect(parseQuantity(q)).toBeUndefined());
});

describe('durations', () => {
  it.each([
    ['90s', 90], ['5m', 300], ['2h', 7200], ['7d', 604800], ['1h30m', 5400], ['500ms', 0.5], ['1w', 604800], [42, 42], ['42', 42],
  ])('%s -> %i s', (d, s) => expect(parseDuration(d)).toBe(s));
  it.each(['5 minutes', 'm', '-5s', '5x', ''])('rejects %s', (d) => expect(parseDuration(d)).toBeUndefined());
  it('formats for people', () => {
    expect(formatDuration(86400 + 3600 * 4)).toBe('1d4h');
    expect(formatDuration(1.5)).toBe('1.5s');
  });
});

describe('rates', () => {
  it.each([['120/h', 120 / 3600], ['2/m', 2 / 60], ['0.5/s', 0.5], [3, 3], ['10/d', 10 / 86400]])('%s -> %f per second', (r, v) => expect(parseRate(r)).toBeCloseTo(v, 12));
  it('rejects junk', () => expect(parseRate('fast')).toBeUndefined());
});
