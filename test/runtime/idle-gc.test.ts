import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleCollector } from '../../src/runtime/idle-gc.js';

const MiB = 2 ** 20;

describe('IdleCollector: one full collection once the server falls quiet after large bodies', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('collects a second after the last large body, once', () => {
    const collect = vi.fn();
    const idle = new IdleCollector(() => false, collect);
    idle.released(40 * MiB);
    vi.advanceTimersByTime(999);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('never collects while requests keep coming, however many bytes pass', () => {
    const collect = vi.fn();
    const idle = new IdleCollector(() => false, collect);
    for (let ms = 0; ms < 30_000; ms += 5) {
      idle.released(2 * MiB);
      vi.advanceTimersByTime(5);
    }
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_001);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('waits while a body is in flight, and not at all for small amounts', () => {
    const collect = vi.fn();
    let busy = true;
    const idle = new IdleCollector(() => busy, collect);
    idle.released(40 * MiB);
    vi.advanceTimersByTime(5_000);
    expect(collect).not.toHaveBeenCalled();
    busy = false;
    vi.advanceTimersByTime(1_001);
    expect(collect).toHaveBeenCalledTimes(1);
    // Small bodies never add up to a collection: their garbage dies young.
    const small = new IdleCollector(() => false, collect);
    for (let k = 0; k < 2_000; k++) small.released(64 * 1024);
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });
});
