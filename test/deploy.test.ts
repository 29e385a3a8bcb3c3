import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { sweepPlan } from '../src/experiments/plans.js';
import { orchsimAll } from './helpers/cli.js';
import { prepareScenario, runPrepared } from '../src/scenario/index.js';
import { DEFAULT_METRICS_START, runLabels, runOpenMetrics } from '../src/report/openmetrics.js';

// The shipped deployment files: checked for the things that make a sharded sweep come out whole.

const docs = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return d.toJS() as Record<string, any>;
  });

describe('deploy/kubernetes', () => {
  it('the sweep Job is Indexed, its shard count matches its completions, and each pod reads JOB_COMPLETION_INDEX', () => {
    const all = docs('deploy/kubernetes/sweep-job.yaml');
    const job = all.find((d) => d.kind === 'Job')!;
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const container = job.spec.template.spec.containers[0];
    const command = [...container.command, ...container.args].join(' ');
    expect(command).toMatch(/--shard "\$JOB_COMPLETION_INDEX"/);
    expect(command).toContain(`--shards ${job.spec.completions}`);
    expect(command).toMatch(/--out "\/results\/shard-\$JOB_COMPLETION_INDEX"/);
    expect(all.find((d) => d.kind === 'PersistentVolumeClaim')?.metadata.name).toBe(job.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName);
  });

  it('the merge Job reads every shard directory the sweep Job writes', () => {
    const sweep = docs('deploy/kubernetes/sweep-job.yaml').find((d) => d.kind === 'Job')!;
    const merge = docs('deploy/kubernetes/merge-job.yaml').find((d) => d.kind === 'Job')!;
    const args: string[] = merge.spec.template.spec.containers[0].args;
    expect(args[0]).toBe('merge');
    const shards = Array.from({ length: sweep.spec.completions }, (_, i) => `/results/shard-${i}`);
    expect(args.slice(-shards.length)).toEqual(shards);
  });

  it('the example sweep file is valid', () => {
    const plan = sweepPlan('sweeps/pool-size.yaml');
    expect(plan.variants.length).toBe(3);
    expect(plan.arms).toEqual(['default', 'binpack']);
  });

  it('the Dockerfile builds the CLI and runs it as the entrypoint', () => {
    const text = readFileSync('Dockerfile', 'utf8');
    expect(text).toMatch(/FROM node:20/);
    expect(text).toContain('npm run build');
    expect(text).toContain('ENTRYPOINT ["node", "/opt/orchsim/dist/cli/main.js"]');
    expect(text).toContain('COPY sweeps ./sweeps');
    // The build stage has what `npm run build` reads: the bundling scripts, and the default
    // scenario the code caches are trained on (scripts/build.mjs).
    const buildStage = text.slice(0, text.indexOf('RUN npm run build'));
    for (const dir of ['src', 'scripts', 'scenarios']) expect(buildStage).toContain(`COPY ${dir} ./${dir}`);
  });
});

