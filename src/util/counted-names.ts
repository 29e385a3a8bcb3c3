import { switchedOn } from './switches.js';

/**
 * Names that count up, `<prefix><n>` (a workload's pods: `jobs-0`, `jobs-1`, ...), built
 * without converting `n` to a string for each name.
 *
 * Why: `prefix + n` converts the number through V8's number-string cache, which misses for
 * every new count and writes the new string into the cache (an old-space store with its write
 * barrier): in the M/M/c run (bench/README.md section 16) that conversion was about 1.5% of the
 * run's samples (`StringAddConvertRight`, `RecordWrite` under it), for 200,000 pod names.
 * Here a name of n >= 1000 is the block's head, `<prefix><floor(n / 1000)>`, made once per
 * thousand names, joined to one of 1,000 shared three-digit tails ("000" to "999"); a name of
 * n < 1000 is the prefix joined to a shared "0" to "999". One string concatenation per name,
 * and the same characters as `prefix + n` for every integer n >= 0 (anything else - never a
 * pod count - takes the plain concatenation).
 *
 * Off: ORCHSIM_NO_COUNTED_NAMES=1 (read when the names are set up): every name is `prefix + n`.
 * test/util/counted-names.test.ts compares both ways.
 */
export class CountedNames {
  private blockHead = '';
  private block = -1;
  /** The shared digit tables; undefined when switched off. */
  private readonly digits: DigitTables | undefined;

  constructor(readonly prefix: string, on = switchedOn('ORCHSIM_NO_COUNTED_NAMES')) {
    this.digits = on ? tables() : undefined;
  }

  /** `prefix + n`, the same string. */
  name(n: number): string {
    const t = this.digits;
    if (t === undefined || !(n >= 0 && n <= MAX_COUNT && Math.floor(n) === n)) return this.prefix + n;
    if (n < 1000) return this.prefix + t.plain[n]!;
    const block = Math.floor(n / 1000);
    if (block !== this.block) {
      this.block = block;
      this.blockHead = this.prefix + block;
    }
    return this.blockHead + t.padded[n - block * 1000]!;
  }
}

/** Integers up to here are exact doubles with plain decimal strings (no exponent). */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

interface DigitTables {
  readonly plain: readonly string[];
  readonly padded: readonly string[];
}

let shared: DigitTables | undefined;

/** "0" to "999", and the same three digits wide ("000" to "999"); made on first use. */
function tables(): DigitTables {
  if (shared) return shared;
  const plain: string[] = [];
  const padded: string[] = [];
  for (let i = 0; i < 1000; i++) {
    plain.push(String(i));
    padded.push(String(i).padStart(3, '0'));
  }
  return (shared = { plain, padded });
}
