/**
 * The search behind `orchsim plan`: the cheapest pool sizes that pass, asking `decide` (which
 * runs the simulations) as few times as it can. It assumes what capacity planning assumes: more
 * nodes never hurt - if a cluster passes, every cluster with at least as many nodes of every
 * searched pool passes too. Common random numbers across sizes make that hold for the metrics
 * seed by seed in most scenarios, but not always for the verdict: a bound on the mean also
 * widens with the spread over seeds, which more nodes can increase. SLOs that more nodes make
 * harder (a utilization floor, a cost ceiling) break it outright and are refused by the caller.
 * `searchGrid` asks about every candidate and needs no assumption.
 */

export interface PoolSpace {
  readonly name: string;
  /** Smallest size to consider. */
  readonly lo: number;
  /** Largest size to consider; undefined: no limit but `maxNodes` (a single pool only). */
  readonly hi: number | undefined;
  /** Where an open-ended search starts (the scenario's count). */
  readonly start: number;
  /** Price of one node per hour (0 when the plan minimizes nodes). */
  readonly price: number;
  /**
   * Nodes one step of the size adds (default 1): an autoscaled pool's size is the maximum of
   * each of its node groups (one per zone), so a step adds a node to every group.
   */
  readonly nodesPerStep?: number | undefined;
}

export interface SearchSpace {
  readonly pools: readonly PoolSpace[];
  /** 'cost': cheapest per hour (ties: fewer nodes); 'nodes': fewest nodes. */
  readonly objective: 'cost' | 'nodes';
  /** Price per hour of the pools not searched. */
  readonly fixedCost: number;
  /** Largest cluster cost per hour to consider. */
  readonly budget?: number | undefined;
  /** Largest total of the searched pools (the scenario node limit). */
  readonly maxNodes: number;
}

export type Sizes = readonly number[];
export type Decide = (sizes: Sizes) => Promise<boolean>;

export interface SearchHooks {
  /**
   * Whether two failing sizes gave exactly the same results: then more nodes change nothing
   * (something else limits the SLOs, such as an HPA's maxReplicas), and an open-ended search
   * stops doubling instead of growing to the node limit.
   */
  readonly unchanged?: ((smaller: Sizes, larger: Sizes) => boolean) | undefined;
  /** Told when an open-ended search stopped for that reason. */
  readonly onSaturated?: ((smaller: Sizes, larger: Sizes) => void) | undefined;
}

/** Nodes of the searched pools at these sizes. */
export function nodesOf(space: SearchSpace, sizes: Sizes): number {
  let nodes = 0;
  sizes.forEach((n, i) => (nodes += n * (space.pools[i]!.nodesPerStep ?? 1)));
  return nodes;
}

/** Price per hour of the whole cluster with these sizes. */
export function costOf(space: SearchSpace, sizes: Sizes): number {
  let c = space.fixedCost;
  sizes.forEach((n, i) => (c += n * (space.pools[i]!.nodesPerStep ?? 1) * space.pools[i]!.price));
  return c;
}

// Prices are decimals (0.384/h): compare costs to a tolerance so 3 x 0.1 equals 0.3.
const EPS = 1e-9;

