// Event core, "hold" model: N events pending; each step pops the earliest event and pushes one
// at now + an exponential delay (mean 1). Contenders: orchsim's Engine, orchsim's EventQueue
// used directly, simjs (Sim + Entity.setTimer, and its PQueue used directly) and a bare
// Float64Array binary heap. All read the same pre-generated delays.
//
// Run: node bench/event-core.mjs   (after npm run build)
import { Engine } from '../dist/sim/engine.js';
import { EventQueue } from '../dist/sim/event-queue.js';
import { collectGarbage, exponentialDelays, fmtRate, fmtRatio, isMain, loadSimjs, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';

const SIZES = [1_000, 100_000];
/** Timed events per repetition. */
const EVENTS = 1_000_000;
/** Untimed events before the timed region: JIT warm-up and a heap in steady state. */
const warmupEvents = (n) => Math.max(200_000, 3 * n);
const REPETITIONS = 5;
/** Delays are read cyclically from a table of 2^20 pre-generated variates. */
const DELAY_BITS = 20;
const MASK = (1 << DELAY_BITS) - 1;

// ---- contenders ------------------------------------------------------------------------------
// Each builds its structure and runs the warm-up outside the timed region, then returns
// { events, seconds } for the timed part only.

/** (a) orchsim Engine: a handler that reschedules itself via engine.schedule. */
function engineHold(n, delays) {
  const engine = new Engine(n);
  let i = 0;
  const hold = engine.defineEvent('hold', (subject) => {
    engine.schedule(delays[i++ & MASK], hold, subject);
  });
  for (let s = 0; s < n; s++) engine.schedule(delays[i++ & MASK], hold, s);
  // The engine runs to a time, not an event count: with n pending events of mean delay 1 the
  // event rate is n per unit of simulated time, so `count / n` time units is ~count events.
  engine.run(warmupEvents(n) / n);
  const p0 = engine.processed;
  const until = engine.now + EVENTS / n;
  collectGarbage();
  const t0 = performance.now();
  engine.run(until);
  const seconds = (performance.now() - t0) / 1000;
  if (engine.queue.size !== n) throw new Error(`engine hold: ${engine.queue.size} pending, expected ${n}`);
  return { events: engine.processed - p0, seconds };
}

/** (b) orchsim EventQueue used directly: pop, then push(time + delay, kind, subject). */
function eventQueueHold(n, delays) {
  const q = new EventQueue(n);
  let i = 0;
  for (let s = 0; s < n; s++) q.push(delays[i++ & MASK], 0, s);
  const step = (count) => {
    for (let k = 0; k < count; k++) {
      q.pop();
      q.push(q.time + delays[i++ & MASK], q.kind, q.subject);
    }
  };
  step(warmupEvents(n));
  collectGarbage();
  const t0 = performance.now();
  step(EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  return { events: EVENTS, seconds, check: q.time };
}

/**
 * (c1) simjs, idiomatic: n entities added with sim.addEntity; each one's start() calls
 * this.setTimer(delay).done(this.fire) and fire() does the same again. sim.simulate(Infinity,
 * count) processes exactly `count` events (its maxEvents argument).
 */
function simjsEntityHold(n, delays, simjs) {
  let i = 0;
  class Holder extends simjs.Entity {
    start() {
      this.setTimer(delays[i++ & MASK]).done(this.fire);
    }
    fire() {
      this.setTimer(delays[i++ & MASK]).done(this.fire);
    }
  }
  const sim = new simjs.Sim();
  for (let s = 0; s < n; s++) sim.addEntity(Holder);
  sim.simulate(Infinity, warmupEvents(n));
  collectGarbage();
  const t0 = performance.now();
  sim.simulate(Infinity, EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  if (sim.queue.data.length !== n) throw new Error(`simjs hold: ${sim.queue.data.length} pending, expected ${n}`);
  return { events: EVENTS, seconds };
}

/**
 * (c2) simjs's event queue (PQueue, exported) used directly, as simjs's Sim uses it: Request
 * objects ordered by (deliverAt, insertion order). The popped Request is re-inserted with its
 * new time (no allocation per event: kinder to simjs than its own Sim, which allocates one).
 */
function simjsQueueHold(n, delays, simjs) {
  const q = new simjs.PQueue();
  let i = 0;
  for (let s = 0; s < n; s++) q.insert(new simjs.Request(null, 0, delays[i++ & MASK]));
  const step = (count) => {
    let ro = null;
    for (let k = 0; k < count; k++) {
      ro = q.remove();
      ro.deliverAt = ro.deliverAt + delays[i++ & MASK];
      q.insert(ro);
    }
    return ro;
  };
  step(warmupEvents(n));
  collectGarbage();
  const t0 = performance.now();
  const last = step(EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  return { events: EVENTS, seconds, check: last.deliverAt };
}

/**
 * (d) The practical limit: a bare binary min-heap of Float64Array keys (time only, no
 * sequence, no payload), pop then push written inline in the loop, no simulator around it.
 */
function bareHeapHold(n, delays) {
  const heap = new Float64Array(n + 1);
  let size = 0;
  let i = 0;
  // Fill: push n keys (sift up).
  for (let s = 0; s < n; s++) {
    const t = delays[i++ & MASK];
    let pos = size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = heap[parent];
      if (pt <= t) break;
      heap[pos] = pt;
      pos = parent;
    }
    heap[pos] = t;
  }
  const step = (count) => {
    let now = 0;
    for (let k = 0; k < count; k++) {
      // pop: take the root, move the last key into the hole and sift it down.
      now = heap[0];
      const last = heap[--size];
      const half = size >> 1;
      let pos = 0;
      while (pos < half) {
        let child = 2 * pos + 1;
        let ct = heap[child];
        const right = child + 1;
        if (right < size) {
          const rt = heap[right];
          if (rt < ct) {
            child = right;
            ct = rt;
          }
        }
        if (last <= ct) break;
        heap[pos] = ct;
        pos = child;
      }
      heap[pos] = last;
      // push now + delay (sift up).
      const t = now + delays[i++ & MASK];
      pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        const pt = heap[parent];
        if (pt <= t) break;
        heap[pos] = pt;
        pos = parent;
      }
      heap[pos] = t;
    }
    return now;
  };
  step(warmupEvents(n));
  collectGarbage();
  const t0 = performance.now();
  const now = step(EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  return { events: EVENTS, seconds, check: now };
}

/**
 * (d2) Diagnostic, not a target: the bare heap with orchsim's EventQueue layout - (time, seq)
 * ordering over parallel Float64Array time/seq, Uint8Array kind and Int32Array subject - still
 * inline in the loop. Its gap to (d) is the cost of the layout; its gap to (b) is the cost of
 * going through EventQueue's methods.
 */
function bareLayoutHold(n, delays) {
  const times = new Float64Array(n + 1);
  const seqs = new Float64Array(n + 1);
  const kinds = new Uint8Array(n + 1);
  const subjects = new Int32Array(n + 1);
  let size = 0;
  let nextSeq = 0;
  let i = 0;
  const push = (time, kind, subject) => {
    const seq = nextSeq++;
    let pos = size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[parent] < seq)) break;
      times[pos] = pt;
      seqs[pos] = seqs[parent];
      kinds[pos] = kinds[parent];
      subjects[pos] = subjects[parent];
      pos = parent;
    }
    times[pos] = time;
    seqs[pos] = seq;
    kinds[pos] = kind;
    subjects[pos] = subject;
  };
  for (let s = 0; s < n; s++) push(delays[i++ & MASK], 0, s);
  const step = (count) => {
    let now = 0;
    for (let k = 0; k < count; k++) {
      now = times[0];
      const kind = kinds[0];
      const subject = subjects[0];
      const m = --size;
      const t = times[m];
      const sq = seqs[m];
      const kd = kinds[m];
      const sb = subjects[m];
      const half = m >> 1;
      let pos = 0;
      while (pos < half) {
        let child = 2 * pos + 1;
        let ct = times[child];
        let cs = seqs[child];
        const right = child + 1;
        if (right < m) {
          const rt = times[right];
          if (rt < ct || (rt === ct && seqs[right] < cs)) {
            child = right;
            ct = rt;
            cs = seqs[right];
          }
        }
        if (t < ct || (t === ct && sq < cs)) break;
        times[pos] = ct;
        seqs[pos] = cs;
        kinds[pos] = kinds[child];
        subjects[pos] = subjects[child];
        pos = child;
      }
      times[pos] = t;
      seqs[pos] = sq;
      kinds[pos] = kd;
      subjects[pos] = sb;
      push(now + delays[i++ & MASK], kind, subject);
    }
    return now;
  };
  step(warmupEvents(n));
  collectGarbage();
  const t0 = performance.now();
  const now = step(EVENTS);
  const seconds = (performance.now() - t0) / 1000;
  return { events: EVENTS, seconds, check: now };
}

