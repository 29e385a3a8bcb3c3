import { writeSync } from 'node:fs';
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
 * The first write that fails for any reason (EAGAIN where the descriptor was inherited in
 * non-blocking mode, EPIPE where the reader has gone) is handed to the stream, and every later
 * write to that descriptor goes there too: from then on the CLI behaves as it did, errors and
 * all. Windows, where the streams of pipes are asynchronous, keeps the streams.
 * ORCHSIM_NO_DIRECT_WRITE=1 keeps them everywhere (read once, when this module loads).
 */
const DIRECT = switchedOn('ORCHSIM_NO_DIRECT_WRITE') && process.platform !== 'win32';

/** Per descriptor (1, 2): whether writes still go straight to it. */
const direct = { 1: DIRECT, 2: DIRECT };

function stream(fd: 1 | 2): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

function write(fd: 1 | 2, text: string): boolean {
  if (!direct[fd]) return stream(fd).write(text);
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    return true;
  } catch {
    direct[fd] = false;
    return stream(fd).write(bytes.subarray(done));
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