/** Whether `a` is strictly better than `b`: cheaper (or fewer nodes), then fewer nodes, then smaller sizes in pool order. */
export function better(space: SearchSpace, a: Sizes, b: Sizes): boolean {
  if (space.objective === 'cost') {
    const ca = costOf(space, a);
    const cb = costOf(space, b);
    if (Math.abs(ca - cb) > EPS * Math.max(1, Math.abs(cb))) return ca < cb;
  }
  const na = nodesOf(space, a);
  const nb = nodesOf(space, b);
  if (na !== nb) return na < nb;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Within the budget and the node limit. */
export function allowed(space: SearchSpace, sizes: Sizes): boolean {
  if (nodesOf(space, sizes) > space.maxNodes) return false;
  return space.budget === undefined || costOf(space, sizes) <= space.budget * (1 + EPS);
}

/** The smallest passing value in [lo, hi] of a monotone predicate that holds at hi (bisection). */
async function firstPassing(lo: number, hi: number, passes: (n: number) => Promise<boolean>): Promise<number> {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await passes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/** Every combination of the pools' ranges, in lexicographic order (the grid). */
export function* combinations(ranges: readonly { readonly lo: number; readonly hi: number }[]): Generator<number[]> {
  if (ranges.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = ranges;
  for (let n = first!.lo; n <= first!.hi; n++) for (const tail of combinations(rest)) yield [n, ...tail];
}

/**
 * The best passing sizes under monotonicity, or undefined when none passes within the ranges,
 * the budget and the node limit.
 *
 * One pool: from the scenario's count, double upward until a size passes (when no upper bound
 * is given; stopping early when doubling changed nothing, see SearchHooks), then bisect between
 * the last failure and the first pass. Several pools: for each
 * combination of all but the last pool, bisect the last pool's smallest passing size, below
 * both the smallest size found for a dominated combination (more nodes never need more) and
 * the largest size that could still beat the best answer so far - so most combinations cost one
 * decision or none.
 */
export async function searchCheapest(space: SearchSpace, decide: Decide, hooks: SearchHooks = {}): Promise<Sizes | undefined> {
  const k = space.pools.length;
  if (k === 1) return searchOne(space, decide, hooks);
  const last = space.pools[k - 1]!;
  const ranges = space.pools.slice(0, -1).map((p) => ({ lo: p.lo, hi: p.hi! }));
  const found: { prefix: number[]; size: number }[] = [];
  let best: Sizes | undefined;
  for (const prefix of combinations(ranges)) {
    // A combination with at least as many nodes of every other pool as one already solved needs
    // no more of the last pool - and with exactly as many it would cost more: so one fewer.
    let top = last.hi!;
    for (const f of found) if (f.prefix.every((x, i) => prefix[i]! >= x)) top = Math.min(top, f.size - 1);
    const usable = (n: number) => allowed(space, [...prefix, n]) && (best === undefined || better(space, [...prefix, n], best));
    while (top >= last.lo && !usable(top)) top--;
    if (top < last.lo) continue;
    if (!(await decide([...prefix, top]))) continue;
    const size = await firstPassing(last.lo, top, (n) => decide([...prefix, n]));
    found.push({ prefix, size });
    best = [...prefix, size];
  }
  return best;
}

async function searchOne(space: SearchSpace, decide: Decide, hooks: SearchHooks): Promise<Sizes | undefined> {
  const pool = space.pools[0]!;
  let cap = Math.min(pool.hi ?? Infinity, Math.floor(space.maxNodes / (pool.nodesPerStep ?? 1)));
  while (cap >= pool.lo && !allowed(space, [cap])) cap--;
  if (cap < pool.lo) return undefined;
  const passes = (n: number) => decide([n]);
  if (pool.hi !== undefined) return (await passes(cap)) ? [await firstPassing(pool.lo, cap, passes)] : undefined;
  const start = Math.min(Math.max(pool.start, pool.lo), cap);
  if (await passes(start)) return [await firstPassing(pool.lo, start, passes)];
  // Gallop: the failing size doubles its step each time, so an answer far above the start
  // takes a logarithmic number of decisions too.
  let failed = start;
  let step = Math.max(1, start);
  while (failed < cap) {
    const n = Math.min(failed + step, cap);
    if (await passes(n)) return [await firstPassing(failed + 1, n, passes)];
    if (hooks.unchanged?.([failed], [n])) {
      hooks.onSaturated?.([failed], [n]);
      return undefined;
    }
    failed = n;
    step *= 2;
  }
  return undefined;
}

/** The best passing sizes, deciding every candidate in the (closed) ranges: no assumption, every run. */
export async function searchGrid(space: SearchSpace, decide: Decide): Promise<Sizes | undefined> {
  let best: Sizes | undefined;
  for (const sizes of combinations(space.pools.map((p) => ({ lo: p.lo, hi: p.hi! })))) {
    if (!allowed(space, sizes)) continue;
    if ((await decide(sizes)) && (best === undefined || better(space, sizes, best))) best = sizes;
  }
  return best;
}
