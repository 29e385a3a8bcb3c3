/**
 * `orchsim data pull` and `orchsim data list`: the public traces on demand (see src/data/). Exit
 * codes as everywhere: 2 for bad input (an unknown dataset, a bad --from, content that does not
 * match its pinned SHA-256), 1 when the network or a server fails.
 */
import type { Command } from 'commander';
import { catalogue, DATASETS } from '../data/catalogue.js';
import { DATA_PREFIX, dataDir, dataDirOrigin, locateTrace } from '../data/dir.js';
import type { PullProgress } from '../data/pull.js';
import { escapeControls, InputError } from '../util/errors.js';
import { writeErr, writeOut } from './stdio.js';

const print = (text: string) => writeOut(escapeControls(text));
const printErr = (text: string) => writeErr(escapeControls(text));

/**
 * One line of progress, redrawn in place at most every 100 ms and at each file's start and end;
 * only on a terminal. The path is escaped; the redraw codes are not.
 */
function progressLine(formatSize: (bytes: number) => string): (p: PullProgress) => void {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (p.written !== 0 && p.written !== p.file.bytes && now - last < 100) return;
    last = now;
    process.stderr.write(`\r\x1b[K${escapeControls(`[${p.index}/${p.count}] ${p.file.path} ${formatSize(p.written)} / ${formatSize(p.file.bytes)}`)}`);
  };
}

const DATA_HELP = `
Where the data comes from: public GitHub repositories at pinned commits (the Alibaba GPU trace
of the FGD paper, Parallel Workloads Archive logs, LANL failure records, the Azure LLM inference
trace), each file checked against the SHA-256 orchsim pins. The Cloud Uptime Archive and
Bitbrains traces are parquet upstream; orchsim reads their CSV conversion, which only a mirror
has (--from). \`orchsim data list\` shows sources and terms of use.

Data directory: --dir, else $ORCHSIM_DATA, else $XDG_CACHE_HOME/orchsim, else ~/.cache/orchsim.
Scenarios and options name a pulled file as ${DATA_PREFIX}PATH, e.g. ${DATA_PREFIX}openb/openb_pod_list_default.csv.

Examples:
  $ orchsim data pull openb                       # the FGD experiment's trace
  $ orchsim data pull all --from /mnt/orchsim-data  # every dataset from a local mirror
  $ orchsim data pull swf --from http://mirror.example/orchsim-data/
  $ orchsim data list`;

/**
 * The file a trace option (--nodes, --pods) names: a path from the working directory, or a
 * `data:` file of the data directory; a `data:` file that is not there is bad input saying the
 * command that fetches it.
 */
export function traceOption(value: string, flag: string): string {
  const r = locateTrace(value);
  if ('error' in r) throw new InputError({ file: flag, path: [], message: r.error });
  return r.abs;
}

export function addDataCommands(program: Command): void {
  const data = program.command('data').description('Fetch the public traces that trace scenarios and experiments read, and list what is there.').addHelpText('after', DATA_HELP);

  data
    .command('pull')
    .description('Download datasets into the data directory, each file checked against its pinned SHA-256 and written whole or not at all.')
    .argument('<dataset...>', `${DATASETS.map((d) => d.name).join(', ')}, or all`)
    .option('--dir <dir>', 'data directory (default: $ORCHSIM_DATA, else $XDG_CACHE_HOME/orchsim or ~/.cache/orchsim)')
    .option('--from <dir-or-url>', 'a mirror laid out like the data directory (a folder, or an http(s) URL of one) instead of the upstream repositories')
    .addHelpText('after', DATA_HELP)
    .action(async (names: string[], opts: { dir?: string; from?: string }) => {
      // The downloader (node:crypto, node:stream) only for this command: every other start skips it.
      const [{ DownloadError }, { parseMirror, pull, selectDatasets }, { formatSize }] = await Promise.all([import('../data/download.js'), import('../data/pull.js'), import('../data/status.js')]);
      const datasets = catalogue();
      const mirror = opts.from !== undefined ? parseMirror(opts.from) : undefined;
      const { datasets: chosen, skipped } = selectDatasets(names, datasets, mirror);
      const dir = dataDir(opts.dir);
      const tty = process.stderr.isTTY === true;
      let result;
      try {
        result = await pull(chosen, dir, { mirror, dirOrigin: dataDirOrigin(opts.dir), onProgress: tty ? progressLine(formatSize) : undefined });
      } catch (e) {
        if (tty) process.stderr.write('\r\x1b[K');
        if (e instanceof DownloadError) {
          printErr(`error: download failed: ${e.message}\n(nothing half-written was left in ${dir}; run the same command again to retry)\n`);
          process.exit(1);
        }
        throw e;
      }
      if (tty) process.stderr.write('\r\x1b[K');
      const bytes = result.fetched.reduce((s, f) => s + f.bytes, 0);
      if (chosen.length > 0) {
        print(`pulled ${chosen.map((d) => d.name).join(', ')} into ${dir}: ${result.fetched.length} file(s) fetched (${formatSize(bytes)}) from ${opts.from ?? 'upstream'}, ${result.present.length} already there\n`);
      }
      if (skipped.length > 0) {
        printErr(`note: not pulled: ${skipped.map((d) => d.name).join(', ')}; only a mirror has their files (parquet upstream): orchsim data pull ${skipped.map((d) => d.name).join(' ')} --from MIRROR\n`);
      }
    });

  data
    .command('list')
    .description('Show each dataset: whether it is in the data directory, its size, source and terms of use.')
    .option('--dir <dir>', 'data directory (default: $ORCHSIM_DATA, else $XDG_CACHE_HOME/orchsim or ~/.cache/orchsim)')
    .option('--json', 'print the list as JSON on stdout')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const { datasetStatus, formatSize } = await import('../data/status.js');
      const dir = dataDir(opts.dir);
      const rows = datasetStatus(catalogue(), dir);
      if (opts.json) {
        print(`${JSON.stringify({ dir, datasets: rows }, null, 2)}\n`);
        return;
      }
      const lines = [`data directory: ${dir} (${dataDirOrigin(opts.dir)})`, ''];
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        const state = r.state === 'ready' ? 'ready' : r.state === 'missing' ? 'missing' : r.state === 'partial' ? `partial (${r.present} of ${r.files} files)` : `changed (${r.changed.length} file(s) differ from their SHA-256)`;
        lines.push(`${r.name.padEnd(w)}  ${state.padEnd(9)}  ${formatSize(r.bytes).padStart(9)}  ${r.description}`);
        lines.push(`${''.padEnd(w)}  source: ${r.source}`);
        lines.push(`${''.padEnd(w)}  terms:  ${r.terms}`);
        if (r.state !== 'ready') lines.push(`${''.padEnd(w)}  fetch:  ${r.pull}${r.mirrorOnly ? ' (parquet upstream: only a mirror has the CSV)' : ''}`);
      }
      print(`${lines.join('\n')}\n`);
    });
}
