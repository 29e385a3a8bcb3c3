import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
