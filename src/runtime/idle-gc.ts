/**
 * A full garbage collection once the server goes idle after large request bodies.
 *
 * V8 collects when JavaScript allocates, so a server that falls quiet after a burst of big
 * bodies keeps the garbage they left - their text, the objects parsed from it, the responses -
 * resident for as long as it stays quiet: measured, 24 bodies of 62 MB left 588 MB of heap and
 * 182 MB of buffers unclaimed 20 s later (bench/extender-limits.mjs). Collecting once, a
 * moment after the last large body is done with, gives that memory back.
 *
 * `gc` is V8's own, exposed for this process only (the documented --expose-gc flag, set at
 * run time and read from a fresh context, since the main context was created before it).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes of bodies since the last collection worth one. */
const WORTH_COLLECTING = 32 * 1024 * 1024;
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

export class IdleCollector {
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `busy`: whether a body is in flight now. */
  constructor(private readonly busy: () => boolean) {}

  /** A body of `bytes` is done with. */
  released(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes >= WORTH_COLLECTING && this.timer === undefined) this.wait();
  }

  /** Collects after IDLE_MS without a body in flight, looking again while there is one. */
  private wait(): void {
    this.timer = setTimeout(() => {
      if (this.busy()) return this.wait();
      this.timer = undefined;
      this.bytes = 0;
      const gc = collector();
      gc?.();
      gc?.(); // the second one compacts what the first freed (the first frees, V8 then shrinks)
    }, IDLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
