/**
 * Reads a `docker stack deploy` file (Compose file format 3.x, or the Compose Specification
 * without `version`) into workloads: each service becomes one, with its Swarm settings from
 * `deploy:` (compose-deploy.ts). Like manifests.ts, this layer parses, maps issue paths back to
 * lines, and throws every issue of the file at once; fields that change what Swarm does but are
 * not simulated (networks, volumes, health checks, ingress ports...) are warnings.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair } from 'yaml';
import type { Distribution } from '../api/distribution.js';
import type { LabelSelector } from '../api/labels.js';
import type { PodSpec } from '../api/pod.js';
import { resources } from '../api/resources.js';
import type { SwarmServiceSettings } from '../api/swarm.js';
import type { Workload } from '../api/workload.js';
import { InputError, issueAt, type InputIssue } from '../util/errors.js';
import { readComposeDeploy, readLabels, type ComposeDeploy, type DeployReader } from './compose-deploy.js';
import { formatCount, MAX_STACK_SERVICES, yamlDepthIssue, yamlDocProblems, yamlErrorText, yamlValue } from './input-limits.js';
import { describe, durationText, isObj, IssueList, readInt, readList, readMap, readString, type Locate, type Path } from './kube-fields.js';
import { ANNOTATION_DURATION, ANNOTATION_START_AT, DEFAULT_JOB_DURATION, DEFAULT_STARTUP } from './manifests.js';

/** Label docker stack deploy puts on a stack's services and their containers (docker/cli cli/compose/convert LabelNamespace). */
export const LABEL_STACK_NAMESPACE = 'com.docker.stack.namespace';
/** Label Swarm puts on a task's container: the service's full name (<stack>_<service>). */
export const LABEL_SERVICE_NAME = 'com.docker.swarm.service.name';

export interface StackOptions {
  /** The stack's name (`docker stack deploy -c FILE NAME`); default the file's `name:`, else its base name without extension. */
  readonly stack?: string | undefined;
  /** Run time of each task of a replicated-job without an orchsim.io/duration label (default 1 hour, as for manifests' Jobs). */
  readonly defaultJobDuration?: Distribution | undefined;
  /** Bind-to-running delay (default 0, as for manifests: a stack file says nothing about image pulls). */
  readonly startup?: Distribution | undefined;
}

export interface Stack {
  readonly name: string;
  /** One per service, in file order, named <stack>_<service> as `docker service ls` shows them. */
  readonly workloads: Workload[];
  /** Fields that change what Swarm does but are not simulated: one per field per file. */
  readonly warnings: InputIssue[];
}

const TOP_KEYS = ['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets'];
// Compose service names (compose-spec schema: ^[a-zA-Z0-9._-]+$).
const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

/** Service keys that change what Swarm does but that the simulator leaves out, and why. */
export const UNMODELLED_SERVICE_KEYS: Readonly<Record<string, string>> = {
  networks: 'overlay networks are not simulated; tasks are placed as if every node reached every network',
  volumes: 'volumes are not simulated (volume drivers and cluster volumes restrict placement in Swarm: PluginFilter, VolumesFilter)',
  configs: 'configs are not simulated',
  secrets: 'secrets are not simulated',
  healthcheck: 'health checks are not simulated: a task counts as healthy once it runs (Swarm waits for healthy before an update goes on)',
  build: '`docker stack deploy` ignores build: images must be built and pushed beforehand',
  depends_on: '`docker stack deploy` ignores depends_on: services start in no particular order',
};

/**
 * Parses a stack file and converts its services. Throws one InputError with every issue of the
 * file (positions from the YAML); returns the workloads and the warnings.
 */
export function readStack(text: string, file: string, options: StackOptions = {}): Stack {
  // Before the real parse, whose composer recurses once per nesting level.
  const deep = yamlDepthIssue(text, file);
  if (deep) throw new InputError(deep);
  const lineCounter = new LineCounter();
  // merge: Compose files share settings with anchors and merge keys (`<<: *defaults`, compose-spec 10-fragments.md).
  // uniqueKeys off: yamlDocProblems checks them in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const problems = doc.errors.length > 0 ? doc.errors.map((e) => ({ offset: e.pos[0], message: yamlErrorText(e.message) })) : yamlDocProblems(doc, { merge: true });
  if (problems.length > 0) {
    throw new InputError(problems.map((p) => {
      const pos = lineCounter.linePos(p.offset);
      return { file, line: pos.line, column: pos.col, path: [], message: `YAML syntax error: ${p.message}` };
    }));
  }
  const r = yamlValue(doc, lineCounter, file);
  if ('issue' in r) throw new InputError(r.issue);
  if ('error' in r) throw new InputError({ file, line: 1, path: [], message: `cannot read the stack file: ${r.error}` });
  const locate = keyLocator(doc, lineCounter);
  const out = new IssueList(file, locate);
  const stack = convertStack(r.value, file, locate, out, options);
  // In file order, whatever order the fields were read in (sort is stable).
  const byLine = (a: InputIssue, b: InputIssue) => (a.line ?? 0) - (b.line ?? 0);
  if (out.issues.length > 0) throw new InputError([...out.issues].sort(byLine));
  return { ...stack, warnings: stack.warnings.sort(byLine) };
}

