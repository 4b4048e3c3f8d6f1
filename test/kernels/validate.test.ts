import { describe, expect, it } from 'vitest';
import { expectClose, toHalf } from './validate.js';

describe('expectClose (the kernel tests’ comparison)', () => {
  it('passes within atol + rtol·|want| and lists the first mismatches otherwise', () => {
    expectClose([1, 2.0001, 1e-6], [1, 2, 0], 'close');
    expect(() => expectClose([1, 5, NaN, 3], [1, 2, 3, 3], 'dG')).toThrow(/dG: 2 of 4 elements off by more than 0\.00001 \+ 0\.0001·\|want\|; first:\n {2}\[1\] got 5, want 2\n {2}\[2\] got NaN, want 3/);
  });
});

describe('toHalf (binary16 rounding for the f16 kernels’ references)', () => {
  it('rounds to the nearest binary16, ties to even, subnormals included', () => {
    const got = Array.from(toHalf([1 / 3, -2.5, 65504, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1e-7, 0]));
    expect(got).toEqual([0.333251953125, -2.5, 65504, 1, 1 + 2 ** -9, 2 * 2 ** -24, 0]);
  });
});