export const CONTENDERS = [
  { id: 'engine', label: 'orchsim Engine (defineEvent/schedule/run)', run: engineHold },
  { id: 'queue', label: 'orchsim EventQueue (direct)', run: eventQueueHold },
  { id: 'simjs', label: 'simjs Sim + Entity.setTimer().done()', run: simjsEntityHold },
  { id: 'simjsQueue', label: 'simjs PQueue (direct, Request reused)', run: simjsQueueHold },
  { id: 'bare', label: 'bare Float64Array heap (inline)', run: bareHeapHold },
  { id: 'bareLayout', label: 'diag: heap with orchsim ordering (inline)', run: bareLayoutHold },
];

/** Runs the suite, prints its tables and returns summary rows. */
export async function run() {
  console.log(`\n=== Event core: hold model (${machineLine()}) ===`);
  console.log(`${EVENTS.toLocaleString('en-US')} timed events per repetition after max(200k, 3N) warm-up events; median of ${REPETITIONS} repetitions (contenders interleaved).`);
  const simjs = loadSimjs();
  const delays = exponentialDelays(1 << DELAY_BITS, 1, 'event-core/delays');
  const results = {};
  for (const n of SIZES) {
    const rates = Object.fromEntries(CONTENDERS.map((c) => [c.id, []]));
    for (let r = 0; r < REPETITIONS; r++) {
      for (const c of CONTENDERS) {
        const { events, seconds } = c.run(n, delays, simjs);
        rates[c.id].push(events / seconds);
      }
    }
    results[n] = rates;
    const med = Object.fromEntries(CONTENDERS.map((c) => [c.id, median(rates[c.id])]));
    printTable(`Hold model, N = ${n.toLocaleString('en-US')} pending events (events/s)`,
      ['contender', 'median', 'min', 'max', 'vs simjs Sim', 'vs bare heap'],
      CONTENDERS.map((c) => [
        c.label,
        fmtRate(med[c.id]),
        fmtRate(Math.min(...rates[c.id])),
        fmtRate(Math.max(...rates[c.id])),
        fmtRatio(med[c.id] / med.simjs),
        fmtRatio(med[c.id] / med.bare),
      ]));
  }
  const summary = [];
  for (const n of SIZES) {
    const med = (id) => median(results[n][id]);
    const big = n === 100_000;
    const label = `hold N=${n >= 1000 ? `${n / 1000}k` : n}`;
    summary.push(
      { metric: `${label}: Engine vs simjs Sim (events/s)`, orchsim: fmtRate(med('engine')), peer: fmtRate(med('simjs')), ratio: fmtRatio(med('engine') / med('simjs')), target: big ? verdict('>= 3x simjs', med('engine') / med('simjs') >= 3) : '-' },
      { metric: `${label}: Engine vs bare heap (events/s)`, orchsim: fmtRate(med('engine')), peer: fmtRate(med('bare')), ratio: fmtRatio(med('engine') / med('bare')), target: verdict('>= 0.80x bare', med('engine') / med('bare') >= 0.8) },
      { metric: `${label}: EventQueue vs simjs PQueue (events/s)`, orchsim: fmtRate(med('queue')), peer: fmtRate(med('simjsQueue')), ratio: fmtRatio(med('queue') / med('simjsQueue')), target: '-' },
      { metric: `${label}: EventQueue vs bare heap (events/s)`, orchsim: fmtRate(med('queue')), peer: fmtRate(med('bare')), ratio: fmtRatio(med('queue') / med('bare')), target: '-' },
    );
  }
  return { summary, results };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Event core summary');
}