function convertStack(value: unknown, file: string, locate: Locate, out: IssueList, options: StackOptions): Stack {
  const warnings: InputIssue[] = [];
  const warned = new Set<string>();
  const reader: DeployReader = {
    out,
    warn(key, path, message) {
      if (warned.has(key)) return;
      warned.add(key);
      warnings.push(issueAt(file, locate, path, message));
    },
  };
  const top = isObj(value) ? value : undefined;
  if (!top) {
    out.add([], `expected a stack file: a mapping with \`services:\`, got ${value === null || value === undefined ? 'an empty file' : describe(value)}`);
    return { name: '', workloads: [], warnings };
  }
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.includes(k) && !k.startsWith('x-')) out.add([k], `unknown top-level key "${k}" (expected ${TOP_KEYS.join(', ')} or an x- extension)`);
  }
  const version = top['version'];
  if (version !== undefined && version !== null) {
    // docker/cli cli/compose/loader: the stack loader reads format 3.x only.
    const v = typeof version === 'number' || typeof version === 'string' ? String(version) : '';
    if (!/^3(\.\d+)?$/.test(v)) out.add(['version'], `docker stack deploy reads Compose file format 3.x (or a file without version), got ${describe(version)}`);
  }
  const name = options.stack ?? readString(top['name'], ['name'], out) ?? file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const services = readMap(top['services'], ['services'], out);
  if (!services) {
    if (top['services'] === undefined || top['services'] === null) out.add(['services'], 'expected services: a mapping of service names to services');
    return { name, workloads: [], warnings };
  }
  const names = Object.keys(services);
  if (names.length > MAX_STACK_SERVICES) {
    out.add(['services'], `at most ${formatCount(MAX_STACK_SERVICES)} services per stack file (the limit), got ${formatCount(names.length)}`);
    return { name, workloads: [], warnings };
  }
  const workloads: Workload[] = [];
  for (const service of names) {
    const w = convertService(services[service], service, name, reader, options);
    if (w) workloads.push(w);
  }
  return { name, workloads, warnings };
}

function convertService(v: unknown, service: string, stack: string, r: DeployReader, options: StackOptions): Workload | undefined {
  const out = r.out;
  const path: Path = ['services', service];
  if (!SERVICE_NAME.test(service)) out.add(path, `service name ${JSON.stringify(service)} is invalid (letters, digits, ".", "_" and "-")`);
  const svc = readMap(v, path, out);
  if (!svc) {
    if (v === null || v === undefined) out.add(path, 'expected a service: a mapping with image, deploy, ...');
    return undefined;
  }
  for (const [key, why] of Object.entries(UNMODELLED_SERVICE_KEYS)) {
    const f = svc[key];
    if (f === undefined || f === null || (Array.isArray(f) && f.length === 0) || (isObj(f) && Object.keys(f).length === 0)) continue;
    r.warn(key, [...path, key], `field ${key} is not modelled (${why})`);
  }
  const deployPath = [...path, 'deploy'];
  const deploy = readComposeDeploy(svc['deploy'], deployPath, r, svc['restart'] !== undefined ? { value: svc['restart'], path: [...path, 'restart'] } : undefined);
  const hostPorts = readHostPorts(svc['ports'], [...path, 'ports'], r);
  const fullName = `${stack}_${service}`;
  const labels = { ...readLabels(svc['labels'], [...path, 'labels'], out), [LABEL_STACK_NAMESPACE]: stack, [LABEL_SERVICE_NAME]: fullName };
  const swarm: SwarmServiceSettings = { ...deploy.settings, hostPorts };
  const labelsPath = [...deployPath, 'labels'];
  const startAt = labelDuration(deploy, ANNOTATION_START_AT, labelsPath, out, false) ?? 0;
  const startup = options.startup ?? DEFAULT_STARTUP;
  const spec = (owned: boolean): PodSpec => ({
    namespace: stack,
    labels,
    priority: 0,
    requests: resources(deploy.reservations),
    // The service's tasks are its own: Kubernetes' system-default spreading keys on this, Swarm's spread on the service.
    ...(owned ? { ownerSelector: { matchLabels: { [LABEL_SERVICE_NAME]: fullName } } satisfies LabelSelector } : {}),
  });
  const noDuration = (kind: string) => {
    if (deploy.labels[ANNOTATION_DURATION] !== undefined) out.add([...labelsPath, ANNOTATION_DURATION], `${ANNOTATION_DURATION} applies to replicated-job services only; a ${kind} service keeps its tasks running`);
  };
  switch (deploy.mode) {
    case 'replicated':
      noDuration('replicated');
      return { kind: 'service', name: fullName, spec: spec(true), replicas: deploy.replicas ?? 1, startAt, startup, swarm };
    case 'global':
      noDuration('global');
      if (startAt !== 0) out.add([...labelsPath, ANNOTATION_START_AT], `${ANNOTATION_START_AT} does not apply to a global service: it runs on every node from the start`);
      return { kind: 'daemonset', name: fullName, spec: spec(false), startup, swarm };
    case 'replicated-job': {
      const fixed = labelDuration(deploy, ANNOTATION_DURATION, labelsPath, out, true);
      const duration: Distribution = fixed !== undefined ? { kind: 'fixed', value: fixed } : options.defaultJobDuration ?? DEFAULT_JOB_DURATION;
      // docker/cli convertDeployMode: replicas is both MaxConcurrent and TotalCompletions (the API defaults both to 1).
      const n = deploy.replicas ?? 1;
      if (n === 0) return undefined; // a job of 0 completions creates no task
      return { kind: 'job', name: fullName, spec: spec(true), completions: n, parallelism: n, startAt, duration, startup, swarm };
    }
    case 'global-job':
      out.add([...deployPath, 'mode'], 'mode global-job is not supported (orchsim has no run-once-per-node workload); use replicated-job');
      return undefined;
  }
}

