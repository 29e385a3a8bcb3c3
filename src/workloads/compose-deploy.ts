import {
  SWARM_DEFAULT_RESTART_POLICY,
  SWARM_DEFAULT_SETTINGS,
  SWARM_DEFAULT_UPDATE_CONFIG,
  type SwarmConstraint,
  type SwarmPlacement,
  type SwarmRestartPolicy,
  type SwarmServiceSettings,
  type SwarmUpdateConfig,
} from '../api/swarm.js';
import { describe, isObj, IssueList, oneOf, readInt, readList, readMap, readString, type Obj, type Path } from './kube-fields.js';
import { formatCount, MAX_PODS_PER_WORKLOAD } from './input-limits.js';

/**
 * A Compose file's `deploy:` section (Compose file format 3.x as `docker stack deploy` reads it;
 * compose-spec deploy.md) to Docker Swarm service settings. Defaults are swarmkit's
 * (api/defaults/service.go, SWARM_DEFAULT_* in src/api/swarm.ts) as the docker CLI and daemon pass
 * them on (docker/cli cli/compose/convert/service.go, moby daemon/cluster/convert/service.go).
 * Checks are the ones swarmkit's control API makes (manager/controlapi/service.go), so a file
 * `docker stack deploy` would refuse is refused here too. Unknown keys inside `deploy` are bad
 * input: a typo must not silently become a default.
 */

/**
 * Where issues and warnings go: `out` for bad input; `warn` for what runs but not as in Swarm (a
 * field read but not modelled). `key` names the warning, so the caller can give each once per file.
 */
export interface DeployReader {
  readonly out: IssueList;
  warn(key: string, path: Path, message: string): void;
}

/** deploy.mode (docker/cli convertDeployMode). */
export type SwarmMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';

/** What a stack file's `deploy:` says about one service. */
export interface ComposeDeploy {
  readonly mode: SwarmMode;
  /** deploy.replicas as written (undefined: 1 for a service; for a job, 1 completion at a time). */
  readonly replicas: number | undefined;
  /** deploy.resources.reservations: what Swarm's scheduler counts (ResourceFilter), and so the pod's requests. */
  readonly reservations: { readonly milliCPU: number; readonly memory: number; readonly milliGPU: number };
  /** deploy.resources.limits, read and checked; not simulated (no throttling, no OOM kills). */
  readonly limits?: { readonly milliCPU: number; readonly memory: number } | undefined;
  /** deploy.labels: the service's labels (orchsim.io/duration and orchsim.io/start-at are read from them). */
  readonly labels: Readonly<Record<string, string>>;
  /** Placement, restart policy, update and rollback config; hostPorts come from the service's `ports`. */
  readonly settings: Omit<SwarmServiceSettings, 'hostPorts'>;
}

const DEPLOY_KEYS = ['mode', 'replicas', 'endpoint_mode', 'labels', 'placement', 'resources', 'restart_policy', 'update_config', 'rollback_config'] as const;
const SWARM_KEYS = ['placement', 'restart_policy', 'update_config', 'rollback_config'] as const;
const PLACEMENT_KEYS = ['constraints', 'preferences', 'max_replicas_per_node'] as const;
const RESTART_KEYS = ['condition', 'delay', 'max_attempts', 'window'] as const;
const UPDATE_KEYS = ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'] as const;

/** Reports every key of `m` not in `allowed` (`hint` explains where such a key belongs instead). */
export function checkKeys(m: Obj, allowed: readonly string[], path: Path, out: IssueList, what: string, hint: Readonly<Record<string, string>> = {}): void {
  for (const k of Object.keys(m)) {
    if (allowed.includes(k)) continue;
    out.add([...path, k], (Object.hasOwn(hint, k) ? hint[k] : undefined) ?? `unknown key "${k}" in ${what} (expected ${allowed.join(', ')})`);
  }
}

/**
 * The whole `deploy:` mapping of a stack file's service. `restart` is the service's legacy
 * `restart:` value, used when deploy.restart_policy is absent (docker/cli convertRestartPolicy).
 */
