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
});
