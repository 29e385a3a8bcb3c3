// V8's perf map (`node --perf-basic-prof` writes /tmp/perf-PID.map: one line per code object,
// `START SIZE NAME` in hex) read as sorted code ranges, for naming the JIT code that callgrind
// counts as anonymous addresses (bench/jit-functions.mjs, bench/warm-instructions.mjs).
import { readFileSync } from 'node:fs';

/** The code ranges of a V8 perf map, sorted by start address: [start, end, name]. */
export function codeRanges(mapFile) {
  return readFileSync(mapFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      const s = parseInt(start, 16);
      return [s, s + parseInt(size, 16), name.join(' ')];
    })
    .sort((a, b) => a[0] - b[0]);
}

/** The range holding `addr`, by binary search; undefined outside every range. */
export function rangeOf(ranges, addr) {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][0] <= addr) lo = mid + 1;
    else hi = mid - 1;
  }
  const r = ranges[hi];
  return r !== undefined && addr < r[1] ? r : undefined;
}