export function readComposeDeploy(v: unknown, path: Path, r: DeployReader, restart?: { readonly value: unknown; readonly path: Path }): ComposeDeploy {
  const m = readMap(v, path, r.out) ?? {};
  checkKeys(m, DEPLOY_KEYS, path, r.out, 'deploy');
  const mode = oneOf(m['mode'], ['replicated', 'global', 'replicated-job', 'global-job'] as const, [...path, 'mode'], r.out) ?? 'replicated';
  const replicas = readCount(m['replicas'], [...path, 'replicas'], r.out);
  if (m['replicas'] !== undefined && m['replicas'] !== null && (mode === 'global' || mode === 'global-job')) {
    // docker/cli convertDeployMode.
    r.out.add([...path, 'replicas'], 'replicas can only be used with replicated or replicated-job mode');
  }
  oneOf(m['endpoint_mode'], ['vip', 'dnsrr'] as const, [...path, 'endpoint_mode'], r.out);
  const labels = readLabels(m['labels'], [...path, 'labels'], r.out);
  const res = readResources(m['resources'], [...path, 'resources'], r);
  let settings = readSwarmParts(m, path, r);
  if ((m['restart_policy'] === undefined || m['restart_policy'] === null) && restart) {
    settings = { ...settings, restartPolicy: legacyRestart(restart.value, restart.path, r.out) };
  }
  return { mode, replicas, reservations: res.reservations, limits: res.limits, labels, settings };
}

/**
 * The Swarm part of `deploy:` on a scenario's own workload: placement, restart_policy,
 * update_config, rollback_config, and `hostPorts` (published ports in host mode). Replicas,
 * resources and mode come from the workload itself.
 */
export function readScenarioDeploy(v: unknown, path: Path, r: DeployReader): SwarmServiceSettings {
  const m = readMap(v, path, r.out) ?? {};
  const own = 'set on the workload itself, not in deploy:';
  checkKeys(m, [...SWARM_KEYS, 'hostPorts'], path, r.out, 'deploy', {
    mode: "mode is the workload's type, not a deploy: key (service = replicated, daemonset = global, job = replicated-job)",
    replicas: `replicas is ${own} \`replicas\``,
    resources: `resources is ${own} \`requests\` (Swarm counts reservations only)`,
    ports: 'give published ports in host mode as `hostPorts: [80]` (ingress ports are not modelled)',
  });
  const hostPorts: number[] = [];
  readList(m['hostPorts'], [...path, 'hostPorts'], r.out).forEach((p, i) => {
    const port = readInt(p, [...path, 'hostPorts', i], r.out, 1, 65535);
    if (port === undefined) return;
    if (hostPorts.includes(port)) r.out.add([...path, 'hostPorts', i], `duplicate host port ${port}`);
    else hostPorts.push(port);
  });
  return { ...readSwarmParts(m, path, r), hostPorts };
}

function readSwarmParts(m: Obj, path: Path, r: DeployReader): Omit<SwarmServiceSettings, 'hostPorts'> {
  return {
    placement: readPlacement(m['placement'], [...path, 'placement'], r),
    restartPolicy: readRestartPolicy(m['restart_policy'], [...path, 'restart_policy'], r.out),
    updateConfig: readUpdateConfig(m['update_config'], [...path, 'update_config'], r.out, false),
    rollbackConfig: readUpdateConfig(m['rollback_config'], [...path, 'rollback_config'], r.out, true),
  };
}

// ---------------------------------------------------------------------------------------------
// Placement

// manager/constraint/constraint.go: keys alphaNumeric, values valuePattern; operators tried in
// this order, so "a!==b" splits at "==" and fails on the key "a!". Go's \s is [\t\n\f\r ].
const CONSTRAINT_KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const CONSTRAINT_VALUE = /^[a-z0-9:\-_\t\n\f\r .*()?+[\]\\^$|/]+$/i;
const CONSTRAINT_OPERATORS = ['==', '!='] as const;
/** The keys NodeMatches knows (case-insensitive); any other key matches no node. */
const CONSTRAINT_NODE_KEYS = ['node.id', 'node.hostname', 'node.ip', 'node.role', 'node.platform.os', 'node.platform.arch'];
const LABEL_PREFIXES = ['node.labels.', 'engine.labels.'];

/**
 * One placement constraint, "node.labels.zone == a", parsed as swarmkit's constraint.Parse does,
 * or why it is not one. A key NodeMatches does not know parses upstream but then matches no node,
 * so the service would never run: refused here as a likely typo.
 */
