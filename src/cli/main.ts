#!/usr/bin/env node
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve as resolvePath, sep } from 'node:path';
// Only what defining the commands needs is imported here: each command imports what it runs when
// it runs (`orchsim validate` and `--help` load no experiment, report or chart code).
import { PluginError } from '../api/framework.js';
import { FGD_POLICIES } from '../experiments/fgd-policies.js';
import type { FgdTask } from '../experiments/fgd-runner.js';
import type { ExperimentOptions } from '../experiments/compare.js';
import type { CapacityPlanResults, PlanPool } from '../experiments/capacity.js';
import type { RunRecord } from '../experiments/records.js';
import { DEFAULT_METRICS_START, parseMetricsStart } from '../report/openmetrics.js';
import { SCHEMA_KINDS, type SchemaKind } from '../scenario/schema-kinds.js';
import { checkOutDir, writeFilesAtomically } from '../util/files.js';
import { escapeControls, formatIssue, InputError, type InputIssue } from '../util/errors.js';
import { formatDuration, parseDuration } from '../util/quantity.js';
import { callBudget, CallTimeoutError, DEFAULT_PLUGIN_TIMEOUT_SECONDS } from '../util/call-watch.js';
import { addServeCommand } from './serve-command.js';
import { parseCount, parsePositive, parseSeed } from './option-parsers.js';
import { addDataCommands, traceOption } from './data.js';
import { planProgress, runProgress } from './progress.js';
import { interpretSchemaParsing } from './schema-parsing.js';
import { commanderOutput, stderrIsTerminal, writeErr, writeOut } from './stdio.js';

/**
 * Everything printed goes through escapeControls: names and messages come from input files, and
 * an escape sequence in a scenario's name must not reach the terminal as one.
 */
function print(text: string): boolean {
  return writeOut(escapeControls(text));
}
function printErr(text: string): boolean {
  return writeErr(escapeControls(text));
}

/** Exit codes: 0 success, 1 the run failed, 2 bad input (DESIGN.md). */
const EXIT_RUN_FAILED = 1;
const EXIT_BAD_INPUT = 2;

// zod parses interpreted, for start-up time; set before a command builds a schema (src/cli/schema-parsing.ts).
interpretSchemaParsing();

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function parseOrchestrator(v: string): 'kubernetes' | 'swarm' {
  if (v !== 'kubernetes' && v !== 'swarm') throw new InvalidArgumentError('expected kubernetes or swarm');
  return v;
}

/** --plugin-timeout: seconds ("1", "1.5", "500ms", "2s"); 0 turns the watch off. */
function parsePluginTimeout(v: string): number {
  const seconds = parseDuration(v);
  if (seconds === undefined || !(seconds >= 0) || seconds > 86400) throw new InvalidArgumentError('expected a duration such as 1, 2.5, 500ms or 10s (0: no limit), at most a day');
  return seconds;
}
/** --metrics-start: where simulated time 0 falls in metrics.om, an ISO 8601 date-time with a zone. */
function parseStart(v: string): number {
  const start = parseMetricsStart(v);
  if (start === undefined) throw new InvalidArgumentError('expected an ISO 8601 date-time with a time zone, such as 2026-01-01T00:00:00Z, from 1970 to 9999');
  return start;
}
const METRICS_START_HELP = 'the date-time of simulated time 0 in metrics.om (OpenMetrics timestamps; default 2026-01-01T00:00:00Z)';

const OPENMETRICS_HELP = 'also write each run\'s time series as OpenMetrics (metrics/VARIANT/ARM/seed-SEED.om in --out; for promtool tsdb create-blocks-from openmetrics)';
/** compare / sweep --openmetrics: writes each run's metrics.om as it comes back. */
async function runMetricsWriter(opts: { out?: string; openmetrics?: boolean; metricsStart?: number }): Promise<ExperimentOptions['onRunOutput']> {
  if (!opts.openmetrics || opts.out === undefined) return undefined;
  const target = { outDir: opts.out, start: opts.metricsStart ?? DEFAULT_METRICS_START };
  const { writeRunMetrics } = await import('../report/run-metrics.js');
  return (run, output) => writeRunMetrics(target, run, output);
}

const PLUGIN_TIMEOUT_HELP = `time one call into a plugin module's plugin or autoscaler may take before the run is stopped (default ${DEFAULT_PLUGIN_TIMEOUT_SECONDS} s; 0: no limit)`;