/**
 * Host-mode published ports (long syntax, `mode: host`): Swarm's HostPortFilter allows one task
 * per node per port. Ingress ports (the routing mesh, and every short-syntax "80:80") take no
 * room on a node: read, and warned about as not modelled.
 */
function readHostPorts(v: unknown, path: Path, r: DeployReader): number[] {
  const ports: number[] = [];
  readList(v, path, r.out).forEach((p, i) => {
    const pp = [...path, i];
    if (typeof p === 'string' || typeof p === 'number') {
      r.warn('ingress ports', pp, 'field ports (ingress mode) is not modelled (the routing mesh takes no room on a node; only `mode: host` ports restrict placement)');
      return;
    }
    const m = readMap(p, pp, r.out);
    if (!m) return;
    const mode = m['mode'] ?? 'ingress';
    if (mode !== 'host' && mode !== 'ingress') {
      r.out.add([...pp, 'mode'], `expected one of host, ingress, got ${describe(mode)}`);
      return;
    }
    readInt(m['target'], [...pp, 'target'], r.out, 1, 65535);
    const published = typeof m['published'] === 'string' && /^\d+$/.test(m['published']) ? Number(m['published']) : m['published'];
    const port = readInt(published, [...pp, 'published'], r.out, 1, 65535);
    if (mode === 'ingress') {
      r.warn('ingress ports', pp, 'field ports (ingress mode) is not modelled (the routing mesh takes no room on a node; only `mode: host` ports restrict placement)');
      return;
    }
    if (port === undefined) {
      // A host port without a published number is picked by the engine at random: no conflict to model.
      return;
    }
    if (ports.includes(port)) r.out.add([...pp, 'published'], `port ${port} is published twice`);
    else ports.push(port);
  });
  return ports;
}

/** A duration label (orchsim.io/duration, orchsim.io/start-at, as manifests' annotations) in seconds. */
function labelDuration(deploy: ComposeDeploy, key: string, labelsPath: Path, out: IssueList, positive: boolean): number | undefined {
  const raw = deploy.labels[key];
  return raw === undefined ? undefined : durationText(raw, [...labelsPath, key], out, positive);
}

/**
 * Maps a path to where it is written: the key of its last mapping entry (so an unknown key, or a
 * block such as `networks:`, is shown at its own line), or the list item. Keys merged in with
 * `<<: *anchor` are found at the anchor. A path that does not exist maps to its deepest existing
 * ancestor.
 */
function keyLocator(doc: Document.Parsed, lineCounter: LineCounter): Locate {
  const find = (node: unknown, key: string, depth = 0): Pair | undefined => {
    if (isAlias(node)) node = node.resolve(doc);
    if (!isMap(node) || depth > 10) return undefined;
    const own = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (own) return own;
    // With `merge: true` yaml gives the merge key as Symbol(<<).
    const merge = node.items.find((p) => isScalar(p.key) && (typeof p.key.value === 'symbol' ? p.key.value.description === '<<' : p.key.value === '<<'));
    const sources = merge ? (isSeq(merge.value) ? merge.value.items : [merge.value]) : [];
    for (const src of sources) {
      const found = find(src, key, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return (path) => {
    let node: unknown = doc.contents;
    let at = rangeStart(node);
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        at = rangeStart(node) ?? at;
        continue;
      }
      const pair = find(node, String(seg));
      if (!pair) break;
      at = rangeStart(pair.key) ?? at;
      node = pair.value;
    }
    if (at === undefined) return undefined;
    const pos = lineCounter.linePos(at);
    return { line: pos.line, column: pos.col };
  };
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const r = (node as { range?: readonly number[] | null }).range;
  return r?.[0];
}
