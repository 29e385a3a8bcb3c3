import { fstatSync, writeSync } from 'node:fs';
import type { OutputConfiguration } from 'commander';
import { switchedOn } from '../util/switches.js';

/**
 * The CLI's output, written to file descriptors 1 and 2 with fs.writeSync rather than through
 * process.stdout and process.stderr, for start-up time: the first touch of either builds a
 * stream (a SyncWriteStream for a file, a pipe or TTY socket otherwise), which loads some twenty
 * of Node's internal modules (stream, net, tty and their helpers); for `orchsim validate` that
 * was about 14 million instructions of its 390 million over `node -e 0` (bench/README.md section
 * 17, fifth pass). On Linux and macOS the streams write files, pipes and terminals synchronously
 * too, so the same bytes leave in the same order.
 *
 * The first write that fails for another reason than EPIPE (EAGAIN where the descriptor was
 * inherited in non-blocking mode) is handed to the stream, and every later write to that
 * descriptor goes there too: from then on the CLI behaves as it did, errors and all. Windows,
 * where the streams of pipes are asynchronous, keeps the streams. ORCHSIM_NO_DIRECT_WRITE=1 keeps
 * them everywhere (read once, when this module loads).
 *
 * EPIPE, on either path, means the reader has gone (`orchsim --help | head -3`): as a Unix tool
 * killed by SIGPIPE would, the CLI writes nothing more there - but Node ignores SIGPIPE, so the
 * command goes on to finish its other work (files it writes, its exit code) instead of dying with
 * an unhandled stream error and a stack trace.
 */
const DIRECT = switchedOn('ORCHSIM_NO_DIRECT_WRITE') && process.platform !== 'win32';

/** Per descriptor (1, 2): whether writes still go straight to it. */
const direct = { 1: DIRECT, 2: DIRECT };
/** Per descriptor: whether its reader has gone (EPIPE); nothing more is written there. */
const readerGone = { 1: false, 2: false };
/** Per descriptor: whether its stream has the EPIPE listener yet. */
const listening = { 1: false, 2: false };

function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Writes through the descriptor's stream, whose EPIPE (reported later, as an event) marks the reader gone. */
function streamWrite(fd: 1 | 2, data: string | Uint8Array): boolean {
  const s = fd === 1 ? process.stdout : process.stderr;
  if (!listening[fd]) {
    listening[fd] = true;
    s.on('error', (e) => {
      if (!isBrokenPipe(e)) throw e;
      readerGone[fd] = true;
    });
  }
  return s.write(data);
}

function write(fd: 1 | 2, text: string): boolean {
  if (readerGone[fd]) return false;
  if (!direct[fd]) return streamWrite(fd, text);
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    return true;
  } catch (e) {
    if (isBrokenPipe(e)) {
      readerGone[fd] = true;
      return false;
    }
    direct[fd] = false;
    return streamWrite(fd, bytes.subarray(done));
  }
}

/** Writes `text` to standard output. */
export function writeOut(text: string): boolean {
  return write(1, text);
}

/** Writes `text` to standard error. */
export function writeErr(text: string): boolean {
  return write(2, text);
}

/**
 * Whether descriptor `fd` may be a terminal, without building its stream: every terminal is a
 * character device, and a file or pipe is not (/dev/null is one: it goes the stream's way).
 */
function mayBeTerminal(fd: 1 | 2): boolean {
  if (!direct[fd]) return true;
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return true;
  }
}

/**
 * process.stderr.isTTY, without building the stream where descriptor 2 cannot be a terminal (a
 * pipe or file, as when a script or bench/simpy.mjs runs `orchsim run --json`): the progress bar
 * of `run` asked the stream on every run, loading stream and net for nothing.
 */
export function stderrIsTerminal(): boolean {
  return mayBeTerminal(2) && process.stderr.isTTY === true;
}

/**
 * Colours forced on or off by the environment, as commander decides it before it asks the
 * stream (commander 14, lib/command.js `useColor`): NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE.
 */
function colourFromEnvironment(): boolean | undefined {
  const env = process.env;
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}

/**
 * commander's output settings (Command#configureOutput) writing as print and printErr do, and
 * asking a stream for its width and colours only where the descriptor may be a terminal: for
 * help and usage errors written to a file or pipe, commander's defaults built the stream only to
 * learn that it is not a terminal (width and colours undefined, as here).
 */
export function commanderOutput(defaults: OutputConfiguration): OutputConfiguration {
  // commander's own types say number and boolean; its defaults give undefined for a non-terminal.
  const forFd = (fd: 1 | 2, width: () => number, colours: () => boolean) => ({
    width: () => (mayBeTerminal(fd) ? width() : (undefined as unknown as number)),
    colours: () => (mayBeTerminal(fd) ? colours() : (colourFromEnvironment() as boolean)),
  });
  const out = forFd(1, defaults.getOutHelpWidth!, defaults.getOutHasColors!);
  const err = forFd(2, defaults.getErrHelpWidth!, defaults.getErrHasColors!);
  return { ...defaults, writeOut, writeErr, getOutHelpWidth: out.width, getErrHelpWidth: err.width, getOutHasColors: out.colours, getErrHasColors: err.colours };
}
