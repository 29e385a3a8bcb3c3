import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.js';

const MiB = 1024 * 1024;

/** The largest trace file read (openb CSV, SWF, failure and Azure LLM traces); see src/workloads/input-limits.ts. */
export const MAX_TRACE_BYTES = 256 * MiB;

/** A byte count as people write it: "16 MiB". */
export function formatBytes(n: number): string {
  return n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`;
}

/**
 * Reads a UTF-8 trace file that a user pointed at (a trace, a node list), of at most MAX_TRACE_BYTES.
 * A missing, unreadable or too large file is bad input, not a crash: it becomes an InputError
 * naming the file, so the CLI prints one line instead of a stack.
 */
export function readTextFile(path: string): string {
  const r = readLimitedText(path, MAX_TRACE_BYTES, 'trace files');
  if ('error' in r) throw new InputError({ file: path, path: [], message: r.error });
  return r.text;
}

/**
 * Reads a UTF-8 text file of at most `maxBytes`, without reading more than that: a larger
 * regular file is refused from its size, and a device or pipe (/dev/zero, /dev/urandom) is
 * refused once it has delivered more. Returns the text, or why the file cannot be read, for the
 * caller to report at its own position.
 */
export function readLimitedText(path: string, maxBytes: number, what: string): { text: string } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { error: readError(e) };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { error: 'is a directory, expected a file' };
    const tooLarge = { error: `is larger than the limit of ${formatBytes(maxBytes)} for ${what}` };
    if (st.isFile() && st.size > maxBytes) return tooLarge;
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(Math.min(maxBytes + 1, 1 << 20));
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return tooLarge;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return { text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (e) {
    return { error: readError(e) };
  } finally {
    closeSync(fd);
  }
}

function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found'
    : code === 'EISDIR' ? 'is a directory, expected a file'
    : code === 'EACCES' ? 'permission denied'
    : `cannot read: ${code ?? String(e)}`;
}

/**
 * Writes files into a directory so that a reader never sees a half-written file and a failed
 * write never clobbers a previous good one: every file goes to a temporary name first, and only
 * when all of them are written are they renamed into place, one after the other. So a failure
 * (a full disk, a chart that cannot be drawn upstream of this call, a kill before the renames)
 * leaves the previous set as it was; only a kill during the renames themselves - a few system
 * calls - can leave some files new and some old. Names may hold subfolders ("charts/a.png").
 * Content is text (written as UTF-8) or bytes (written as is, e.g. a PNG).
 */
export function writeFilesAtomically(dir: string, files: Record<string, string | Uint8Array>): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const target = join(dir, name);
      mkdirSync(dirname(target), { recursive: true });
      const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
      temps.push(tmp);
      writeFileSync(tmp, content);
    }
    Object.keys(files).forEach((name, i) => {
      renameSync(temps[i]!, join(dir, name));
      written.push(join(dir, name));
    });
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
  return written;
}
