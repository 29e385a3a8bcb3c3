import { escapeControls } from '../util/errors.js';
import { formatDuration } from '../util/quantity.js';

/**
 * Progress of the commands that take long (compare, sweep, experiment fgd, plan): one line on
 * stderr, redrawn in place, only when stderr is a terminal - never in pipes, CI logs or --json
 * output (DESIGN.md, "Command line"). The lines are pure functions of the counts and times, so
 * tests call them directly; the wall clock is read here, in the CLI, never in a run.
 */

const BAR_WIDTH = 30;

/** `[#####.........]`: done of total, BAR_WIDTH characters wide. */
function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round(Math.min(1, Math.max(0, done / total)) * BAR_WIDTH) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * Seconds left at the pace so far: `done - first` runs took `elapsedSeconds` (`first`: runs
 * already done when the clock started, such as finished runs found on resume, which cost
 * nothing). Undefined until a run has finished in this session, or when all are done.
 */
export function etaSeconds(done: number, total: number, first: number, elapsedSeconds: number): number | undefined {
  const ran = done - first;
  if (ran <= 0 || done >= total || !(elapsedSeconds > 0)) return undefined;
  return ((total - done) * elapsedSeconds) / ran;
}

/** `[####.....] 31/60 runs, ETA 2m10s`; no ETA when it is not known yet. */
export function runProgressLine(done: number, total: number, eta: number | undefined): string {
  return `${bar(done, total)} ${done}/${total} runs${eta !== undefined && Number.isFinite(eta) ? `, ETA ${formatDuration(Math.round(eta))}` : ''}`;
}

/**
 * A plan's progress: the candidate being decided, its seeds so far, and how long its remaining
 * seeds should take at the pace so far. A whole-plan ETA is not shown: the search decides how
 * many candidates to ask about as it goes (each verdict picks the next size), and a candidate
 * stops early once an SLO cannot hold, so no total is known in advance.
 */
export function planProgressLine(p: { readonly candidate: string; readonly seedsDone: number; readonly seeds: number; readonly runs: number; readonly eta: number | undefined }): string {
  const eta = p.eta !== undefined && Number.isFinite(p.eta) && p.seedsDone < p.seeds ? `, ETA ${formatDuration(Math.round(p.eta))} for this candidate` : '';
  return `${bar(p.seedsDone, p.seeds)} ${escapeControls(p.candidate)}: seed ${p.seedsDone} of ${p.seeds}${eta} (${p.runs} run${p.runs === 1 ? '' : 's'} so far)`;
}

/** Where progress goes: stderr in the CLI; a stand-in in tests. */
export interface ProgressSink {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

export interface RunProgress {
  /** Call after each finished run; undefined when progress is off (so callers skip the work). */
  readonly onRun: ((done: number, total: number) => void) | undefined;
  /** Erases the line (call before printing anything else). */
  readonly clear: () => void;
}

const ERASE_LINE = '\r\x1b[K';

/** Runs done / total with an ETA from the pace so far, on stderr when it is a terminal. */
export function runProgress(enabled: boolean, sink: ProgressSink = process.stderr, now: () => number = () => performance.now()): RunProgress {
  if (!enabled || !sink.isTTY) return { onRun: undefined, clear: () => {} };
  const t0 = now();
  let first: number | undefined;
  return {
    onRun: (done, total) => {
      // Pace from the runs done in this session (finished runs found on resume cost nothing).
      first ??= done - 1;
      sink.write(ERASE_LINE + runProgressLine(done, total, etaSeconds(done, total, first, (now() - t0) / 1000)));
    },
    clear: () => sink.write(ERASE_LINE),
  };
}

export interface PlanProgress {
  readonly onRun: ((candidate: string, seedsDone: number, seeds: number) => void) | undefined;
  /** A candidate decided: `line` is kept above the progress line. */
  readonly onCandidate: ((line: string) => void) | undefined;
  readonly clear: () => void;
}

/**
 * `orchsim plan`'s progress, on stderr when it is a terminal: the current candidate's seeds with
 * its ETA, and the verdict of each candidate as a line of its own.
 */
export function planProgress(enabled: boolean, sink: ProgressSink = process.stderr, now: () => number = () => performance.now()): PlanProgress {
  if (!enabled || !sink.isTTY) return { onRun: undefined, onCandidate: undefined, clear: () => {} };
  const t0 = now();
  let runs = 0;
  return {
    onRun: (candidate, seedsDone, seeds) => {
      runs++;
      // Seconds per run at the pace so far (workers included: they finish runs faster).
      const perRun = (now() - t0) / 1000 / runs;
      sink.write(ERASE_LINE + planProgressLine({ candidate, seedsDone, seeds, runs, eta: (seeds - seedsDone) * perRun }));
    },
    onCandidate: (line) => sink.write(`${ERASE_LINE}${line}\n`),
    clear: () => sink.write(ERASE_LINE),
  };
}