export function parseComposeConstraint(text: string): SwarmConstraint | { readonly error: string } {
  const op = CONSTRAINT_OPERATORS.find((o) => text.includes(o));
  if (op === undefined) return { error: `expected "<key> == <value>" or "<key> != <value>", e.g. "node.labels.zone == a" (operators: ==, !=), got ${JSON.stringify(text)}` };
  const at = text.indexOf(op);
  const key = text.slice(0, at).trim();
  const value = text.slice(at + op.length).trim();
  if (!CONSTRAINT_KEY.test(key)) return { error: `constraint key ${JSON.stringify(key)} is invalid (expected letters, digits, "-", "_" and ".", as in node.labels.zone)` };
  if (!CONSTRAINT_VALUE.test(value)) return { error: `constraint value ${JSON.stringify(value)} is invalid (letters, digits and : - _ . * ( ) ? + [ ] \\ ^ $ | / only; no other operators)` };
  const lower = key.toLowerCase();
  const labelKey = LABEL_PREFIXES.some((p) => lower.startsWith(p) && key.length > p.length);
  if (!labelKey && !CONSTRAINT_NODE_KEYS.includes(lower)) {
    return { error: `constraint key ${JSON.stringify(key)} matches no node (expected ${CONSTRAINT_NODE_KEYS.join(', ')}, node.labels.<label> or engine.labels.<label>)` };
  }
  return { key, operator: op, value };
}

function readPlacement(v: unknown, path: Path, r: DeployReader): SwarmPlacement {
  const m = readMap(v, path, r.out);
  if (!m) return SWARM_DEFAULT_SETTINGS.placement;
  checkKeys(m, PLACEMENT_KEYS, path, r.out, 'placement');
  const constraints: SwarmConstraint[] = [];
  const cPath = [...path, 'constraints'];
  if (isObj(m['constraints'])) r.out.add(cPath, 'expected a list of constraints such as ["node.labels.zone == a"], got a mapping');
  else {
    readList(m['constraints'], cPath, r.out).forEach((c, i) => {
      const s = readString(c, [...cPath, i], r.out);
      if (s === undefined) return;
      const parsed = parseComposeConstraint(s);
      if ('error' in parsed) r.out.add([...cPath, i], parsed.error);
      else constraints.push(parsed);
    });
  }
  const preferences: string[] = [];
  const pPath = [...path, 'preferences'];
  readList(m['preferences'], pPath, r.out).forEach((p, i) => {
    const pm = readMap(p, [...pPath, i], r.out);
    if (!pm) return;
    checkKeys(pm, ['spread'], [...pPath, i], r.out, 'a placement preference (only spread exists)');
    const spread = readString(pm['spread'], [...pPath, i, 'spread'], r.out);
    if (spread === undefined) {
      if (pm['spread'] === undefined || pm['spread'] === null) r.out.add([...pPath, i], 'expected {spread: node.labels.<label>}');
      return;
    }
    // nodeset.go tree(): other descriptors are skipped, so such a preference does nothing.
    if (!LABEL_PREFIXES.some((x) => spread.startsWith(x) && spread.length > x.length)) r.warn(`spread ${spread}`, [...pPath, i, 'spread'], `spread over ${JSON.stringify(spread)} has no effect: Swarm spreads only over node.labels.<label> or engine.labels.<label>`);
    preferences.push(spread);
  });
  const maxReplicas = readInt(m['max_replicas_per_node'], [...path, 'max_replicas_per_node'], r.out, 0) ?? 0;
  return { constraints, preferences, maxReplicas };
}

// ---------------------------------------------------------------------------------------------
// Restart policy, update and rollback config

function readRestartPolicy(v: unknown, path: Path, out: IssueList): SwarmRestartPolicy {
  const m = readMap(v, path, out);
  if (!m) return SWARM_DEFAULT_RESTART_POLICY;
  checkKeys(m, RESTART_KEYS, path, out, 'restart_policy');
  const d = SWARM_DEFAULT_RESTART_POLICY;
  return {
    condition: oneOf(m['condition'], ['none', 'on-failure', 'any'] as const, [...path, 'condition'], out) ?? d.condition,
    // An unset delay is filled in by defaults.InterpolateService (5 s); an explicit 0 stays 0.
    delay: readDuration(m['delay'], [...path, 'delay'], out) ?? d.delay,
    maxAttempts: readInt(m['max_attempts'], [...path, 'max_attempts'], out, 0) ?? d.maxAttempts,
    window: readDuration(m['window'], [...path, 'window'], out) ?? d.window,
  };
}