// The second scheduler: kube-scheduler + `orchsim serve --in-cluster` in one pod. Checked for the
// cross-references that break silently (a wrong name or port only shows once deployed).
describe('deploy/kubernetes orchsim-scheduler', () => {
  const extender = () => docs('deploy/kubernetes/extender.yaml');
  const one = (all: Record<string, any>[], kind: string, name?: string): Record<string, any> => {
    const found = all.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
    expect(found.map((d) => d.metadata.name), `${kind} ${name ?? ''}`).toHaveLength(1);
    return found[0]!;
  };
  const deployment = () => one(extender(), 'Deployment', 'orchsim-scheduler');
  const container = (name: string) => {
    const c = deployment().spec.template.spec.containers.find((x: any) => x.name === name);
    expect(c, `container ${name}`).toBeDefined();
    return c as Record<string, any>;
  };
  const configMap = () => one(docs('deploy/kubernetes/scheduler-config.yaml'), 'ConfigMap', 'orchsim-scheduler-config');
  const schedulerConfig = () => parse(configMap().data['config.yaml']) as Record<string, any>;
  const orchsimArgs = () => container('orchsim').args.map(String) as string[];
  const flagValue = (args: readonly string[], flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  /** A container port: a number, or the name of one of the container's ports. */
  const portOf = (c: Record<string, any>, port: number | string): number => {
    if (typeof port === 'number') return port;
    const named = (c.ports ?? []).find((p: any) => p.name === port);
    expect(named, `port named ${port} in container ${c.name}`).toBeDefined();
    return named.containerPort;
  };

  it('everything lives in kube-system (cluster-scoped RBAC aside)', () => {
    for (const d of [...extender(), configMap()]) {
      if (d.kind === 'ClusterRole' || d.kind === 'ClusterRoleBinding') expect(d.metadata.namespace, `${d.kind} ${d.metadata.name}`).toBeUndefined();
      else expect(d.metadata.namespace, `${d.kind} ${d.metadata.name}`).toBe('kube-system');
    }
  });

  it('kube-scheduler reads the mounted ConfigMap key its --config names', () => {
    const spec = deployment().spec.template.spec;
    const ks = container('kube-scheduler');
    const cmd: string[] = [...(ks.command ?? []), ...(ks.args ?? [])];
    expect(cmd[0]).toBe('kube-scheduler');
    const configArg = cmd.find((a) => a.startsWith('--config='));
    expect(configArg).toBeDefined();
    const configPath = configArg!.slice('--config='.length);

    const volume = spec.volumes.find((v: any) => v.configMap?.name === configMap().metadata.name);
    expect(volume, 'a volume of the ConfigMap').toBeDefined();
    const mount = ks.volumeMounts.find((m: any) => m.name === volume.name);
    expect(mount, 'the ConfigMap volume mounted in kube-scheduler').toBeDefined();
    // Without `items` every key is a file named after it; with them, `path` names it.
    const key = Object.keys(configMap().data).find((k) => {
      const file = volume.configMap.items ? volume.configMap.items.find((i: any) => i.key === k)?.path : k;
      return file !== undefined && `${mount.mountPath.replace(/\/$/, '')}/${file}` === configPath;
    });
    expect(key, `a ConfigMap key mounted at ${configPath}`).toBe('config.yaml');
  });

  it('the KubeSchedulerConfiguration is v1 with the orchsim profile, its own Lease and an extender with filter, prioritize and a node cache', () => {
    const cfg = schedulerConfig();
    expect(cfg.apiVersion).toBe('kubescheduler.config.k8s.io/v1');
    expect(cfg.kind).toBe('KubeSchedulerConfiguration');
    expect(cfg.profiles.map((p: any) => p.schedulerName)).toEqual(['orchsim-scheduler']);
    expect(cfg.leaderElection).toMatchObject({ leaderElect: true, resourceName: 'orchsim-scheduler', resourceNamespace: 'kube-system' });
    expect(cfg.extenders).toHaveLength(1);
    const ext = cfg.extenders[0];
    expect(ext.filterVerb).toBe('filter');
    expect(ext.prioritizeVerb).toBe('prioritize');
    expect(typeof ext.weight).toBe('number');
    expect(ext.weight).toBeGreaterThan(0);
    expect(ext.nodeCacheCapable).toBe(true);
    expect(ext.ignorable).toBe(false);
    expect(ext.httpTimeout).toMatch(/^\d+(ms|s)$/);
    // kube-scheduler binds by itself unless bindVerb is set (commented in the file).
    expect(ext.bindVerb).toBeUndefined();
    // Only orchsim's scores rank nodes in this profile.
    expect(cfg.profiles[0].plugins.score.disabled).toEqual([{ name: '*' }]);
  });

  it('the extender URL reaches the orchsim container: loopback, its --port, plain HTTP', () => {
    const url = new URL(schedulerConfig().extenders[0].urlPrefix);
    expect(url.protocol).toBe('http:'); // serve gets no --tls-cert here
    expect(flagValue(orchsimArgs(), '--tls-cert')).toBeUndefined();
    expect(url.hostname).toBe('127.0.0.1'); // same pod: shared network namespace
    expect(url.pathname).toBe('/');
    const port = Number(flagValue(orchsimArgs(), '--port'));
    expect(Number(url.port)).toBe(port);
    expect(portOf(container('orchsim'), 'http')).toBe(port);
  });

  it('orchsim listens on all interfaces, so that the Service and the HTTP probes (pod IP) reach it', () => {
    expect(flagValue(orchsimArgs(), '--host')).toBe('0.0.0.0');
    const c = container('orchsim');
    const port = Number(flagValue(orchsimArgs(), '--port'));
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(c[probe]?.httpGet?.path, probe).toBe('/healthz');
      expect(portOf(c, c[probe].httpGet.port), probe).toBe(port);
    }
  });

  it('the Service selects the pod and targets the orchsim port', () => {
    const svc = one(extender(), 'Service', 'orchsim-extender');
    expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(deployment().spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(deployment().spec.template.metadata.labels).toMatchObject(deployment().spec.selector.matchLabels);
    const http = svc.spec.ports.find((p: any) => p.name === 'http');
    expect(http.port).toBe(8888);
    expect(portOf(container('orchsim'), http.targetPort)).toBe(Number(flagValue(orchsimArgs(), '--port')));
  });

  it('orchsim runs the image from the Dockerfile with arguments `orchsim serve --help` lists', async () => {
    const c = container('orchsim');
    expect(c.image).toMatch(/^orchsim:/);
    expect(c.command).toBeUndefined(); // the image's ENTRYPOINT runs the CLI
    const args = orchsimArgs();
    expect(args[0]).toBe('serve');
    const [help, profiles] = await orchsimAll([['serve', '--help'], ['profiles']]);
    expect(help!.code).toBe(0);
    const known = new Set([...help!.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
    expect(known.has('--port')).toBe(true); // the pattern reads the help at all
    const flags = args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
    expect(flags).toContain('--in-cluster');
    expect(flags.filter((f) => !known.has(f)), 'flags serve does not know').toEqual([]);
    const profile = flagValue(args, '--profile')!;
    expect(profiles!.stdout).toMatch(new RegExp(`^  ${profile} `, 'm'));
  });

  it('both containers run as non-root on a read-only root filesystem without privilege escalation', () => {
    const spec = deployment().spec.template.spec;
    for (const name of ['kube-scheduler', 'orchsim']) {
      const sc = { ...spec.securityContext, ...container(name).securityContext };
      expect(sc.runAsNonRoot, name).toBe(true);
      // The images' users are root (kube-scheduler) and the name "node" (orchsim): kubelet
      // refuses runAsNonRoot without a numeric, non-zero uid.
      expect(sc.runAsUser, name).toBeGreaterThan(0);
      expect(sc.readOnlyRootFilesystem, name).toBe(true);
      expect(sc.allowPrivilegeEscalation, name).toBe(false);
      const res = container(name).resources;
      expect(res.requests.cpu && res.requests.memory && res.limits.memory, name).toBeTruthy();
    }
    expect(container('kube-scheduler').livenessProbe.httpGet).toMatchObject({ port: 10259, scheme: 'HTTPS' });
  });

  it('the service account exists and its roles cover kube-scheduler, its Lease and orchsim', () => {
    const all = extender();
    const sa = one(all, 'ServiceAccount', deployment().spec.template.spec.serviceAccountName);
    const boundToSa = (d: Record<string, any>) =>
      (d.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === sa.metadata.name && s.namespace === sa.metadata.namespace);
    const bindings = all.filter((d) => (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') && boundToSa(d));
    const clusterRoles = bindings.filter((b) => b.kind === 'ClusterRoleBinding').map((b) => b.roleRef.name);
    expect(clusterRoles).toEqual(expect.arrayContaining(['system:kube-scheduler', 'system:volume-scheduler']));

    // Rules of the roles defined here and bound to the service account.
    const rules = bindings.flatMap((b) => {
      const role = all.find((d) => d.kind === b.roleRef.kind && d.metadata.name === b.roleRef.name && (b.kind === 'ClusterRoleBinding' || d.metadata.namespace === b.metadata.namespace));
      return role ? (role.rules as any[]) : [];
    });
    const allows = (resource: string, verb: string, name?: string) =>
      rules.some((r) => r.resources.includes(resource) && r.verbs.includes(verb) && (r.apiGroups.includes('') || r.apiGroups.includes('coordination.k8s.io'))
        && (r.resourceNames === undefined || (name !== undefined && r.resourceNames.includes(name))));
    for (const resource of ['pods', 'nodes']) {
      for (const verb of ['list', 'watch']) expect(allows(resource, verb), `${verb} ${resource}`).toBe(true);
    }
    // orchsim binds only with --enable-bind; without it, it gets no right to bind either.
    const args: string[] = deployment().spec.template.spec.containers.find((c: any) => c.name === 'orchsim').args;
    expect(allows('pods/binding', 'create'), 'create pods/binding').toBe(args.includes('--enable-bind'));
    // system:kube-scheduler grants get/update only on the Lease named kube-scheduler.
    const lease = schedulerConfig().leaderElection.resourceName;
    for (const verb of ['get', 'update']) expect(allows('leases', verb, lease), `${verb} lease ${lease}`).toBe(true);
  });
});

describe('deploy/grafana', () => {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/orchsim-dashboard.json', 'utf8')) as Record<string, any>;
  // metrics.om of the default scenario, as `orchsim run --out` writes it.
  const out = runPrepared(prepareScenario(undefined), { sampledState: true });
  const om = runOpenMetrics(out, { start: DEFAULT_METRICS_START, labels: runLabels(out.result) });
  const sampleNames = new Set(om.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf('{'))));
  const labelNames = new Set([...om.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]!));
  const panels: Record<string, any>[] = dashboard.panels;
  const exprs: string[] = panels.flatMap((p) => (p.targets ?? []).map((t: { expr: string }) => t.expr));
  const variables: Record<string, any>[] = dashboard.templating.list;

  it('every metric its queries and variables read is in metrics.om of the default scenario', () => {
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set([...exprs, ...variables.map((v) => v.definition ?? '')].flatMap((e) => [...e.matchAll(/\borchsim_[a-zA-Z0-9_:]*/g)].map((m) => m[0])));
    expect([...used].filter((m) => !sampleNames.has(m))).toEqual([]);
    // The panels the dashboard promises: utilization by resource, pending pods, nodes ready, availability, incidents, per-zone utilization.
    for (const m of ['orchsim_cluster_cpu_requested_ratio', 'orchsim_pods_pending', 'orchsim_nodes_ready', 'orchsim_service_ready_replicas', 'orchsim_incidents_total', 'orchsim_node_cpu_requested_ratio']) expect(used).toContain(m);
  });

  it('its variables are labels of the samples (arm and variant only in comparisons), and every query uses them', () => {
    const query = variables.filter((v) => v.type === 'query');
    for (const v of query) {
      const label = /label_values\([^,]+, (\w+)\)/.exec(v.definition)?.[1];
      expect(label, v.name).toBeDefined();
      if (label !== 'arm' && label !== 'variant') expect(labelNames, v.name).toContain(label);
      // "All" must match a series without the label (a run has no arm): .* matches the empty value.
      expect(v.allValue).toBe('.*');
    }
    for (const e of exprs) for (const v of ['scenario', 'profile', 'seed', 'arm', 'variant']) expect(e, e).toContain(`${v}=~"$${v}"`);
  });

  it('asks for a Prometheus data source and uses it in every panel, with a recent schema', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(variables.find((v) => v.type === 'datasource')).toMatchObject({ name: 'datasource', query: 'prometheus' });
    expect(dashboard.__inputs[0]).toMatchObject({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' });
    for (const p of panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
    }
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
