/**
 * A watch over calls into code the simulator did not write (a user's plugin or autoscaler), so
 * that one which never returns is stopped after a time budget and named: plugin, extension
 * point, pod, node and simulated time (issue 17, "guard rails").
 *
 * A call that never returns holds its thread, so only another thread can notice it. The thread
 * that runs the simulation (a worker) writes what it is calling into shared memory, a few integer
 * stores per call; the thread that started it (the main thread, idle while workers run) reads it
 * every so often. When the same call has been in progress for the whole budget, the main thread
 * ends the worker and reports the call from what the shared memory says.
 *
 * Layout of the SharedArrayBuffer (Int32 words unless said):
 *   [0] sequence: calls started so far    [1] depth: calls in progress (nested: a cluster
 *   [2] label of the innermost call            autoscaler asking the scheduler's filters)
 *   [3] extension point of it              [4] node slot of it, -1 for none
 *   [5] byte length of the pod name        [6] 1 when the pod name is set
 *   bytes 32..39: the simulated time (Float64; NaN outside a simulation)
 *   bytes 64..: the pod name (POD_BYTES), the labels (LABELS x LABEL_BYTES), then the node slots
 *   (NODE_SLOTS x SLOT_BYTES: the node's index, Int32, then its name's length and bytes).
 *
 * Names are written only when they change: a label when a plugin is first wrapped, the pod when
 * a call sees another pod, a node slot when another node takes it. So a call costs a handful of
 * stores and comparisons, and the strings are encoded once per pod or node, not once per call.
 */

const SEQ = 0;
const DEPTH = 1;
const LABEL = 2;
const POINT = 3;
const NODE = 4;
const POD_LENGTH = 5;
const HAS_POD = 6;
const TIME_BYTE = 32;
const POD_BYTE = 64;
const POD_BYTES = 256;
const LABELS = 256;
const LABEL_BYTES = 64;
const LABEL_BYTE = POD_BYTE + POD_BYTES;
/** Node slots: nodes past this many share slots (index modulo), rewritten when they alternate. */
const NODE_SLOTS = 16384;
const SLOT_BYTES = 64;
const SLOT_BYTE = LABEL_BYTE + LABELS * LABEL_BYTES;
const BYTES = SLOT_BYTE + NODE_SLOTS * SLOT_BYTES;

/** The extension points and autoscaler calls a watch names (index = the POINT word). */
export const WATCHED_POINTS = ['PreFilter', 'Filter', 'PreScore', 'Score', 'NormalizeScore', 'Reserve', 'call'] as const;
export type WatchedPoint = (typeof WATCHED_POINTS)[number];

/** A pod or node as far as the watch needs it. */
interface Named {
  readonly name: string;
}
interface IndexedNode extends Named {
  readonly index: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `text` into `bytes` at `at` (at most `room` bytes, cut at a character), returns the length. */
function put(bytes: Uint8Array, at: number, room: number, text: string): number {
  return encoder.encodeInto(text, bytes.subarray(at, at + room)).written;
}

/** The writer's side, in the thread that runs the simulation. */
export class CallWatch {
  readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly clock: Float64Array;
  private readonly labels = new Map<string, number>();
  private lastPod: Named | undefined;
  /** The node each slot holds (so a slot is rewritten only when another node takes it). */
  private readonly slotNode: (IndexedNode | undefined)[] = new Array(NODE_SLOTS);

  constructor(readonly buffer: SharedArrayBuffer = newWatchBuffer()) {
    this.words = new Int32Array(buffer, 0, 8);
    this.bytes = new Uint8Array(buffer);
    this.clock = new Float64Array(buffer, TIME_BYTE, 1);
    this.clock[0] = NaN;
  }

  /** The label number of a plugin or autoscaler name (written once). */
  label(name: string): number {
    let id = this.labels.get(name);
    if (id === undefined) {
      id = Math.min(this.labels.size, LABELS - 1);
      this.labels.set(name, id);
      const at = LABEL_BYTE + id * LABEL_BYTES;
      this.bytes[at] = put(this.bytes, at + 1, LABEL_BYTES - 1, name);
    }
    return id;
  }

  /**
   * A call starts: what it is, for whom. Returns the depth before it, which `leave` takes back
   * (an inner call restores the outer call's description when it returns).
   */
  enter(label: number, point: number, pod: Named | undefined, node: IndexedNode | undefined): number {
    const w = this.words;
    const outer = w[DEPTH]!;
    if (outer > 0) {
      this.saved.push(w[LABEL]!, w[POINT]!, w[NODE]!);
      this.savedPods.push(this.lastPod);
    }
    w[LABEL] = label;
    w[POINT] = point;
    if (pod !== this.lastPod) this.setPod(pod);
    if (node === undefined) w[NODE] = -1;
    else {
      const slot = node.index & (NODE_SLOTS - 1);
      if (this.slotNode[slot] !== node) this.setSlot(slot, node);
      w[NODE] = slot;
    }
    w[DEPTH] = outer + 1;
    // Last: a reader that sees the new sequence number sees the description above.
    Atomics.add(w, SEQ, 1);
    return outer;
  }

  leave(outer: number): void {
    const w = this.words;
    w[DEPTH] = outer;
    if (outer > 0) {
      const s = this.saved;
      const pod = this.savedPods.pop();
      if (pod !== this.lastPod) this.setPod(pod);
      w[NODE] = s.pop()!;
      w[POINT] = s.pop()!;
      w[LABEL] = s.pop()!;
    }
  }

  /** The outer calls' descriptions while an inner call runs: label, point, node slot; pod. */
  private readonly saved: number[] = [];
  private readonly savedPods: (Named | undefined)[] = [];

