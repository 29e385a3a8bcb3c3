/**
 * "Did you mean" for a misspelled name: the candidates nearest to it by optimal string alignment
 * distance (Levenshtein plus the swap of two neighbours), with the limits commander uses for
 * unknown options and commands (commander lib/suggestSimilar.js, not exported by the package):
 * at most 3 edits, more than 40% of the longer name kept, no one-character guesses. So a
 * misspelled key in a file gets the same help as a misspelled flag.
 */

const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

/** Edit distance of a and b, or a number above MAX_DISTANCE once it is certain to exceed it. */
export function editDistance(a: string, b: string): number {
  // Lengths that differ by more than the limit cannot be within it; this also keeps a huge key
  // from a hostile file from costing a table of its length times the candidate's.
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidates nearest to `word` (ties sorted), none when nothing is near enough. */
export function similarNames(word: string, candidates: Iterable<string>): string[] {
  let best = MAX_DISTANCE;
  let similar: string[] = [];
  for (const c of new Set(candidates)) {
    if (c.length <= 1 || c === word) continue;
    const distance = editDistance(word, c);
    const length = Math.max(word.length, c.length);
    if ((length - distance) / length <= MIN_SIMILARITY) continue;
    if (distance < best) {
      best = distance;
      similar = [c];
    } else if (distance === best) similar.push(c);
  }
  return similar.sort();
}

/** ` (did you mean "x"?)`, ` (did you mean "x" or "y"?)`, or '' when nothing is near. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const similar = similarNames(word, candidates).map((c) => JSON.stringify(c));
  if (similar.length === 0) return '';
  return ` (did you mean ${similar.length === 1 ? similar[0] : `${similar.slice(0, -1).join(', ')} or ${similar[similar.length - 1]}`}?)`;
}