function fail(e: unknown): never {
  if (e instanceof InputError) {
    printErr(`error: invalid input\n${e.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  if (e instanceof PluginError || e instanceof CallTimeoutError) {
    printErr(`error: run failed: ${e.message}\n`);
    if (process.env.ORCHSIM_DEBUG && e.cause instanceof Error) printErr(`${e.cause.stack}\n`);
    process.exit(EXIT_RUN_FAILED);
  }
  printErr(`error: run failed: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.ORCHSIM_DEBUG && e instanceof Error) printErr(`${e.stack}\n`);
  else printErr('(set ORCHSIM_DEBUG=1 for a stack trace)\n');
  process.exit(EXIT_RUN_FAILED);
}

/** Progress on stderr, only when it is a terminal (never in pipes, CI logs or --json output). */
function progressBar(horizon: number): ((fraction: number) => void) | undefined {
  if (!stderrIsTerminal()) return undefined;
  return (f) => {
    const width = 30;
    const done = Math.round(Math.min(1, f) * width);
    process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(f * 100).toFixed(0)}% of ${formatDuration(horizon)} simulated`);
  };
}

const program = new Command();
program
  .name('orchsim')
  .description('Discrete-event simulator of a container orchestrator with Kubernetes semantics.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `
Examples:
  $ orchsim run                                   # simulate the built-in 300-node cluster for a day
  $ orchsim run scenarios/priority.yaml --json    # the result as JSON
  $ orchsim validate my-cluster.yaml              # check a scenario without running it
  $ orchsim profiles                              # scheduler profiles and plugins
  $ orchsim data pull openb                       # a public trace, for experiment fgd and scenarios/traces

Scenario format and result fields: see README.md.`)
  .exitOverride();
// Help and usage errors written as the rest (src/cli/stdio.ts); set before the commands are added, which copy it.
program.configureOutput(commanderOutput(program.configureOutput()));

program
  .command('run')
  .description('Run a scenario once and print a summary (the built-in default scenario when none is given).')
  .argument('[scenario]', 'scenario file (YAML or JSON)')
  .option('--seed <n>', 'override the scenario seed', parseSeed)
  .option('--profile <name>', 'override the scheduler profile (see `orchsim profiles`)')
  .option('--orchestrator <name>', 'override the scenario\'s orchestrator: kubernetes or swarm (Docker Swarm mode)', parseOrchestrator)
  .option('--json', 'print the result as JSON on stdout instead of the summary')
  .option('--out <dir>', 'write result.json, timeseries.csv, incidents.csv, metrics.om (and, with autoscaling, autoscaling.csv and scaling-actions.csv), report.html and charts/ into this directory')
  .option('--png', 'with --out, also draw each chart of report.html as charts/NAME.svg and .png (a second or two more)')
  .option('--metrics-start <time>', METRICS_START_HELP, parseStart)
  .option('--plugin <module>', 'a plugin module (plugins and optional profiles, as for serve --plugin); repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .addHelpText('after', `
Examples:
  $ orchsim run                                   # the built-in 300-node default scenario
  $ orchsim run scenarios/default.yaml --profile binpack --seed 7
  $ orchsim run --orchestrator swarm              # the same cluster and workloads under Docker Swarm
  $ orchsim run my-cluster.yaml --json | jq .metrics.utilization
  $ orchsim run my-cluster.yaml --out reports/my-run   # then open reports/my-run/report.html
  $ orchsim run --out reports/default --png       # and charts/*.png for a slide or a README
  $ orchsim run --out reports/default && promtool tsdb create-blocks-from openmetrics reports/default/metrics.om data/
  $ orchsim run my-cluster.yaml --plugin ./my-plugin.mjs --profile mine`)
  .action(async (scenario: string | undefined, opts: { seed?: number; profile?: string; orchestrator?: 'kubernetes' | 'swarm'; json?: boolean; out?: string; png?: boolean; metricsStart?: number; plugin: string[]; pluginTimeout?: number }) => {
    if (opts.png && !opts.out) throw new InputError({ file: '--png', path: [], message: 'needs --out DIR: the pictures go into DIR/charts' });
    if (opts.out) checkOutDir(opts.out);
    const { prepareScenarioWithPlugins, runPrepared } = await import('../scenario/index.js');
    const prepared = await prepareScenarioWithPlugins(scenario, { seed: opts.seed, profile: opts.profile, orchestrator: opts.orchestrator, pluginFiles: opts.plugin });
    printWarnings(prepared.resolved.warnings);
    const t0 = performance.now();
    const onProgress = progressBar(prepared.resolved.horizon);
    // With a user's module, the run goes on a worker thread this one watches: a call into the
    // module that never returns is ended after the budget and named (src/util/call-watch.ts).
    const budget = callBudget(prepared.policies.modules.length, opts.pluginTimeout);
    // metrics.om breaks the cluster down by zone and service: sampled only when it is written.
    const sampledState = opts.out !== undefined;
    const out = budget === undefined
      ? runPrepared(prepared, { onProgress, sampledState })
      : await (await import('../experiments/watched-run.js')).runWatched({ scenario: scenario === undefined ? undefined : resolvePath(scenario), seed: opts.seed, profile: opts.profile, orchestrator: opts.orchestrator, pluginFiles: opts.plugin.map((f) => resolvePath(f)), sampledState }, budget, onProgress);
    if (onProgress !== undefined) process.stderr.write('\r\x1b[K');
    const wallSeconds = (performance.now() - t0) / 1000;
    const { actionsCSV, formatSummary, resultJSON, timeseriesCSV } = await import('../report/summary.js');
    if (opts.out) {
      const [{ incidentsCSV }, { OPENMETRICS_FILE, runLabels, runOpenMetrics }] = await Promise.all([import('../sim/failures.js'), import('../report/openmetrics.js')]);
      const written = writeFilesAtomically(opts.out, {
        'result.json': resultJSON(out.result),
        'timeseries.csv': timeseriesCSV(out.timeseries),
        'incidents.csv': incidentsCSV(out.incidents),
        ...(out.autoscaling ? { 'autoscaling.csv': timeseriesCSV(out.autoscaling.timeseries), 'scaling-actions.csv': actionsCSV(out.autoscaling.actions) } : {}),
        ...(out.queueingTimeseries ? { 'queueing.csv': timeseriesCSV(out.queueingTimeseries) } : {}),
        [OPENMETRICS_FILE]: runOpenMetrics(out, { start: opts.metricsStart ?? DEFAULT_METRICS_START, labels: runLabels(out.result) }),
        // report.html and charts/: drawn before anything is written, written in the same set.
        ...(await (await import('../report/run-report.js')).runReportFiles(out, { pictures: opts.png })),
      });
      if (!opts.json) printErr(`wrote ${written.filter((f) => !f.includes(`${sep}charts${sep}`)).join(', ')} and ${written.filter((f) => f.includes(`${sep}charts${sep}`)).length} chart files in ${join(opts.out, 'charts')}\nreport: ${join(opts.out, 'report.html')}\n`);
    }
    print(opts.json ? resultJSON(out.result) : formatSummary(out.result, { wallSeconds }));
  });

/** Warnings go to stderr (stdout stays the summary or the --json output): "warning: FILE:LINE: ...". */
function printWarnings(warnings: readonly InputIssue[] | undefined): void {
  for (const w of warnings ?? []) printErr(`warning: ${formatIssue(w)}\n`);
}

program
  .command('validate')
  .description('Check a scenario file (schema, units, manifests, profile and plugin args) without running it.')
  .argument('<scenario>', 'scenario file (YAML or JSON)')
  .option('--json', 'print a machine-readable summary')
  .option('--plugin <module>', 'a plugin module its profile may name; repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .addHelpText('after', `
Examples:
  $ orchsim validate scenarios/default.yaml
  $ orchsim validate my-cluster.yaml || echo "fix the errors above"
  $ orchsim validate my-cluster.yaml --plugin ./my-plugin.mjs`)
  .action(async (scenario: string, opts: { json?: boolean; plugin: string[]; pluginTimeout?: number }) => {
    const [{ prepareScenarioWithPlugins }, { checkModulePluginsWatched }] = await Promise.all([import('../scenario/prepare.js'), import('./plugin-check.js')]);
    const { resolved, policies } = await prepareScenarioWithPlugins(scenario, { pluginFiles: opts.plugin });
    printWarnings(resolved.warnings);
    const checked = await checkModulePluginsWatched(policies.modules, resolved.profile, callBudget(policies.modules.length, opts.pluginTimeout));
    const swarm = resolved.orchestrator === 'swarm';
    const summary = { valid: true, scenario: resolved.name, nodes: resolved.nodes.length, workloads: resolved.workloads.length, ...(swarm ? { orchestrator: 'swarm' } : { profile: resolved.profile.name }), horizonSeconds: resolved.horizon };
    const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;
    const f = resolved.failures;
    const failures = f && (f.processes.length > 0 || f.outages.length > 0) ? `; ${plural(f.processes.length, 'random failure process', 'random failure processes')}, ${plural(f.outages.length, 'scheduled outage')}` : '';
    const groups = resolved.nodeGroups ?? [];
    const hpas = [...(resolved.serviceModels?.values() ?? [])].filter((m) => m.hpa).length;
    const scaling = groups.length > 0 || hpas > 0
      ? `; ${plural(hpas, 'HPA')}${groups.length > 0 ? `, ${plural(groups.length, 'node group')} under ${resolved.clusterAutoscaler?.policy ?? 'no autoscaler'}` : ''}`
      : '';
    const plugins = checked.length > 0 ? `; ${checked.join('; ')}` : '';
    const others = (resolved.schedulers ?? []).map((n) => (n.schedulerName === n.profile.name ? n.schedulerName : `${n.schedulerName} (${n.profile.name})`));
    const schedulers = others.length > 0 ? ` for default-scheduler, ${others.join(', ')} by schedulerName` : '';
    print(opts.json ? JSON.stringify({ ...summary, pluginChecks: checked }, null, 2) + '\n' : `${scenario}: valid (${plural(summary.nodes, 'node')}, ${plural(summary.workloads, 'workload')}, ${swarm ? 'orchestrator swarm' : `profile ${resolved.profile.name}${schedulers}`}${failures}${scaling}${plugins})\n`);
  });

program
  .command('profiles')
  .description('List the built-in scheduler profiles and plugins.')
  .option('--json', 'print profiles and plugins as JSON')
  .action(async (opts: { json?: boolean }) => {
    const { BUILTIN_PLUGINS, BUILTIN_PROFILES } = await import('../schedulers/builtins.js');
    if (opts.json) {
      print(JSON.stringify({ profiles: BUILTIN_PROFILES, plugins: BUILTIN_PLUGINS.map(({ factory: _f, ...p }) => p) }, null, 2) + '\n');
      return;
    }
    const lines = ['Profiles:'];
    for (const p of BUILTIN_PROFILES) {
      lines.push(`  ${p.name.padEnd(10)} ${p.description ?? ''}`);
      const scored = p.plugins.filter((c) => (c.weight ?? 1) > 0 && BUILTIN_PLUGINS.find((b) => b.name === c.name)?.extensionPoints.includes('Score'));
      lines.push(`  ${''.padEnd(10)} score: ${scored.map((c) => `${c.name}×${c.weight ?? 1}`).join(', ')}; nodes scored: ${p.percentageOfNodesToScore ? `${p.percentageOfNodesToScore}%` : 'adaptive'}`);
    }
    lines.push('', 'Plugins:');
    for (const p of BUILTIN_PLUGINS) lines.push(`  ${p.name.padEnd(32)} [${p.extensionPoints.join(', ')}] ${p.description}`);
    print(lines.join('\n') + '\n');
  });

program
  .command('schema')
  .description('Print the JSON Schema of scenario files (or of sweep files), generated from the schema orchsim validates them with: editors read it for completion, hover text and validation while typing (README.md, "Editor support").')
  .argument('[kind]', `${SCHEMA_KINDS.join(' or ')} (default scenario)`, parseSchemaKind, 'scenario')
  .option('--out <file>', 'write the schema to this file (replaced whole, never half-written) instead of printing it')
  .addHelpText('after', `
Examples:
  $ orchsim schema > scenario.schema.json
  $ orchsim schema sweep --out schema/sweep.schema.json

Then, on the first line of a scenario file (yaml-language-server: VS Code's YAML extension, Neovim, Helix...):
  # yaml-language-server: $schema=./scenario.schema.json`)
  .action(async (kind: SchemaKind, opts: { out?: string }) => {
    const [{ fileSchema }, { jsonSchemaText }] = await Promise.all([import('../commands.js'), import('../scenario/json-schema.js')]);
    const text = jsonSchemaText(fileSchema(kind));
    if (!opts.out) {
      print(text);
      return;
    }
    if (existsSync(opts.out) && statSync(opts.out).isDirectory()) throw new InputError({ file: opts.out, path: [], message: 'is a directory: --out names the schema file to write' });
    writeFilesAtomically(dirname(opts.out) || '.', { [basename(opts.out)]: text });
    printErr(`wrote ${opts.out}\n`);
  });

function parseSchemaKind(v: string): SchemaKind {
  const kind = SCHEMA_KINDS.find((k) => k === v);
  if (!kind) throw new InvalidArgumentError(`expected ${SCHEMA_KINDS.join(' or ')}`);
  return kind;
}

/** "42-51" or "1,2,7" to a list of seeds. */
function parseSeeds(v: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(v);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a || b - a > 10_000) throw new InvalidArgumentError('expected a range like 42-51 (first <= last)');
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const parts = v.split(',').map((x) => x.trim());
  if (parts.some((x) => !/^\d+$/.test(x))) throw new InvalidArgumentError('expected a range like 42-51 or a list like 1,2,3');
  return parts.map(Number);
}

/** A list of policy names; whether each is known is checked once the --plugin modules are loaded. */
function parsePolicies(v: string): string[] {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError(`expected a list of policies (built-in: ${FGD_POLICIES.join(', ')}; or a profile or plugin of a --plugin module)`);
  return list;
}

function parseWorkers(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return Number(v);
}

/** "I/N" or I with --shards: 0-based shard index. */
function parseShardIndex(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number (0-based shard index)');
  return Number(v);
}

function parseConfidence(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number between 0 and 1, e.g. 0.95');
  return n;
}

const defaultWorkers = Math.max(1, Math.min(2, availableParallelism()));

program
  .command('compare')
  .description('Run scheduler profiles (or the arms of the scenario\'s `compare:` block) over the same seeds and compare them: mean and confidence interval per arm, and paired differences against a baseline.')
  .argument('[scenario]', 'scenario file (YAML or JSON); the built-in default scenario when omitted')
  .option('--profiles <list>', 'comma-separated scheduler profiles to compare (see `orchsim profiles`); default: the scenario\'s compare: block')
  .option('--seeds <n>', 'seeds per arm: the scenario seed and the next ones (default: compare.seeds, else 10)', parseCount)
  .option('--baseline <arm>', 'the arm the others are compared with (default: the first)')
  .option('--confidence <p>', 'confidence level of the intervals', parseConfidence)
  .option('--workers <n>', 'worker threads (one run per task)', parseWorkers, defaultWorkers)
  .option('--out <dir>', 'write plan.json, runs.jsonl, results.json, report.md, report.html and charts/ here (a rerun resumes)')
  .option('--openmetrics', OPENMETRICS_HELP)
  .option('--metrics-start <time>', METRICS_START_HELP, parseStart)
  .option('--json', 'print results.json on stdout instead of the tables')
  .option('--plugin <module>', 'a plugin module whose plugins and profiles the arms may name; repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .addHelpText('after', `
Examples:
  $ orchsim compare                                                        # the default scenario's compare: block
  $ orchsim compare my-cluster.yaml --plugin ./my-plugin.mjs --profiles default,mine
  $ orchsim compare --profiles default,binpack,spread --seeds 10          # on the built-in default scenario
  $ orchsim compare scenarios/flash-crowd.yaml --out reports/flash-crowd-compare
  $ orchsim compare --out reports/default-compare --openmetrics            # and metrics/ARM/... .om files for promtool
  $ orchsim compare my-cluster.yaml --profiles default,binpack --baseline default --workers 2 --json

Arms run with the same seeds, so with the same arrivals and failures (common random numbers);
a difference is marked * when its confidence interval excludes 0.`)
  .action(async (scenario: string | undefined, opts: { profiles?: string; seeds?: number; baseline?: string; confidence?: number; workers: number; out?: string; json?: boolean; plugin: string[]; pluginTimeout?: number; openmetrics?: boolean; metricsStart?: number }) => {
    if (opts.out) checkOutDir(opts.out);
    if (opts.openmetrics && !opts.out) throw new InputError({ file: '--openmetrics', path: [], message: 'needs --out DIR: each run\'s metrics.om goes into it' });
    const profiles = opts.profiles?.split(',').map((x) => x.trim()).filter(Boolean);
    const [{ compare }, { writeComparisonReport }, { formatComparison, resultsJSON }, { RESULTS_FILE, RUNS_FILE }] = await Promise.all([
      import('../commands.js'), import('../report/compare-report.js'), import('../report/comparison.js'), import('../experiments/compare.js'),
    ]);
    const progress = runProgress(!opts.json);
    const t0 = performance.now();
    const outcome = await compare(scenario, { profiles, seeds: opts.seeds, baseline: opts.baseline, confidence: opts.confidence, workers: opts.workers, outDir: opts.out, onRun: progress.onRun, plugins: opts.plugin, pluginTimeoutSeconds: opts.pluginTimeout, onWarning: (w) => printWarnings([w]), onRunOutput: await runMetricsWriter(opts) });
    progress.clear();
    const results = outcome.results;
    if (opts.out) {
      const written = await writeComparisonReport(opts.out, results, outcome.records, { [RESULTS_FILE]: resultsJSON(results) });
      if (!opts.json) printErr(`wrote ${join(opts.out, RUNS_FILE)} and ${written.length} files with the results and report in ${opts.out}\n`);
    }
    if (opts.json) print(resultsJSON(results));
    else {
      print(formatComparison(results));
      print(`${outcome.ran} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s with ${Math.min(opts.workers, Math.max(1, outcome.ran))} worker(s)${outcome.skipped > 0 ? `; ${outcome.skipped} finished runs found in ${opts.out}` : ''}\n`);
    }
    reportFailedRuns(outcome.records);
  });

program
  .command('sweep')
  .description('Run a parameter sweep: every combination of the grid x arms x seeds, one run per task on worker threads, each finished run appended to runs.jsonl (a rerun resumes).')
  .argument('<sweep>', 'sweep file (YAML): scenario, profiles or arms, seeds, grid of dotted scenario paths')
  .requiredOption('--out <dir>', 'results directory: plan.json, runs.jsonl, results.json, report.md, report.html, charts/')
  .option('--workers <n>', 'worker threads (one run per task)', parseWorkers, defaultWorkers)
  .option('--shard <i>', 'run only shard i (0-based) of --shards: every N-th task from position i', parseShardIndex)
  .option('--shards <n>', 'number of shards (merge their --out directories with `orchsim merge`)', parseCount)
  .option('--plugin <module>', 'a plugin module whose plugins and profiles the arms may name; repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .option('--openmetrics', OPENMETRICS_HELP)
  .option('--metrics-start <time>', METRICS_START_HELP, parseStart)
  .option('--json', 'print results.json on stdout (unsharded only)')
  .addHelpText('after', `
Example sweep file:
  scenario: ../scenarios/default.yaml      # relative to this file; omit for the built-in default
  profiles: [default, binpack]
  seeds: 5
  grid:
    cluster.pools.0.count: [200, 300]      # dotted paths into the scenario; list items by index
    workloads.0.replicas: [40, 80]

Examples:
  $ orchsim sweep sweeps/size.yaml --out reports/size --workers 2
  $ orchsim sweep sweeps/size.yaml --out reports/size-0 --shard 0 --shards 4   # one machine's part
  $ orchsim merge --out reports/size reports/size-0 reports/size-1 reports/size-2 reports/size-3`)
  .action(async (sweepFile: string, opts: { out: string; workers: number; shard?: number; shards?: number; json?: boolean; plugin: string[]; pluginTimeout?: number; openmetrics?: boolean; metricsStart?: number }) => {
    if (opts.out) checkOutDir(opts.out);
    if ((opts.shard === undefined) !== (opts.shards === undefined)) throw new InputError({ file: sweepFile, path: [], message: '--shard and --shards go together' });
    if (opts.shard !== undefined && opts.shard >= opts.shards!) throw new InputError({ file: sweepFile, path: [], message: `--shard ${opts.shard} is out of range: shards are numbered 0..${opts.shards! - 1}` });
    const [{ sweepPlan }, { runExperiment, RESULTS_FILE, RUNS_FILE }, { writeComparisonReport }, { formatComparison, resultsJSON }] = await Promise.all([
      import('../experiments/plans.js'), import('../experiments/compare.js'), import('../report/compare-report.js'), import('../report/comparison.js'),
    ]);
    const plan = sweepPlan(sweepFile, opts.plugin);
    const shard = opts.shard !== undefined ? { index: opts.shard, count: opts.shards! } : undefined;
    const progress = runProgress(!opts.json);
    const t0 = performance.now();
    const outcome = await runExperiment(plan, { workers: opts.workers, outDir: opts.out, shard, onRun: progress.onRun, pluginTimeoutSeconds: opts.pluginTimeout, onWarning: (w) => printWarnings([w]), onRunOutput: await runMetricsWriter(opts) });
    progress.clear();
    if (outcome.results) {
      const written = await writeComparisonReport(opts.out, outcome.results, outcome.records, { [RESULTS_FILE]: resultsJSON(outcome.results) });
      if (opts.json) print(resultsJSON(outcome.results));
      else print(formatComparison(outcome.results));
      if (!opts.json) printErr(`wrote ${join(opts.out, RUNS_FILE)} and ${written.length} files with the results and report\n`);
    }
    printErr(`${outcome.ran} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s${outcome.skipped > 0 ? `, ${outcome.skipped} already done` : ''}${shard ? ` (shard ${shard.index} of ${shard.count}: ${outcome.records.length} runs in ${opts.out}; join the shards with \`orchsim merge\`)` : ''}\n`);
    reportFailedRuns(outcome.records);
  });

program
  .command('merge')
  .description('Join the --out directories of sweep shards into one results directory, identical to a single-machine run.')
  .argument('<dirs...>', 'shard result directories (each with plan.json and runs.jsonl)')
  .requiredOption('--out <dir>', 'the merged results directory')
  .option('--json', 'print results.json on stdout')
  .action(async (dirs: string[], opts: { out: string; json?: boolean }) => {
    if (opts.out) checkOutDir(opts.out);
    const [{ mergeShards }, { PLAN_FILE, planJSON, RESULTS_FILE, RUNS_FILE, runsJSONL }, { writeComparisonReport }, { formatComparison, resultsJSON }] = await Promise.all([
      import('../experiments/merge.js'), import('../experiments/compare.js'), import('../report/compare-report.js'), import('../report/comparison.js'),
    ]);
    const merged = mergeShards(dirs);
    const written = await writeComparisonReport(opts.out, merged.results, merged.records, { [PLAN_FILE]: planJSON(merged.plan), [RUNS_FILE]: runsJSONL(merged.records), [RESULTS_FILE]: resultsJSON(merged.results) });
    if (opts.json) print(resultsJSON(merged.results));
    else {
      print(formatComparison(merged.results));
      printErr(`merged ${merged.records.length} runs from ${dirs.length} directories into ${opts.out} (${written.length} report files)\n`);
    }
  });

/** A capacity plan's results.json, runs.jsonl (the runs behind it first, in the order used) and report, as one atomic set. */
async function writePlanFiles(dir: string, results: CapacityPlanResults, records: readonly RunRecord[]): Promise<string[]> {
  const [{ RESULTS_FILE, RUNS_FILE, runsJSONL }, { planResultsJSON }, { planReportFiles }] = await Promise.all([
    import('../experiments/compare.js'), import('../experiments/capacity.js'), import('../report/plan-report.js'),
  ]);
  return writeFilesAtomically(dir, { [RESULTS_FILE]: planResultsJSON(results), [RUNS_FILE]: runsJSONL(records), ...(await planReportFiles(results)) });
}

program
  .command('report')
  .description('Rebuild report.md, report.html and the charts of a compare, sweep or plan results directory from its plan.json and runs.jsonl.')
  .argument('<dir>', 'results directory (the --out of compare, sweep, merge or plan)')
  .action(async (dir: string) => {
    const [{ readCapacityPlan, runCapacityPlan }, { orderRecords, readPlan, readRuns, RESULTS_FILE, RUNS_FILE }, { checkRunsAgainstPlan }, { summarizeComparison }, { writeComparisonReport }, { resultsJSON }] = await Promise.all([
      import('../experiments/capacity.js'), import('../experiments/compare.js'), import('../experiments/results-files.js'), import('../experiments/comparison.js'), import('../report/compare-report.js'), import('../report/comparison.js'),
    ]);
    const capacity = readCapacityPlan(dir);
    if (capacity) {
      const { results, records, saved } = await runCapacityPlan({ ...capacity, workers: 1, outDir: dir, savedRunsOnly: true });
      const written = await writePlanFiles(dir, results, saved);
      printErr(`rebuilt ${written.length} files (results.json and the report) from ${records.length} runs\n`);
      return;
    }
    const plan = readPlan(dir);
    const runsFile = join(dir, RUNS_FILE);
    const runs = readRuns(runsFile);
    checkRunsAgainstPlan(plan, runsFile, runs.records, runs.lines);
    const records = orderRecords(plan, runs.records);
    const results = summarizeComparison(plan, records);
    const written = await writeComparisonReport(dir, results, records, { [RESULTS_FILE]: resultsJSON(results) });
    printErr(`rebuilt ${written.length} files (results.json and the report) from ${records.length} runs\n`);
  });

/** "web", "web=3..30", "web=12" (exactly 12), comma-separated; collected over repeated --pool. */
function collectPools(v: string, previous: PlanPool[] = []): PlanPool[] {
  const out = [...previous];
  for (const part of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)(?:=(\d+)(?:\.\.(\d+))?)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}": expected NAME, NAME=LO..HI or NAME=N (a pool of the scenario)`);
    const lo = m[2] === undefined ? undefined : Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (lo !== undefined && hi! < lo) throw new InvalidArgumentError(`"${part}": the range ${lo}..${hi} is empty`);
    out.push({ name: m[1]!, lo, hi });
  }
  return out;
}


