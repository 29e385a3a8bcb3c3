import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
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

/** What a path is when it is not a regular file, for a message ("a FIFO (named pipe)"). */
function notRegular(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
}

/**
 * Reads a UTF-8 text file of at most `maxBytes`. Only regular files are read: the path is
 * checked before it is opened (opening a FIFO waits for a writer, forever), opened without
 * blocking, and checked again once open (it may have been replaced in between); a device or a
 * pipe (/dev/zero, /dev/stdin, a FIFO) is refused, and a regular file larger than the limit is
 * refused from its size, never read past it. Returns the text, or why the file cannot be read,
 * for the caller to report at its own position.
 */
export function readLimitedText(path: string, maxBytes: number, what: string): { text: string } | { error: string } {
  let fd: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { error: 'is a directory, expected a file' };
    if (!st.isFile()) return { error: `is ${notRegular(st)}, expected a regular file` };
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { error: readError(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: `is ${notRegular(st)}, expected a regular file` };
    const tooLarge = { error: `is larger than the limit of ${formatBytes(maxBytes)} for ${what}` };
    if (st.size > maxBytes) return tooLarge;
    // One buffer of the file's size (and a byte to see it grow), read into directly: a file near
    // the limit is held once as bytes and once as text, never as chunks and their copy too.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        // It grew while being read: it stops at the limit all the same.
        if (total > maxBytes) return tooLarge;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > maxBytes) return tooLarge;
    return { text: buf.toString('utf8', 0, total) };
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
    : code === 'ENOTDIR' ? 'file not found (a folder on its path is a file)'
    : code === 'ELOOP' ? 'cannot read: too many symbolic links'
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
  checkOutDir(dir);
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir, Object.keys(files));
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const target = join(dir, name);
      mkdirSync(dirname(target), { recursive: true });
      const tmp = tempName(target, process.pid);
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

/** The temporary name of `target` while process `pid` writes it: `.NAME.PID.tmp` beside it. */
export function tempName(target: string, pid: number): string {
  return join(dirname(target), `.${basename(target)}.${pid}.tmp`);
}

/** Whether process `pid` is alive (on this machine): signal 0 checks without sending anything. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files a killed writer left in the folders of `names` (`.NAME.PID.tmp`,
 * see writeFilesAtomically) whose process is gone. Only that naming scheme, and only for a PID
 * that is not alive, so another process writing into the same folder now is left alone.
 */
export function removeStaleTemps(dir: string, names: readonly string[]): void {
  const folders = new Set(names.map((n) => dirname(join(dir, n))));
  for (const folder of folders) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      continue; // not there yet
    }
    for (const e of entries) {
      const m = /^\.(.+)\.(\d+)\.tmp$/.exec(e);
      if (!m) continue;
      const pid = Number(m[2]);
      if (pid !== process.pid && !isAlive(pid)) rmSync(join(folder, e), { force: true });
    }
  }
}

/**
 * An output folder (--out) must be a folder or not exist yet: a regular file (or a path through
 * one) there is bad input, found before anything runs rather than when the results are written.
 */
export function checkOutDir(dir: string): void {
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new InputError({ file: dir, path: [], message: 'cannot be an output folder: a part of its path is a file' });
    throw new InputError({ file: dir, path: [], message: `cannot be an output folder: ${readError(e)}` });
  }
  if (!st.isDirectory()) throw new InputError({ file: dir, path: [], message: `is ${st.isFile() ? 'a file' : notRegular(st)}, expected an output folder (--out names a folder; remove the file or choose another name)` });
}
