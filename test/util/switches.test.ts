import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { switchedOn } from '../../src/util/switches.js';

describe('switchedOn (the ORCHSIM_NO_<NAME> switches)', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['0', true],
    ['1', false],
    ['true', false],
    ['yes', false],
  ])('ORCHSIM_NO_X=%s leaves the shortcut on: %s', (value, on) => {
    expect(switchedOn('ORCHSIM_NO_X', value === undefined ? {} : { ORCHSIM_NO_X: value })).toBe(on);
  });

  it('reads only the variable it is given', () => {
    expect(switchedOn('ORCHSIM_NO_X', { ORCHSIM_NO_Y: '1' })).toBe(true);
  });

  it('every ORCHSIM_NO_* variable that src/ and scripts/ read is listed in the README (its "Benchmarks" switches)', () => {
    const files = ['src', 'scripts'].flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|mjs|cjs)$/.test(f)).map((f) => join(dir, f)));
    const read = new Set(files.flatMap((f) => readFileSync(f, 'utf8').match(/ORCHSIM_NO_[A-Z0-9_]+/g) ?? []));
    // The switch test's own example name is not a switch.
    read.delete('ORCHSIM_NO_X');
    expect(read.size).toBeGreaterThan(20);
    const readme = new Set(readFileSync('README.md', 'utf8').match(/ORCHSIM_NO_[A-Z0-9_]+/g) ?? []);
    expect([...read].filter((v) => !readme.has(v)).sort()).toEqual([]);
  });
});
