/**
 * A full garbage collection once the server goes idle after large request bodies.
 *
 * V8 collects when JavaScript allocates, so a server that falls quiet after a burst of big
 * bodies keeps the garbage they left - their text, the objects parsed from it, the responses -
 * resident for as long as it stays quiet: measured, 24 bodies of 62 MB left 588 MB of heap and
 * 182 MB of buffers unclaimed 20 s later (bench/extender-limits.mjs). Collecting once, when no
 * body has been in flight for a second, gives that memory back; under steady load it never
 * runs (a full collection there stalled requests: p99 90 ms against 30 ms without).
 *
 * `gc` is V8's own, exposed for this process only (the documented --expose-gc flag, set at
 * run time and read from a fresh context, since the main context was created before it).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes of large bodies since the last collection worth one. */
const WORTH_COLLECTING = 32 * 1024 * 1024;
/**
 * Bodies smaller than this are not counted: what they leave dies young and goes with V8's next
 * scavenge (a 1,500-node NodeNames request is 44 KB), while a NodeList of megabytes is parsed
 * into objects that outlive a scavenge and are left for a full collection that, on a quiet
 * server, never comes.
 */
const LARGE_BODY = 1024 * 1024;
/** How long the server must stay without a body in flight first. */
const IDLE_MS = 1_000;

let gc: (() => void) | undefined;
function collector(): (() => void) | undefined {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = () => {}; // not available (another engine): the next allocation will collect
    }
  }
  return gc;
}

function fullCollection(): void {
  const gc = collector();
  gc?.();
  gc?.(); // the second one compacts what the first freed (the first frees, V8 then shrinks)
}

export class IdleCollector {
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the last body was done with (performance.now(); the server's clock, not a simulation's). */
  private lastRelease = 0;

  /** `busy`: whether a body is in flight now; `collect`: a full collection (V8's, by default). */
  constructor(private readonly busy: () => boolean, private readonly collect: () => void = fullCollection) {}

  /** A body of `bytes` is done with. */
  released(bytes: number): void {
    this.lastRelease = performance.now();
    if (bytes < LARGE_BODY) return;
    this.bytes += bytes;
    if (this.bytes >= WORTH_COLLECTING && this.timer === undefined) this.wait(IDLE_MS);
  }

  /**
   * Collects once IDLE_MS have passed with no body in flight and none done with: never while
   * requests keep coming, where a full collection would only stall them (V8 collects as they
   * allocate anyway).
   */
  private wait(ms: number): void {
    this.timer = setTimeout(() => {
      const quiet = performance.now() - this.lastRelease;
      if (this.busy()) return this.wait(IDLE_MS);
      if (quiet < IDLE_MS) return this.wait(IDLE_MS - quiet);
      this.timer = undefined;
      this.bytes = 0;
      this.collect();
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
