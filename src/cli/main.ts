#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { formatSummary, resultJSON, timeseriesCSV } from '../report/summary.js';
import { writeFilesAtomically } from '../report/files.js';
import { BUILTIN_PLUGINS, BUILTIN_PROFILES } from '../schedulers/builtins.js';
import { PluginError } from '../schedulers/framework.js';
import { prepareScenario, runPrepared } from '../scenario/index.js';
import { formatIssue, InputError } from '../util/errors.js';
import { formatDuration } from '../util/quantity.js';

/** Exit codes: 0 success, 1 the run failed, 2 bad input (DESIGN.md). */
const EXIT_RUN_FAILED = 1;
const EXIT_BAD_INPUT = 2;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError('expected a whole number from 0 to 4294967295');
  return Number(v);
}

function fail(e: unknown): never {
  if (e instanceof InputError) {
    process.stderr.write(`error: invalid input\n${e.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  if (e instanceof PluginError) {
    process.stderr.write(`error: run failed: ${e.message}\n`);
    if (process.env.ORCHSIM_DEBUG && e.cause instanceof Error) process.stderr.write(`${e.cause.stack}\n`);
    process.exit(EXIT_RUN_FAILED);
  }
  process.stderr.write(`error: run failed: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.ORCHSIM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('(set ORCHSIM_DEBUG=1 for a stack trace)\n');
  process.exit(EXIT_RUN_FAILED);
}

/** Progress on stderr, only when it is a terminal (never in pipes, CI logs or --json output). */
function progressBar(horizon: number): ((fraction: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
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

Scenario format and result fields: see README.md.`)
  .exitOverride();

program
  .command('run')
  .description('Run a scenario once and print a summary (the built-in default scenario when none is given).')
  .argument('[scenario]', 'scenario file (YAML or JSON)')
  .option('--seed <n>', 'override the scenario seed', parseSeed)
  .option('--profile <name>', 'override the scheduler profile (see `orchsim profiles`)')
  .option('--json', 'print the result as JSON on stdout instead of the summary')
  .option('--out <dir>', 'write result.json and timeseries.csv into this directory')
  .addHelpText('after', `
Examples:
  $ orchsim run                                   # the built-in 300-node default scenario
  $ orchsim run scenarios/default.yaml --profile binpack --seed 7
  $ orchsim run my-cluster.yaml --json | jq .metrics.utilization
  $ orchsim run my-cluster.yaml --out reports/my-run`)
  .action((scenario: string | undefined, opts: { seed?: number; profile?: string; json?: boolean; out?: string }) => {
    const prepared = prepareScenario(scenario, { seed: opts.seed, profile: opts.profile });
    const t0 = performance.now();
    const out = runPrepared(prepared, { onProgress: progressBar(prepared.resolved.horizon) });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const wallSeconds = (performance.now() - t0) / 1000;
    if (opts.out) {
      const written = writeFilesAtomically(opts.out, { 'result.json': resultJSON(out.result), 'timeseries.csv': timeseriesCSV(out.timeseries) });
      if (!opts.json) process.stderr.write(`wrote ${written.join(', ')}\n`);
    }
    process.stdout.write(opts.json ? resultJSON(out.result) : formatSummary(out.result, { wallSeconds }));
  });

program
  .command('validate')
  .description('Check a scenario file (schema, units, manifests, profile and plugin args) without running it.')
  .argument('<scenario>', 'scenario file (YAML or JSON)')
  .option('--json', 'print a machine-readable summary')
  .addHelpText('after', `
Examples:
  $ orchsim validate scenarios/default.yaml
  $ orchsim validate my-cluster.yaml || echo "fix the errors above"`)
  .action((scenario: string, opts: { json?: boolean }) => {
    const { resolved } = prepareScenario(scenario);
    const summary = { valid: true, scenario: resolved.name, nodes: resolved.nodes.length, workloads: resolved.workloads.length, profile: resolved.profile.name, horizonSeconds: resolved.horizon };
    process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : `${scenario}: valid (${summary.nodes} nodes, ${summary.workloads} workloads, profile ${summary.profile})\n`);
  });

program
  .command('profiles')
  .description('List the built-in scheduler profiles and plugins.')
  .option('--json', 'print profiles and plugins as JSON')
  .action((opts: { json?: boolean }) => {
    if (opts.json) {
      process.stdout.write(JSON.stringify({ profiles: BUILTIN_PROFILES, plugins: BUILTIN_PLUGINS.map(({ factory: _f, ...p }) => p) }, null, 2) + '\n');
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
    process.stdout.write(lines.join('\n') + '\n');
  });

try {
  program.parse(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; every other commander error is a usage mistake.
    process.exit(e.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  }
  fail(e);
}
