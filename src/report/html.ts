import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Building blocks of self-contained HTML reports: one file that opens from disk, offline, with
 * its charts drawn and interactive - so a report can be mailed, attached to a ticket or opened
 * on an air-gapped machine. Nothing is fetched: the Vega libraries are inlined from
 * node_modules, the chart specs are inlined as JSON.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * JSON for a `<script type="application/json">` element. Every `<` becomes `\u003c`, which
 * JSON.parse reads back as `<`: a string in the data (a scenario or arm name, a title) can then
 * neither close the script element (`</script`) nor open an HTML comment (`<!--`).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Library code for an inline `<script>` element. The HTML parser ends a script at `</script`
 * (any case) and enters an escaped state at `<!--`, wherever they occur in the code. Minified
 * libraries have them only inside string, template or regular-expression literals, where the
 * escape `\x3c` means the same `<` (also in a `u`-flag regular expression, where `<\!--` would
 * be an error).
 * Not every `</` can be rewritten: a regular expression `/</g` would become `/<\/g` and never
 * end, so only the two sequences the parser reacts to are.
 */
export function scriptText(code: string): string {
  return code.replace(/<(\/script|!--)/gi, '\\x3c$1');
}

const require = createRequire(import.meta.url);

/**
 * The directory of an installed package. Resolved from this module, not from the working
 * directory, so a report can be written from anywhere; found from the package's main entry,
 * because vega and vega-lite do not export their package.json or build files.
 */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the directory of package ${name} (resolved ${require.resolve(name)})`);
    dir = parent;
  }
}

/** The browser builds a report inlines, in load order: vega-lite needs vega, vega-embed both. */
const BROWSER_BUILDS = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

let libraries: string | undefined;

/**
 * `<script>` elements with vega, vega-lite and vega-embed (about 0.8 MB), which define the
 * globals `vega`, `vegaLite` and `vegaEmbed`. Read once per process: the files do not change
 * while it runs.
 */
export function vegaScripts(): string {
  libraries ??= BROWSER_BUILDS.map(({ name, file }) => {
    const code = readFileSync(join(packageDir(name), file), 'utf8');
    return `<script data-library="${name}">${scriptText(code)}</script>`;
  }).join('\n');
  return libraries;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #1f2328; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; }
th { background: #f6f8fa; }
/* Wide comparisons (several arms) scroll sideways in their own box; the metric names keep a readable width. */
.table-scroll { overflow-x: auto; }
tbody th[scope="row"] { min-width: 16rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.significant { font-weight: 600; }
td.number .interval { display: block; font-size: 0.8rem; color: #59636e; font-weight: 400; }
td.better { background: #e6f4ea; }
td.worse { background: #fce8e6; }
figure { margin: 1.5rem 0; }
.headline { font-size: 1.1rem; line-height: 1.5; margin: 1rem 0 1.25rem; padding: 0.75rem 1rem; background: #f6f8fa; border-left: 4px solid #0969da; }
details.no-difference { margin: 0 0 1.5rem; color: #59636e; }
details.no-difference summary { cursor: pointer; }
details.no-difference ul { margin: 0.3rem 0; columns: 2; }
.chart { min-height: 120px; }
.chart-error { color: #b3261e; }
pre.summary { overflow-x: auto; font-size: 0.8rem; background: #f6f8fa; padding: 0.75rem; }
`;

/**
 * A self-contained report page: `body` (HTML lines, figures with `id="chart-<name>"` for the
 * charts) and every chart drawn in the browser by vega-embed from its spec, inlined as JSON,
 * with vega, vega-lite and vega-embed inlined from node_modules. The export action (PNG/SVG) is
 * kept; the ones that open the online editor or show the source are off.
 */
export function htmlPage(title: string, body: readonly string[], charts: readonly { readonly name: string; readonly spec: unknown }[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
<script type="application/json" id="chart-specs">${scriptJson(charts)}</script>
${vegaScripts()}
<script>
(function () {
  var charts = JSON.parse(document.getElementById('chart-specs').textContent);
  charts.forEach(function (chart) {
    var element = document.getElementById('chart-' + chart.name);
    vegaEmbed(element, chart.spec, {
      renderer: 'svg',
      downloadFileName: chart.name,
      actions: { export: true, source: false, compiled: false, editor: false },
    }).catch(function (error) {
      element.className = 'chart chart-error';
      element.textContent = 'This chart could not be drawn: ' + error.message;
      console.error(error);
    });
  });
})();
</script>
</body>
</html>
`;
}

/** A chart figure for htmlPage. */
export const chartFigure = (name: string, title: string): string =>
  `<figure><div class="chart" id="chart-${name}" data-chart="${name}" role="img" aria-label="${escapeHtml(title)}"></div></figure>`;
