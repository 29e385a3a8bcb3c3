import { Worker } from 'node:worker_threads';
import { CallTimeoutError, newWatchBuffer, WatchReader } from '../util/call-watch.js';
import { failureError, type PostedFailure } from './worker-errors.js';

export interface PoolOptions<T, R> {
  readonly workers: number;
  readonly workerUrl: URL;
  /** Runs a task in this thread (with 1 worker or fewer, or a single task), unless calls are watched. */
  readonly inline: (t: T) => R;
  /**
   * Seconds a call into a user's plugin or autoscaler may take (src/util/call-watch.ts). When
   * set, tasks always run on worker threads, even one task with one worker: only a thread that
   * is not running the call can end it.
   */
  readonly callBudgetSeconds?: number | undefined;
  /**
   * A task whose call outlasted the budget: the result to record for it (the worker is replaced
   * and the batch goes on), or undefined to end the batch with the CallTimeoutError.
   */
  readonly onTimeout?: ((task: T, error: CallTimeoutError) => R | undefined) | undefined;
  /** Progress messages a worker posts while running a task ({index, progress}). */
  readonly onProgress?: ((index: number, progress: unknown) => void) | undefined;
}

/** How often the main thread looks at a worker's call watch: a quarter of the budget, at most 100 ms. */
const watchInterval = (budgetMs: number) => Math.max(5, Math.min(100, budgetMs / 4));

/**
 * Worker threads kept across batches of tasks (a capacity search runs many small batches, one
 * candidate cluster at a time, and starting a worker costs the module load). One task at a time
 * per worker; each batch's results come back in task order, whichever worker finished first.
 */
export class WorkerPool<T, R> {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  /** The call watch each worker writes to, when calls are watched. */
  private readonly watches = new Map<Worker, WatchReader>();

  constructor(private readonly options: PoolOptions<T, R>) {}

  private spawn(): Worker {
    const budget = this.options.callBudgetSeconds;
    if (budget === undefined) {
      const w = new Worker(this.options.workerUrl);
      this.all.push(w);
      return w;
    }
    const buffer = newWatchBuffer();
    const w = new Worker(this.options.workerUrl, { workerData: { callWatch: buffer } });
    this.watches.set(w, new WatchReader(buffer));
    this.all.push(w);
    return w;
  }

  async run(tasks: readonly T[], onResult?: (done: number, total: number, result: R) => void): Promise<R[]> {
    const results = new Array<R>(tasks.length);
    const budget = this.options.callBudgetSeconds;
    if ((this.options.workers <= 1 || tasks.length <= 1) && budget === undefined) {
      tasks.forEach((t, i) => {
        results[i] = this.options.inline(t);
        onResult?.(i + 1, tasks.length, results[i]!);
      });
      return results;
    }
    if (tasks.length === 0) return results;
    while (this.all.length < Math.max(1, Math.min(this.options.workers, tasks.length))) this.idle.push(this.spawn());
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const busy: Worker[] = [];
      /** The task each busy worker is running. */
      const running = new Map<Worker, number>();
      let failed = false;
      let timer: ReturnType<typeof setInterval> | undefined;
      const finish = () => {
        if (timer !== undefined) clearInterval(timer);
        resolve();
      };
      const release = (w: Worker) => {
        w.removeAllListeners('message');
        w.removeAllListeners('error');
        w.removeAllListeners('exit');
        busy.splice(busy.indexOf(w), 1);
        this.idle.push(w);
      };
      const stop = (e: Error) => {
        if (failed) return;
        failed = true;
        if (timer !== undefined) clearInterval(timer);
        // A worker that failed mid-task may hold state: end them all rather than reuse them.
        void this.close();
        reject(e);
      };
      const feed = (w: Worker) => {
        running.delete(w);
        if (next >= tasks.length) {
          release(w);
          if (busy.length === 0) finish();
          return;
        }
        const index = next++;
        running.set(w, index);
        this.watches.get(w)?.reset();
        w.postMessage({ index, task: tasks[index] });
      };
      const listen = (w: Worker) => {
        busy.push(w);
        w.on('message', (msg: { index: number; result?: R; progress?: unknown } & Partial<PostedFailure>) => {
          if (msg.progress !== undefined) return this.options.onProgress?.(msg.index, msg.progress);
          if (msg.error !== undefined) return stop(failureError(msg as PostedFailure));
          results[msg.index] = msg.result!;
          done++;
          try {
            onResult?.(done, tasks.length, msg.result!);
          } catch (e) {
            // The caller's own failure (say, appending to a file on a full disk): end the batch
            // with it rather than throwing out of an event listener.
            return stop(e instanceof Error ? e : new Error(String(e)));
          }
          feed(w);
        });
        w.on('error', (e) => stop(e));
        // A worker that ends without an error event (process.exit in a plugin, say) would
        // otherwise leave the batch waiting forever.
        w.on('exit', (code) => stop(new Error(`a worker thread exited (code ${code}) while running a task`)));
      };
      // A worker whose call outlasted the budget is ended (nothing else stops a call that never
      // returns); its task is recorded as the caller says, or ends the batch.
      const timedOut = (w: Worker, reader: WatchReader) => {
        const index = running.get(w)!;
        const error = new CallTimeoutError(reader.call(), budget!);
        const result = this.options.onTimeout?.(tasks[index]!, error);
        w.removeAllListeners();
        busy.splice(busy.indexOf(w), 1);
        running.delete(w);
        this.all.splice(this.all.indexOf(w), 1);
        this.watches.delete(w);
        void w.terminate();
        if (result === undefined) return stop(error);
        results[index] = result;
        done++;
        try {
          onResult?.(done, tasks.length, result);
        } catch (e) {
          return stop(e instanceof Error ? e : new Error(String(e)));
        }
        const fresh = this.spawn();
        listen(fresh);
        feed(fresh);
      };
      if (budget !== undefined) {
        const budgetMs = budget * 1000;
        timer = setInterval(() => {
          const now = performance.now();
          const usage = process.cpuUsage();
          const cpu = (usage.user + usage.system) / 1000;
          for (const [w, _index] of running) {
            const reader = this.watches.get(w);
            if (reader?.stuck(now, budgetMs, cpu)) return timedOut(w, reader);
          }
        }, watchInterval(budgetMs));
      }
      const workers = this.idle.splice(0, Math.min(this.idle.length, tasks.length));
      for (const w of workers) listen(w);
      for (const w of workers) feed(w);
    });
    return results;
  }

  /** Ends the worker threads. */
  async close(): Promise<void> {
    const workers = this.all.splice(0);
    this.idle.length = 0;
    this.watches.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Runs tasks on `workers` worker threads (one task at a time per worker) and returns the results
 * in task order, so the output does not depend on which worker finished first. With 1 worker or
 * fewer, the tasks run in this thread through `inline`.
 */
export async function runPool<T, R>(tasks: readonly T[], options: PoolOptions<T, R> & { onResult?: (done: number, total: number, result: R) => void }): Promise<R[]> {
  const pool = new WorkerPool(options);
  try {
    return await pool.run(tasks, options.onResult);
  } finally {
    await pool.close();
  }
}
