/**
 * Fetches one data file into place: streamed to a temporary file beside the target while its
 * SHA-256 is computed, checked against the pinned size and digest, and only then renamed over
 * the target. Any failure (a server error, a connection closed early, a wrong digest, a kill)
 * leaves no partial file under the target's name, and the temporary file is removed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import { removeStaleTemps, tempName } from '../util/files.js';
import type { DataFile } from './catalogue.js';

/** A network or server failure: the download may work another time (exit code 1). */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

/** Where one file's bytes come from: an http(s) URL or a local file, possibly xz-compressed. */
export interface FileSource {
  /** An http(s) URL or an absolute path. */
  readonly location: string;
  readonly xz?: boolean | undefined;
}

/** How long a server may stay silent before the download is given up (connect, headers or body). */
const IDLE_TIMEOUT_MS = 60_000;

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** The bytes of `source` as a web stream, and their length when the server says it. */
async function openSource(source: FileSource, file: DataFile, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  if (!isHttpUrl(source.location)) {
    // A mirror directory: the file is read as is; a missing one is a bad --from (exit 2). Only a
    // regular file: opening a FIFO would wait for a writer forever.
    let regular = false;
    try {
      regular = statSync(source.location).isFile();
    } catch {
      // createReadStream below says what is wrong.
    }
    if (!regular && existsSync(source.location)) throw new InputError({ file: source.location, path: [], message: `the mirror's ${file.path} is not a regular file` });
    const stream = createReadStream(source.location);
    await new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', (e: NodeJS.ErrnoException) =>
        fail(new InputError({ file: source.location, path: [], message: e.code === 'ENOENT' ? `the mirror has no ${file.path}` : `cannot read ${file.path} from the mirror: ${e.code ?? e.message}` })),
      );
    });
    return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
  }
  let res: Response;
  try {
    res = await fetch(source.location, { redirect: 'follow', signal });
  } catch (e) {
    throw new DownloadError(`cannot fetch ${source.location}: ${describe(e)}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new DownloadError(`${source.location}: the server answered ${res.status} ${res.statusText}`.trimEnd());
  }
  return res.body;
}

/** A fetch failure in words: undici hides the reason (ECONNREFUSED, "other side closed") in `cause`. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return `no answer for ${IDLE_TIMEOUT_MS / 1000} s`;
  const cause = e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return cause ? `${e.message} (${cause.message}${code && !cause.message.includes(code) ? `, ${code}` : ''})` : e.message;
}

/** The xz decompressor, loaded only for the one file that needs it (a WebAssembly module). */
async function unpackXz(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const mod = (await import('xz-decompress')) as unknown as { default: { XzReadableStream: new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> } };
  return new mod.default.XzReadableStream(stream);
}

/**
 * Fetches `file` from `source` into `target`. `onBytes` is told the bytes written so far (of the
 * unpacked file). Throws DownloadError for a network or server failure and InputError for
 * content that does not match the catalogue.
 */
export async function fetchFile(file: DataFile, source: FileSource, target: string, onBytes?: (written: number) => void): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  removeStaleTemps(dirname(target), [basename(target)]);
  const tmp = tempName(target, process.pid);
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), IDLE_TIMEOUT_MS);
  };
  touch();
  const fh = await open(tmp, 'w');
  let closed = false;
  try {
    let stream = await openSource(source, file, controller.signal);
    if (source.xz) stream = await unpackXz(stream);
    const hash = createHash('sha256');
    let written = 0;
    try {
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
        touch();
        written += chunk.length;
        // More than the catalogue's size is wrong content: stop reading rather than fill the disk.
        if (written > file.bytes) throw mismatch(file, source, `more than the expected ${file.bytes} bytes`);
        hash.update(chunk);
        await fh.write(chunk);
        onBytes?.(written);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new DownloadError(`${source.location}: the transfer broke off after ${written} of ${file.bytes} bytes of ${file.path}: ${source.xz ? `the xz stream is damaged or cut short (${describe(e)})` : describe(e)}`);
    }
    const digest = hash.digest('hex');
    if (written !== file.bytes) throw mismatch(file, source, `${written} bytes, expected ${file.bytes}`);
    if (digest !== file.sha256) throw mismatch(file, source, `SHA-256 ${digest}, expected ${file.sha256}`);
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, target);
  } finally {
    clearTimeout(idle);
    if (!closed) await fh.close().catch(() => {});
    await rm(tmp, { force: true });
  }
}

function mismatch(file: DataFile, source: FileSource, what: string): InputError {
  return new InputError({ file: source.location, path: [], message: `checksum mismatch for ${file.path}: ${what}; the file was not written (a mirror or upstream that changed, or a damaged copy)` });
}