  /** The simulated time the run has reached (the engine writes it before each event). */
  get time(): Float64Array {
    return this.clock;
  }

  private setPod(pod: Named | undefined): void {
    this.lastPod = pod;
    if (pod === undefined) {
      this.words[HAS_POD] = 0;
      return;
    }
    this.words[POD_LENGTH] = put(this.bytes, POD_BYTE, POD_BYTES, pod.name);
    this.words[HAS_POD] = 1;
  }

  private setSlot(slot: number, node: IndexedNode): void {
    this.slotNode[slot] = node;
    const at = SLOT_BYTE + slot * SLOT_BYTES;
    new Int32Array(this.buffer, at, 1)[0] = node.index;
    this.bytes[at + 4] = put(this.bytes, at + 5, SLOT_BYTES - 5, node.name);
  }
}

export function newWatchBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(BYTES);
}

/** What a watch says is being called. */
export interface WatchedCall {
  readonly label: string;
  readonly point: WatchedPoint;
  readonly pod: string | undefined;
  readonly node: string | undefined;
  /** Simulated seconds; undefined outside a simulation (the FGD experiment has no clock). */
  readonly time: number | undefined;
}

/** The reader's side, in the thread that watches (it never writes). */
export class WatchReader {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly clock: Float64Array;
  private lastSeq = -1;
  private stuckSince: number | undefined;
  private stuckSinceCpu = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, 8);
    this.bytes = new Uint8Array(buffer);
    this.clock = new Float64Array(buffer, TIME_BYTE, 1);
  }

  /**
   * Looks at the watch at wall time `now` (milliseconds, any origin): true once the same call
   * has been in progress since a look at least `budgetMs` ago. With `cpu` (the process's CPU
   * milliseconds, process.cpuUsage), the time counted is the lesser of the wall time and the CPU
   * time the process used meanwhile: a call that never returns burns CPU whenever its thread
   * runs, while a thread the operating system does not run (a machine loaded far beyond its
   * cores) is not blamed for the wait.
   */
  stuck(now: number, budgetMs: number, cpu: number = now): boolean {
    const seq = Atomics.load(this.words, SEQ);
    if (this.words[DEPTH]! === 0 || seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.stuckSince = this.words[DEPTH]! === 0 ? undefined : now;
      this.stuckSinceCpu = cpu;
      return false;
    }
    if (this.stuckSince === undefined) {
      this.stuckSince = now;
      this.stuckSinceCpu = cpu;
    }
    return Math.min(now - this.stuckSince, cpu - this.stuckSinceCpu) >= budgetMs;
  }

  /** Forgets what it saw (the thread was replaced or starts another task). */
  reset(): void {
    this.lastSeq = -1;
    this.stuckSince = undefined;
  }

  /** The call in progress (read after `stuck` said so). */
  call(): WatchedCall {
    const w = this.words;
    const text = (at: number, length: number) => decoder.decode(this.bytes.slice(at, at + length));
    const labelAt = LABEL_BYTE + w[LABEL]! * LABEL_BYTES;
    const slot = w[NODE]!;
    const slotAt = SLOT_BYTE + slot * SLOT_BYTES;
    const time = this.clock[0]!;
    return {
      label: text(labelAt + 1, this.bytes[labelAt]!),
      point: WATCHED_POINTS[w[POINT]!] ?? 'call',
      pod: w[HAS_POD] === 1 ? text(POD_BYTE, w[POD_LENGTH]!) : undefined,
      node: slot >= 0 ? text(slotAt + 5, this.bytes[slotAt + 4]!) : undefined,
      time: Number.isNaN(time) ? undefined : time,
    };
  }
}

/** The sentence a timed-out call is reported with, in PluginError's words. */
export function describeTimeout(call: WatchedCall, budgetSeconds: number): string {
  const what = call.point === 'call' ? `${call.label}` : `plugin ${call.label} ${call.point}`;
  return `${what} did not return within ${budgetSeconds} s${call.pod !== undefined ? ` for pod ${call.pod}` : ''}${call.node !== undefined ? ` on node ${call.node}` : ''}${call.time !== undefined ? ` at simulated time ${Number(call.time.toFixed(3))} s` : ''} (the time budget per call is set with --plugin-timeout)`;
}

/** The time budget of one call into a user's plugin or autoscaler, unless --plugin-timeout says. */
export const DEFAULT_PLUGIN_TIMEOUT_SECONDS = 1;

/** The budget to watch calls with, for runs with these modules: undefined when not watched. */
export function callBudget(moduleCount: number, seconds: number | undefined): number | undefined {
  const budget = seconds ?? DEFAULT_PLUGIN_TIMEOUT_SECONDS;
  return moduleCount > 0 && budget > 0 ? budget : undefined;
}

/** A call that did not return within its budget (exit 1, like a plugin that threw). */
export class CallTimeoutError extends Error {
  constructor(readonly call: WatchedCall, readonly budgetSeconds: number) {
    super(describeTimeout(call, budgetSeconds));
    this.name = 'CallTimeoutError';
  }
}

/** The watch of this thread, when the thread that started it watches (see installCallWatch). */
let active: CallWatch | undefined;
/** Where the engine writes its clock: the active watch's, or a scratch cell. */
export let watchedClock: Float64Array = new Float64Array(1);

/** Makes `buffer` this thread's watch: calls wrapped from now on report to it. */
export function installCallWatch(buffer: SharedArrayBuffer | undefined): void {
  active = buffer ? new CallWatch(buffer) : undefined;
  watchedClock = active ? active.time : new Float64Array(1);
}

export function activeCallWatch(): CallWatch | undefined {
  return active;
}
