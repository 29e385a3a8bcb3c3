import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The folder layering of DESIGN.md ("Layers and folders"), checked on the import lines of every
 * file under src/ so that it cannot rot: dependencies point downward, cli -> report / scenario /
 * runtime -> sim / schedulers / autoscalers / workloads -> api, with small shared utilities in
 * util. A rule is a list of folders a folder must not import (a deny list, so that a new folder
 * is allowed by default and a forbidden edge is named in the failure).
 */

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** One import or re-export of a project file: the importing file and the imported one, both relative to src/. */
interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly line: number;
}

// `import ... from '...'`, `export ... from '...'`, `import '...'` and `import('...')` with a
// relative specifier (package imports are not layers). Multi-line import lists end in `from '...'`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The project files a source text imports, resolved against its own path (`.js` specifiers name `.ts` files). */
function importEdges(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trimStart();
    if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) continue;
    for (const m of line.matchAll(SPECIFIER)) {
      const to = posix.normalize(posix.join(posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to, line: i + 1 });
    }
  }
  return edges;
}

/** The folder of a file under src/ ('api', 'sim', ...); files at the top of src/ (index.ts) are 'index'. */
function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file.replace(/\.ts$/, '') : file.slice(0, slash);
}

/** Folders each folder must not import. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  // The policy API depends on nothing else in the project.
  api: ['*'],
  // Shared utilities (seeded streams, distributions, statistics, files) sit just above api.
  util: ['*', '-api'],
  // The engine knows the policy API and the utilities only; policies are handed to it.
  sim: ['*', '-api', '-util'],
  // Policies and workload generators are written against the API, never the engine.
  schedulers: ['sim', 'autoscalers', 'workloads', 'scenario', 'experiments', 'report', 'runtime', 'cli', 'testing', 'index'],
  autoscalers: ['sim', 'workloads', 'scenario', 'experiments', 'report', 'runtime', 'cli', 'testing', 'index'],
  workloads: ['sim', 'schedulers', 'autoscalers', 'scenario', 'experiments', 'report', 'runtime', 'cli', 'testing', 'index'],
  // The production runtime shares the policies, not the simulator.
  runtime: ['sim', 'scenario', 'experiments', 'report', 'cli', 'testing', 'index'],
  // Experiments produce data; report formats it (so report may import experiments, not the reverse).
  experiments: ['report', 'cli', 'runtime', 'testing', 'index'],
  report: ['cli', 'runtime', 'testing', 'index'],
  scenario: ['experiments', 'report', 'runtime', 'cli', 'testing', 'index'],
  testing: ['cli', 'report', 'experiments', 'runtime', 'index'],
  // run / compare / plan as functions returning data (src/commands.ts): the CLI's core without its printing.
  commands: ['cli', 'report', 'runtime', 'testing', 'index'],
  // The trace datasets (catalogue, data directory, downloads) stand on the utilities alone; scenario files and the CLI name their files.
  data: ['*', '-util'],
  // Only the CLI is imported by nothing.
  '*': ['cli'],
};

/** Whether `from` may import `to` under FORBIDDEN ('*' forbids every other folder; '-x' then allows x). */
function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const own = FORBIDDEN[from] ?? [];
  if ((FORBIDDEN['*'] ?? []).includes(to)) return false;
  if (own.includes('*')) return own.includes(`-${to}`);
  return !own.includes(to);
}

/** The edges that break the layering. */
function violations(edges: readonly ImportEdge[]): ImportEdge[] {
  return edges.filter((e) => !allowed(folderOf(e.from), folderOf(e.to)));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(relative(SRC, path).split(sep).join('/'));
  }
  return out;
}

describe('layers', () => {
  const files = sourceFiles(SRC);
  const edges = files.flatMap((f) => importEdges(f, readFileSync(join(SRC, f), 'utf8')));

  it('reads the import lines of every file under src/', () => {
    expect(files.length).toBeGreaterThan(50);
    // Every folder of src/ has a rule (a new folder must say where it sits).
    const folders = new Set(files.map(folderOf));
    folders.delete('index');
    for (const f of folders) if (f !== 'cli') expect(Object.keys(FORBIDDEN), `no layering rule for src/${f}`).toContain(f);
    // Every import resolves to a file that exists (so a parse error cannot hide an edge).
    const known = new Set(files);
    for (const e of edges) expect(known.has(e.to), `${e.from}:${e.line} imports ${e.to}`).toBe(true);
    expect(edges.length).toBeGreaterThan(200);
  });

  it('imports point downward, as DESIGN.md draws them', () => {
    const bad = violations(edges).map((e) => `src/${e.from}:${e.line} imports src/${e.to}`);
    expect(bad).toEqual([]);
  });

  it('fails on a violation', () => {
    const cases: [string, string][] = [
      ['api/node.ts', "import type { SimNode } from '../sim/cluster.js';"],
      ['util/stats.ts', "import { x } from '../report/charts.js';"],
      ['sim/engine.ts', "import { fgd } from '../schedulers/plugins/fgd.js';"],
      ['runtime/source.ts', "import type { NodeSpec } from '../sim/cluster.js';"],
      ['experiments/slo.ts', "export { tCritical } from '../report/stats.js';"],
      ['experiments/compare.ts', "const m = await import('../cli/main.js');"],
      ['report/charts.ts', "import {\n  a,\n  b,\n} from '../cli/main.js';"],
      ['workloads/batch.ts', "import type { PodSpecSource } from '../sim/workload.js';"],
    ];
    for (const [file, text] of cases) expect(violations(importEdges(file, text)), `${file}: ${text}`).toHaveLength(1);
    // And the allowed ones pass (a subfolder import stays in its folder).
    const ok: [string, string][] = [
      ['sim/cluster.ts', "import type { NodeSpec } from '../api/node.js';"],
      ['schedulers/plugins/fgd.ts', "import { register } from '../registry.js';"],
      ['report/plan-report.ts', "import type { Slo } from '../experiments/slo.js';"],
      ['index.ts', "export * from './api/index.js';"],
      ['util/random.ts', "// import { x } from '../sim/engine.js';"],
    ];
    for (const [file, text] of ok) expect(violations(importEdges(file, text)), `${file}: ${text}`).toEqual([]);
  });
});