/**
 * Runs a user's plugin failed: the other arms' results were kept and written; each failing arm
 * is named with its first failure, and the command exits 1.
 */
function reportFailedRuns(records: readonly RunRecord[]): void {
  const failed = records.filter((r) => r.failure !== undefined);
  if (failed.length === 0) return;
  const byArm = new Map<string, RunRecord[]>();
  for (const r of failed) byArm.set(r.arm, [...(byArm.get(r.arm) ?? []), r]);
  for (const [arm, runs] of byArm) {
    const total = records.filter((r) => r.arm === arm).length;
    printErr(`error: arm ${arm}: ${runs.length} of ${total} runs failed (their metrics are left out; the other arms are compared as usual); first, seed ${runs[0]!.seed}: ${runs[0]!.failure}\n`);
  }
  process.exitCode = EXIT_RUN_FAILED;
}

/** A repeatable option's values, in the order given. */
function collect(v: string, previous: string[] = []): string[] {
  return [...previous, v];
}

function parsePrice(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a price per hour, e.g. 12.5');
  return n;
}

program
  .command('plan')
  .description('Capacity planning: the smallest (or, with prices, cheapest) sizes of some node pools whose SLOs hold at the requested confidence over the seeds, under the scenario\'s failures, spikes and autoscalers.')
  .argument('[scenario]', 'scenario file (YAML or JSON); the built-in default scenario when omitted')
  .requiredOption('--pool <names>', 'pools to size, comma-separated or repeated: NAME (open-ended), NAME=LO..HI (a range), NAME=N (fixed)', collectPools)
  .option('--slo <slo>', 'METRIC>=TARGET or METRIC<=TARGET, repeated (see below)', collect)
  .option('--seeds <n>', 'seeds per candidate: the scenario seed and the next ones', parseCount, 10)
  .option('--confidence <p>', 'one-sided confidence that each SLO holds (of the mean over seeds)', parseConfidence, 0.95)
  .option('--budget <price>', 'most the cluster may cost per hour (needs pricePerHour on the pools)', parsePrice)
  .option('--grid', 'decide every candidate in the ranges with every seed instead of searching (to check the search)')
  .option('--workers <n>', 'worker threads (seeds of a candidate run in parallel)', parseWorkers, defaultWorkers)
  .option('--out <dir>', 'write plan.json, runs.jsonl, results.json, report.md, report.html and charts/ here (a rerun resumes, and reuses the runs for other SLOs)')
  .option('--plugin <module>', 'a plugin module whose plugins and profiles the scenario may name; repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .option('--json', 'print results.json on stdout instead of the summary')
  .addHelpText('after', `
SLO metrics: availability (the worst service's time with at least minAvailable ready),
  availabilityAll (all desired replicas ready), pendingP99 and pendingMean (wait for a node,
  pods still pending at the end counted with their wait so far), served (requests served /
  offered), mttr, or any metric key of \`orchsim compare\` (pods.failed, mttd...). SLOs that more
  nodes make harder (utilization.cpu>=X, cost<=X, nodeHours<=X) need --grid.
  Targets: fractions as 0.999 or 99.9%, times as 60s, 5m or seconds.

An SLO holds when the one-sided bound on its mean over the seeds (Student t at --confidence)
meets the target. Every size runs the same seeds (common random numbers). One pool is searched
by doubling from the scenario's count, then bisection; several pools (each NAME=LO..HI, default
0..twice the scenario's count) for the cheapest mix. An autoscaled pool is sized by its node
groups' maximum. A candidate stops running seeds as soon as an SLO can no longer hold. Exit
code 1 when no candidate meets the SLOs. \`orchsim report DIR\` rebuilds a plan's report.

Examples:
  $ orchsim plan scenarios/web-tier.yaml --pool web --slo 'availability>=0.999' --slo 'served>=0.995'
  $ orchsim plan my-cluster.yaml --pool cpu,highmem --slo 'pendingP99<=60s' --seeds 20 --budget 40
  $ orchsim plan my-cluster.yaml --pool web=3..30 --slo 'served>=99.5%' --out reports/web-plan --json`)
  .action(async (scenario: string | undefined, opts: { pool: PlanPool[]; slo?: string[]; seeds: number; confidence: number; budget?: number; grid?: boolean; workers: number; out?: string; json?: boolean; plugin: string[]; pluginTimeout?: number }) => {
    if (opts.out) checkOutDir(opts.out);
    const progress = planProgress(!opts.json);
    const [{ plan: planCapacity }, { planResultsJSON }, { formatPlan }] = await Promise.all([import('../commands.js'), import('../experiments/capacity.js'), import('../report/plan-report.js')]);
    const t0 = performance.now();
    const { results, saved, ran, reused } = await planCapacity({
      scenario,
      pools: opts.pool,
      slos: opts.slo ?? [],
      seeds: opts.seeds,
      confidence: opts.confidence,
      budget: opts.budget,
      grid: opts.grid,
      workers: opts.workers,
      outDir: opts.out,
      plugins: opts.plugin.map((f) => resolvePath(f)),
      pluginTimeoutSeconds: opts.pluginTimeout,
      onWarning: (w) => printWarnings([w]),
      onRun: progress.onRun,
      onCandidate: progress.onCandidate && ((c, runs) => progress.onCandidate!(`${escapeControls(c.name)}: ${c.verdict}${c.early ? ` after ${c.seedsRun} seeds` : ''} (${runs} runs so far)`)),
    });
    progress.clear();
    if (opts.out) {
      const written = await writePlanFiles(opts.out, results, saved);
      if (!opts.json) printErr(`wrote ${written.length} files (results.json, runs.jsonl, report.md, report.html, charts/) in ${opts.out}\n`);
    }
    print(opts.json ? planResultsJSON(results) : formatPlan(results));
    if (!opts.json) printErr(`${ran} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s with ${opts.workers} worker(s)${reused > 0 ? `; ${reused} finished runs reused from ${opts.out}` : ''}\n`);
    if (results.failure) printErr(`error: the search stopped at candidate ${results.failure.candidate}, seed ${results.failure.seed}: ${results.failure.message}\n`);
    if (!results.answer) process.exitCode = EXIT_RUN_FAILED;
  });

addServeCommand(program, printErr);

const experiment = program.command('experiment').description('Run a published experiment protocol.');
experiment
  .command('fgd')
  .description("The FGD paper's GPU-sharing experiment (USENIX ATC'23): six policies (and your own, with --plugin) on an Alibaba GPU trace, tuned to 130% demand.")
  .option('--nodes <csv>', 'openb node list: a path, or data:PATH in the data directory (orchsim data pull openb)', 'data:openb/openb_node_list_gpu_node.csv')
  .option('--pods <csv>', 'openb pod list: a path, or data:PATH in the data directory', 'data:openb/openb_pod_list_default.csv')
  .option('--policies <list>', `comma-separated, from ${FGD_POLICIES.join(',')} and the profiles and plugins of --plugin modules (default: the six built-in ones)`, parsePolicies)
  .option('--plugin <module>', 'a plugin module whose profiles and plugins --policies may name; repeatable', collect, [])
  .option('--plugin-timeout <seconds>', PLUGIN_TIMEOUT_HELP, parsePluginTimeout)
  .option('--seeds <range>', 'seeds, e.g. 42-51 or 1,2,3', parseSeeds, parseSeeds('42-51'))
  .option('--tune <ratio>', 'arrived GPU demand as a multiple of capacity', parsePositive, 1.3)
  .option('--workers <n>', 'worker threads (one run per task)', parseWorkers, Math.max(1, Math.min(2, availableParallelism())))
  .option('--json', 'print the result as JSON on stdout')
  .option('--out <dir>', 'write per-seed and mean curves (CSV), result.json and a chart (Vega-Lite, SVG, PNG)')
  .addHelpText('after', `
Your own policy: --policies names a profile a --plugin module exports (run as written, every node
scored and ties to the lowest node rank unless it says otherwise), or a plugin it exports (run as
the built-in policies are: the fit filters, that plugin the only score). Built-in policies are
listed first, yours after in the order given; the paper's values apply to the built-in ones only.

Examples:
  $ orchsim data pull openb                                 # once: the trace, into the data directory
  $ orchsim experiment fgd                                  # default trace, 6 policies x seeds 42..51
  $ orchsim experiment fgd --policies FGD,BestFit --seeds 42-44 --json
  $ orchsim experiment fgd --plugin ./my-gpu-scorer.mjs --policies FGD,BestFit,MyGpuScorer --seeds 42-44
  $ orchsim experiment fgd --pods data:openb/openb_pod_list_gpushare40.csv --out reports/fgd-share40`)
  .action(async (opts: { nodes: string; pods: string; policies?: string[]; plugin: string[]; seeds: number[]; tune: number; workers: number; json?: boolean; out?: string; pluginTimeout?: number }) => {
    if (opts.out) checkOutDir(opts.out);
    const [{ ensurePolicies }, { fgdPolicySource, resolveFgdPolicies, summarize: summarizeFgd }, { checkFgdPolicies, loadExperiment, runTask }, { runPool }, { allocationChart, fgdJSON, formatFgdTable, meanCurvesCSV, perSeedCurvesCSV }, { chartFiles }] = await Promise.all([
      import('../scenario/plugin-module.js'), import('../experiments/fgd.js'), import('../experiments/fgd-runner.js'), import('../experiments/pool.js'), import('../report/fgd-report.js'), import('../report/charts.js'),
    ]);
    // Load the modules and check the names first: bad input fails before any worker starts
    // (each worker loads the same modules before its first run).
    const set = await ensurePolicies(opts.plugin.map((file) => ({ file })));
    const chosen = resolveFgdPolicies(opts.policies ?? FGD_POLICIES, set.modules);
    // Read and check the trace here too, and build each user policy once.
    const nodesFile = traceOption(opts.nodes, '--nodes');
    const podsFile = traceOption(opts.pods, '--pods');
    const e = loadExperiment(nodesFile, podsFile);
    checkFgdPolicies(chosen, set, e);
    if (set.modules.length > 0 && !chosen.some((p) => fgdPolicySource(p, set.modules)?.kind !== 'builtin')) {
      printErr(`note: no policy of ${opts.plugin.join(', ')} was run; name its profiles or plugins in --policies (e.g. --policies FGD,${set.modules[0]!.profiles[0]?.name ?? set.modules[0]!.plugins[0]?.name ?? 'NAME'})\n`);
    }
    const tasks: FgdTask[] = [];
    // FGD's runs take several times longer than the others': start them first so the workers
    // finish together. The order of tasks never changes a result.
    const policies = [...chosen].sort((a, b) => Number(b === 'FGD') - Number(a === 'FGD'));
    const modules = opts.plugin.length > 0 ? { modules: opts.plugin } : {};
    for (const policy of policies) for (const seed of opts.seeds) tasks.push({ nodesFile, podsFile, policy, seed, tune: opts.tune, ...modules });
    const t0 = performance.now();
    const progress = runProgress(!opts.json);
    const results = await runPool(tasks, {
      workers: opts.workers,
      workerUrl: new URL('../experiments/fgd-worker.js', import.meta.url),
      inline: runTask,
      // A user's plugin runs watched: one call that never returns stops the experiment, named.
      callBudgetSeconds: callBudget(set.modules.length, opts.pluginTimeout),
      onResult: progress.onRun,
    });
    progress.clear();
    const runs = results.map((r) => r.run);
    const seconds = new Map<string, number[]>();
    results.forEach((r) => seconds.set(r.run.policy, [...(seconds.get(r.run.policy) ?? []), r.seconds]));
    const report = {
      nodesFile: opts.nodes,
      podsFile: opts.pods,
      nodes: e.nodes.length,
      gpus: e.totalGpuMilli / 1000,
      pods: e.orig.length,
      seeds: opts.seeds,
      tune: opts.tune,
      summary: summarizeFgd(runs),
    };
    if (opts.out) {
      // Charts drawn first, then every file written as one set: a failure leaves the previous set.
      const written = writeFilesAtomically(opts.out, {
        'result.json': fgdJSON(report),
        'curves-per-seed.csv': perSeedCurvesCSV(runs),
        'curves-mean.csv': meanCurvesCSV(report.summary),
        ...(await chartFiles('allocation', allocationChart(report.summary))),
        ...(await chartFiles('allocation-zoom', allocationChart(report.summary, true))),
      });
      if (!opts.json) printErr(`wrote ${written.join(', ')}\n`);
    }
    if (opts.json) print(fgdJSON(report));
    else {
      print(formatFgdTable(report, seconds));
      print(`${tasks.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s wall time with ${Math.min(opts.workers, tasks.length)} worker(s)\n`);
    }
  });

addDataCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; every other commander error is a usage mistake.
    process.exit(e.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  }
  fail(e);
});
