import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, prepareScenarioWithPlugins, runPrepared } from '../../src/scenario/index.js';
import { createSimulation } from '../../src/scenario/runner.js';
import { InputError } from '../../src/util/errors.js';
import { orchsim } from '../helpers/cli.js';

/**
 * Issue 17, first slice: a user's plugin module (the format `serve --plugin` loads) named by a
 * scenario's `plugins:` (relative to the scenario file) or by `--plugin`, for run and validate.
 */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-plugin-modules-'));
writeFileSync(join(dir, 'prefer-zone-b.mjs'), `
export const plugins = [{
  name: 'PreferZoneB',
  extensionPoints: ['Score'],
  factory: () => ({ name: 'PreferZoneB', score: (_state, _pod, node) => (node.labels['topology.kubernetes.io/zone'] === 'b' ? 100 : 0) }),
}];
export const profile = { name: 'zone-b', plugins: [{ name: 'NodeUnschedulable' }, { name: 'NodeResourcesFit', weight: 0 }, { name: 'PreferZoneB', weight: 1 }] };
`);
const scenario = (extra: string, profile = 'zone-b') => `
horizon: 1h
sampleInterval: 0
${extra}
scheduler: { profile: ${profile} }
cluster:
  pools: [{ name: n, count: 4, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }]
workloads:
  - { type: service, name: web, replicas: 6, requests: { cpu: 1, memory: 1Gi } }
`;
let n = 0;
const file = (text: string) => {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  return f;
};
const issues = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InputError);
  return (e as InputError).issues;
};

