import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes files into a directory so that a reader never sees a half-written file and a failed
 * write never clobbers a previous good one: each goes to a temporary name, then is renamed.
 * Content is text (written as UTF-8) or bytes (written as is, e.g. a PNG).
 */
export function writeFilesAtomically(dir: string, files: Record<string, string | Uint8Array>): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const tmp = join(dir, `.${name}.${process.pid}.tmp`);
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
