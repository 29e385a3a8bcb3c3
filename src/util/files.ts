import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

/**
 * Reads a UTF-8 text file that a user pointed at (a trace, a node list). A missing or unreadable
 * file is bad input, not a crash: it becomes an InputError naming the file, so the CLI prints one
 * line instead of a stack. (src/scenario/load.ts and resolve.ts keep their own variants, which
 * phrase the error for scenario files and manifests.)
 */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'file not found'
      : code === 'EISDIR' ? 'is a directory, expected a file'
      : code === 'EACCES' ? 'permission denied'
      : `cannot read: ${code ?? String(e)}`;
    throw new InputError({ file: path, path: [], message });
  }
}