describe('plugin modules in a scenario', () => {
  it('a scenario names the module (relative to itself) and its profile: every pod lands in zone b', async () => {
    const withModule = await prepareScenarioWithPlugins(file(scenario('plugins: [./prefer-zone-b.mjs]')));
    expect(withModule.resolved.profile.name).toBe('zone-b');
    expect(withModule.policies.modules.map((m) => m.sha256)).toHaveLength(1);
    const zones: string[] = [];
    const sim = createSimulation(withModule.resolved, { ...withModule.runOptions, onBind: (_pod, node, cluster) => zones.push(cluster.nodes[node]!.labels['topology.kubernetes.io/zone']!) });
    sim.run();
    expect(zones).toEqual(Array(6).fill('b'));
    const out = runPrepared(await prepareScenarioWithPlugins(withModule.loaded.file));
    expect(out.result.metrics.pods.scheduled).toBe(6);
    // The same module given as --plugin does the same; the result is byte-identical.
    const flag = await prepareScenarioWithPlugins(file(scenario('')), { pluginFiles: [join(dir, 'prefer-zone-b.mjs')] });
    expect(JSON.stringify(runPrepared(flag).result.metrics)).toBe(JSON.stringify(out.result.metrics));
    // Without the module, its profile is unknown.
    expect(() => prepareScenario(file(scenario('')))).toThrow(/unknown profile "zone-b"/);
  });

  it('a TypeScript module loads directly (types and all), and gives the same placements as the JavaScript one', async () => {
    writeFileSync(join(dir, 'prefer-zone-b.ts'), `
import type { ProfileConfig } from 'orchsim';
interface NodeLike { readonly labels: Readonly<Record<string, string>> }
const zoneOf = (node: NodeLike): string | undefined => node.labels['topology.kubernetes.io/zone'];
export const plugins = [{
  name: 'PreferZoneB',
  extensionPoints: ['Score'],
  factory: () => ({ name: 'PreferZoneB', score: (_state: unknown, _pod: unknown, node: NodeLike): number => (zoneOf(node) === 'b' ? 100 : 0) }),
}];
export const profile: ProfileConfig = { name: 'zone-b', plugins: [{ name: 'NodeUnschedulable' }, { name: 'NodeResourcesFit', weight: 0 }, { name: 'PreferZoneB', weight: 1 }] };
`);
    const ts = runPrepared(await prepareScenarioWithPlugins(file(scenario('plugins: [./prefer-zone-b.ts]'))));
    const js = runPrepared(await prepareScenarioWithPlugins(file(scenario('plugins: [./prefer-zone-b.mjs]'))));
    expect(JSON.stringify(ts.result.metrics)).toBe(JSON.stringify(js.result.metrics));
    expect(ts.result.profile).toBe('zone-b');
  });

  it('bad modules are bad input naming the file and the export, or the scenario line that named them', async () => {
    writeFileSync(join(dir, 'no-export.mjs'), 'export const nothing = 1;\n');
    writeFileSync(join(dir, 'builtin-name.mjs'), "export const plugins = [{ name: 'NodeResourcesFit', factory: () => ({ name: 'NodeResourcesFit' }) }];\n");
    writeFileSync(join(dir, 'syntax.mjs'), 'export const plugins = [;\n');
    const missing = await issues(prepareScenarioWithPlugins(file(scenario('plugins: [./no-export.mjs]', 'default'))));
    expect(missing[0]).toMatchObject({ file: expect.stringContaining('no-export.mjs'), path: ['plugins'] });
    expect(missing[1]).toMatchObject({ path: ['plugins', 0], line: 4 });
    const builtin = await issues(prepareScenarioWithPlugins(file(scenario('', 'default')), { pluginFiles: [join(dir, 'builtin-name.mjs')] }));
    expect(builtin[0]!.message).toMatch(/already a built-in plugin/);
    expect(builtin[0]!.path).toEqual(['plugins', 0, 'name']);
    const syntax = await issues(prepareScenarioWithPlugins(file(scenario('', 'default')), { pluginFiles: [join(dir, 'syntax.mjs')] }));
    expect(syntax[0]!.message).toMatch(/cannot load the module/);
    // A profile naming a plugin no module provides: its position in the scenario.
    const unknown = await issues(prepareScenarioWithPlugins(file(`${scenario('')}`.replace('profile: zone-b', 'profile: { name: p, plugins: [{ name: Nope }] }'))));
    expect(unknown[0]!.message).toMatch(/unknown plugin "Nope"/);
  });

  it('the synchronous prepareScenario says the modules were not loaded instead of calling the plugins unknown', () => {
    const f = file(scenario('plugins: [./prefer-zone-b.mjs]'));
    expect(() => prepareScenario(f)).toThrow(/the plugin modules were not loaded: prepare the scenario with prepareScenarioWithPlugins/);
  });

  it('orchsim run --plugin and a scenario\'s plugins: through the CLI', async () => {
    const f = file(scenario('plugins: [./prefer-zone-b.mjs]'));
    const [viaKey, viaFlag, bad] = await Promise.all([
      orchsim('run', f, '--json'),
      orchsim('run', file(scenario('')), '--plugin', join(dir, 'prefer-zone-b.mjs'), '--json'),
      orchsim('validate', file(scenario('', 'default')), '--plugin', join(dir, 'builtin-name.mjs')),
    ]);
    expect(viaKey.code, viaKey.stderr).toBe(0);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(JSON.parse(viaKey.stdout).metrics).toEqual(JSON.parse(viaFlag.stdout).metrics);
    expect(JSON.parse(viaKey.stdout).profile).toBe('zone-b');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/builtin-name\.mjs.*already a built-in plugin/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('a plugin that returns NaN, a score out of range or throws stops the run with exit 1, naming the plugin, pod, node and simulated time', async () => {
    const bad = (name: string, body: string) => {
      const f = join(dir, `${name}.mjs`);
      writeFileSync(f, `export const plugins = [{ name: '${name}', factory: () => ({ name: '${name}', score: (_s, pod, node) => { ${body} } }) }];
export const profile = { name: 'bad', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: '${name}', weight: 1 }] };
`);
      return f;
    };
    const cases = [
      [bad('ReturnsNaN', 'return NaN;'), /plugin ReturnsNaN Score failed for pod web-0 on node n-\d at simulated time 0 s: score NaN of node n-\d is outside 0\.\.100/],
      [bad('TooHigh', 'return 101;'), /plugin TooHigh Score failed for pod web-0 on node n-\d at simulated time 0 s: score 101 .* outside 0\.\.100/],
      [bad('Throws', "throw new Error('boom');"), /plugin Throws Score failed for pod web-0 on node n-\d at simulated time 0 s: boom/],
    ] as const;
    const runs = await Promise.all(cases.map(([f]) => orchsim('run', file(scenario('', 'bad')), '--plugin', f)));
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('orchsim validate checks each plugin the profile uses for determinism (orchsim/testing) and names one that reads Math.random', async () => {
    writeFileSync(join(dir, 'dice.mjs'), `export const plugins = [{ name: 'Dice', factory: () => ({ name: 'Dice', score: () => Math.floor(Math.random() * 101) }) }];
export const profile = { name: 'dice', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'Dice', weight: 1 }] };
`);
    const [ok, dice] = await Promise.all([
      orchsim('validate', file(scenario('plugins: [./prefer-zone-b.mjs]'))),
      orchsim('validate', file(scenario('plugins: [./dice.mjs]', 'dice'))),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/plugins PreferZoneB deterministic over 100 random clusters/);
    expect(dice.code).toBe(2);
    expect(dice.stderr).toMatch(/dice\.mjs.*plugin Dice is not deterministic .*never Math\.random/);
  });

  it('a module may export horizontal and cluster autoscaler policies, named by the scenario like the built-in ones', async () => {
    writeFileSync(join(dir, 'scalers.mjs'), `
export const horizontalAutoscalers = [{
  name: 'always-max',
  factory: (spec) => ({ spec, sync: () => ({ desiredReplicas: spec.maxReplicas, reason: 'always the maximum' }) }),
}];
export const clusterAutoscalers = [{
  name: 'grow-once',
  factory: (groups) => {
    let done = false;
    return {
      name: 'grow-once',
      scanInterval: 60,
      reconcile: () => {
        if (done) return { scaleUps: [], deletions: [] };
        done = true;
        return { scaleUps: [{ group: groups[0].name, count: 1, reason: 'once' }], deletions: [] };
      },
    };
  },
}];
`);
    const text = (hpaPolicy: string, caPolicy: string) => `
horizon: 1h
sampleInterval: 5m
plugins: [./scalers.mjs]
cluster:
  pools:
    - { name: web, count: 2, zones: [a], resources: { cpu: 8, memory: 32Gi }, autoscaling: { min: 1, max: 4 } }
clusterAutoscaler: { policy: ${caPolicy} }
workloads:
  - type: service
    name: web
    replicas: 2
    requests: { cpu: 1, memory: 1Gi }
    load: { constant: 100, capacityPerReplica: 100 }
    autoscaling: { policy: ${hpaPolicy}, minReplicas: 2, maxReplicas: 7 }
`;
    const out = runPrepared(await prepareScenarioWithPlugins(file(text('always-max', 'grow-once'))));
    const a = out.result.metrics.autoscaling!;
    expect(a.services[0]!.replicas.max).toBe(7);
    expect(a.actions['grow-once']).toMatchObject({ 'scale-up': 1 });
    expect(a.pools[0]!.nodes.max).toBe(3);
    // Unknown names are bad input at the key that names them.
    const unknown = await issues(prepareScenarioWithPlugins(file(text('nope', 'grow-once'))));
    expect(unknown[0]).toMatchObject({ path: ['workloads', 0, 'autoscaling', 'policy'] });
    expect(unknown[0]!.message).toMatch(/unknown horizontal autoscaler "nope" \(known: hpa, always-max/);
    const unknownCa = await issues(prepareScenarioWithPlugins(file(text('hpa', 'nope'))));
    expect(unknownCa[0]!.message).toMatch(/unknown cluster autoscaler "nope" \(known: cluster-autoscaler, karpenter, grow-once/);
  });
});