/**
 * The service-level `restart:` of Compose, used when deploy.restart_policy is absent
 * (docker/cli convertRestartPolicy): "always" and "unless-stopped" -> any, "on-failure[:N]" ->
 * on-failure with N attempts; "no" leaves swarmkit's default (any), as the CLI does.
 */
function legacyRestart(v: unknown, path: Path, out: IssueList): SwarmRestartPolicy {
  const s = readString(v, path, out);
  if (s === undefined || s === '' || s === 'no') return SWARM_DEFAULT_RESTART_POLICY;
  const m = /^(always|unless-stopped|on-failure)(?::(\d+))?$/.exec(s);
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    out.add(path, `expected "no", "always", "unless-stopped" or "on-failure[:max-retries]", got ${describe(s)}`);
    return SWARM_DEFAULT_RESTART_POLICY;
  }
  // A restart policy without a delay gets swarmkit's 5 s (defaults.InterpolateService).
  return { ...SWARM_DEFAULT_RESTART_POLICY, condition: m[1] === 'on-failure' ? 'on-failure' : 'any', maxAttempts: Number(m[2] ?? 0) };
}

function readUpdateConfig(v: unknown, path: Path, out: IssueList, rollback: boolean): SwarmUpdateConfig {
  const m = readMap(v, path, out);
  if (!m) return SWARM_DEFAULT_UPDATE_CONFIG;
  checkKeys(m, UPDATE_KEYS, path, out, rollback ? 'rollback_config' : 'update_config');
  const d = SWARM_DEFAULT_UPDATE_CONFIG;
  // A rollback that fails can only pause or go on (compose-spec deploy.md rollback_config).
  const actions = rollback ? (['pause', 'continue'] as const) : (['pause', 'continue', 'rollback'] as const);
  const ratioPath = [...path, 'max_failure_ratio'];
  const ratio = m['max_failure_ratio'];
  let maxFailureRatio = d.maxFailureRatio;
  if (ratio !== undefined && ratio !== null) {
    // controlapi validateUpdate.
    if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) out.add(ratioPath, `expected a fraction from 0 to 1 (update-maxfailureratio cannot be less than 0 or bigger than 1), got ${describe(ratio)}`);
    else maxFailureRatio = ratio;
  }
  return {
    parallelism: readInt(m['parallelism'], [...path, 'parallelism'], out, 0) ?? d.parallelism,
    delay: readDuration(m['delay'], [...path, 'delay'], out) ?? d.delay,
    failureAction: oneOf(m['failure_action'], actions, [...path, 'failure_action'], out) ?? d.failureAction,
    // moby's convert leaves a monitor of 0 unset, so swarmkit's 5 s applies (daemon/cluster/convert/service.go).
    monitor: readDuration(m['monitor'], [...path, 'monitor'], out) || d.monitor,
    maxFailureRatio,
    order: oneOf(m['order'], ['stop-first', 'start-first'] as const, [...path, 'order'], out) ?? d.order,
  };
}

// ---------------------------------------------------------------------------------------------
// Resources

interface Resources {
  reservations: ComposeDeploy['reservations'];
  limits: ComposeDeploy['limits'];
}

function readResources(v: unknown, path: Path, r: DeployReader): Resources {
  const m = readMap(v, path, r.out);
  const none = { milliCPU: 0, memory: 0, milliGPU: 0 };
  if (!m) return { reservations: none, limits: undefined };
  checkKeys(m, ['limits', 'reservations'], path, r.out, 'resources');
  const resPath = [...path, 'reservations'];
  const res = readMap(m['reservations'], resPath, r.out);
  let reservations = none;
  if (res) {
    checkKeys(res, ['cpus', 'memory', 'generic_resources', 'devices'], resPath, r.out, 'reservations');
    if (res['devices'] !== undefined) r.warn('devices', [...resPath, 'devices'], 'field deploy.resources.reservations.devices is not modelled (device reservations are a `docker compose up` feature that `docker stack deploy` does not pass to Swarm; use generic_resources)');
    reservations = {
      milliCPU: readCpus(res['cpus'], [...resPath, 'cpus'], r.out),
      memory: readMemory(res['memory'], [...resPath, 'memory'], r.out),
      milliGPU: readGenericResources(res['generic_resources'], [...resPath, 'generic_resources'], r),
    };
  }
  const limPath = [...path, 'limits'];
  const lim = readMap(m['limits'], limPath, r.out);
  let limits: ComposeDeploy['limits'];
  if (lim) {
    checkKeys(lim, ['cpus', 'memory', 'pids'], limPath, r.out, 'limits');
    readInt(lim['pids'], [...limPath, 'pids'], r.out, 0);
    limits = { milliCPU: readCpus(lim['cpus'], [...limPath, 'cpus'], r.out), memory: readMemory(lim['memory'], [...limPath, 'memory'], r.out) };
    r.warn('limits', limPath, "field deploy.resources.limits is not modelled (no CPU throttling, no OOM kills; Swarm's scheduler counts reservations only)");
  }
  return { reservations, limits };
}

/** Generic resources as whole GPUs (milli-GPU): discrete kinds NVIDIA-GPU or gpu; other kinds are warned about. */
function readGenericResources(v: unknown, path: Path, r: DeployReader): number {
  let milliGPU = 0;
  readList(v, path, r.out).forEach((g, i) => {
    const p = [...path, i];
    const gm = readMap(g, p, r.out);
    if (!gm) return;
    checkKeys(gm, ['discrete_resource_spec', 'named_resource_spec'], p, r.out, 'a generic resource');
    if (gm['named_resource_spec'] !== undefined) {
      r.warn('named_resource_spec', [...p, 'named_resource_spec'], 'field named_resource_spec is not modelled (named generic resources, devices by id, are not simulated)');
    }
    const spec = readMap(gm['discrete_resource_spec'], [...p, 'discrete_resource_spec'], r.out);
    if (!spec) return;
    const sp = [...p, 'discrete_resource_spec'];
    checkKeys(spec, ['kind', 'value'], sp, r.out, 'discrete_resource_spec');
    const kind = readString(spec['kind'], [...sp, 'kind'], r.out);
    const value = readInt(spec['value'], [...sp, 'value'], r.out, 1, 1_000_000);
    if (kind === undefined && (spec['kind'] === undefined || spec['kind'] === null)) r.out.add([...sp, 'kind'], 'expected kind, e.g. NVIDIA-GPU');
    if (value === undefined && (spec['value'] === undefined || spec['value'] === null)) r.out.add([...sp, 'value'], 'expected value, a count such as 1');
    if (kind === undefined || value === undefined) return;
    // Swarm matches kinds by name against the engine's node-generic-resources; orchsim's nodes
    // know GPUs only (nvidia.com/gpu), which is what the usual NVIDIA-GPU kind stands for.
    if (/^(nvidia-)?gpu$/i.test(kind)) milliGPU += value * 1000;
    else r.warn(`generic_resources kind ${kind}`, [...sp, 'kind'], `generic resource kind ${JSON.stringify(kind)} is not simulated (only GPUs: NVIDIA-GPU or gpu)`);
  });
  return milliGPU;
}

// ---------------------------------------------------------------------------------------------
// Units

/**
 * `cpus: "0.5"` to milli-CPU: a decimal number of cores, as docker/cli opts.ParseCPUs reads it
 * (a rational number of nano-CPUs: more than 9 decimals is "too precise"); rounded up to whole
 * milli-CPU. undefined when it is not one.
 */
export function parseComposeCpus(v: string | number): number | undefined {
  const nano = parseNanoCpus(v);
  return nano === undefined ? undefined : Math.ceil(nano / 1e6);
}

function parseNanoCpus(v: string | number): number | undefined {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v.trim();
  const m = /^(\d+)(?:\.(\d{0,9}))?$|^\.(\d{1,9})$/.exec(s);
  if (!m) return undefined;
  const nano = Number(m[1] ?? 0) * 1e9 + Number((m[2] ?? m[3] ?? '').padEnd(9, '0'));
  return Number.isSafeInteger(nano) ? nano : undefined;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * A Compose byte value to bytes, as docker/go-units RAMInBytes reads it (what the compose loader
 * uses): a number, optionally a space, then b, or k/m/g/t/p optionally followed by "b" or "ib",
 * case-insensitive, multiples of 1024 ("512M" = 512 MiB, "1gb" = 1 GiB, "1.5g"); a plain number
 * is bytes. Truncated to whole bytes as int64(size) does. undefined when it is not one.
 */
export function parseComposeBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^(\d+(?:\.\d*)?|\.\d+) ?([a-z]{0,3})$/i.exec(v.trim());
  if (!m) return undefined;
  const size = Number(m[1]);
  const sfx = m[2]!.toLowerCase();
  if (sfx === '' || sfx === 'b') return Math.trunc(size);
  const mul = BYTE_UNITS[sfx[0]!];
  if (mul === undefined || (sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) return undefined;
  return Math.trunc(size * mul);
}

const GO_DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * A Go duration (time.ParseDuration: "5s", "1m30s", "1.5h", "300ms", "0") to seconds; a sign
 * is allowed as in Go, so the caller can say "cannot be negative". undefined when it is not one.
 */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(s.trim())!;
  const body = m[2]!;
  if (body === '0') return 0;
  if (body === '') return undefined;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    part.lastIndex = pos;
    const p = part.exec(body);
    if (!p) return undefined;
    total += Number(p[1]) * GO_DURATION_UNITS[p[2]!]!;
    pos = part.lastIndex;
  }
  return m[1] === '-' ? -total : total;
}

function readDuration(v: unknown, path: Path, out: IssueList): number | undefined {
  if (v === undefined || v === null) return undefined;
  const seconds = typeof v === 'string' ? parseGoDuration(v) : v === 0 ? 0 : undefined;
  if (seconds === undefined) {
    out.add(path, `expected a duration such as "5s", "1m30s" or "500ms" (Go syntax: ns, us, ms, s, m, h${typeof v === 'number' ? '; a bare number has no unit' : ''}), got ${describe(v)}`);
    return undefined;
  }
  // controlapi validateRestartPolicy / validateUpdate: "cannot be negative".
  if (seconds < 0) {
    out.add(path, `cannot be negative, got ${describe(v)}`);
    return undefined;
  }
  return seconds;
}

function readCpus(v: unknown, path: Path, out: IssueList): number {
  if (v === undefined || v === null) return 0;
  const nano = typeof v === 'string' || typeof v === 'number' ? parseNanoCpus(v) : undefined;
  if (nano === undefined) {
    out.add(path, `expected a number of CPUs such as "0.5" or 2 (at most 9 decimals), got ${describe(v)}`);
    return 0;
  }
  // controlapi validateResources: NanoCPUs, when set, at least 1e6 (0.001 CPUs).
  if (nano !== 0 && nano < 1e6) {
    out.add(path, `invalid cpu value ${describe(v)}: must be at least 0.001`);
    return 0;
  }
  return Math.ceil(nano / 1e6);
}

const MIN_MEMORY = 4 * 2 ** 20;

function readMemory(v: unknown, path: Path, out: IssueList): number {
  if (v === undefined || v === null) return 0;
  const bytes = typeof v === 'string' || typeof v === 'number' ? parseComposeBytes(v) : undefined;
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    out.add(path, `expected a byte value such as "512M", "1.5g" or "1gb" (units b, k, m, g, t, p, optionally followed by b or ib; multiples of 1024), got ${describe(v)}`);
    return 0;
  }
  // controlapi validateResources: MemoryBytes, when set, at least 4 MiB.
  if (bytes !== 0 && bytes < MIN_MEMORY) {
    out.add(path, `invalid memory value ${describe(v)}: must be at least 4MiB`);
    return 0;
  }
  return bytes;
}

/** replicas: a count from 0 to MAX_PODS_PER_WORKLOAD (input-limits.ts). */
function readCount(v: unknown, path: Path, out: IssueList): number | undefined {
  const n = readInt(v, path, out, 0);
  if (n === undefined || n <= MAX_PODS_PER_WORKLOAD) return n;
  out.add(path, `at most ${formatCount(MAX_PODS_PER_WORKLOAD)} tasks per service (the limit), got ${n}`);
  return undefined;
}

/** Labels as a mapping or a list of "key=value" (Compose accepts both). */
export function readLabels(v: unknown, path: Path, out: IssueList): Record<string, string> {
  const labels: Record<string, string> = {};
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const s = readString(item, [...path, i], out);
      if (s === undefined) return;
      const eq = s.indexOf('=');
      labels[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? '' : s.slice(eq + 1);
    });
    return labels;
  }
  const m = readMap(v, path, out);
  for (const [k, value] of Object.entries(m ?? {})) {
    // Compose turns numbers and booleans into strings; null is the empty string.
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') labels[k] = value === null ? '' : String(value);
    else out.add([...path, k], `expected a string, got ${describe(value)}`);
  }
  return labels;
}
