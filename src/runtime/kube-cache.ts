/**
 * The pods and nodes of a live cluster, kept current from the Kubernetes API server with the
 * official client's informers (list, then watch from the list's resourceVersion), converted to
 * the policy types by src/workloads/kube.ts. The ClusterSource of `orchsim serve`.
 */
import { existsSync } from 'node:fs';
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type ObjectCache, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { PodInfo } from '../api/pod.js';
import type { NodeSpec } from '../api/node.js';
import { InputError } from '../util/errors.js';
import { nodeSpecFromNode, podSpecFromPod } from '../workloads/kube.js';
import type { ClusterSource } from './source.js';

/** How long a bind waits for the API server; kube-scheduler gives the extender's bind its httpTimeout (5 s by default) anyway. */
const BIND_TIMEOUT_MS = 10_000;

/**
 * Where the API server and credentials come from: exactly one of `kubeconfig` and `inCluster`.
 */
export interface KubeCacheOptions {
  /** Path of a kubeconfig file. */
  readonly kubeconfig?: string | undefined;
  /**
   * Running in a pod: the API server from KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT, the
   * pod's service-account token and CA from /var/run/secrets/kubernetes.io/serviceaccount (the
   * token file is re-read every minute, so projected tokens that rotate keep working).
   */
  readonly inCluster?: boolean | undefined;
  /** Context to use instead of the file's current-context (only with kubeconfig). */
  readonly context?: string | undefined;
  /** How long start() waits for the initial list of pods and nodes (default 30000 ms). */
  readonly syncTimeoutMs?: number | undefined;
  /** Where problems after start go (informer errors and restarts, pods skipped). */
  readonly log?: ((line: string) => void) | undefined;
  /** First delay before restarting a failed informer (doubles up to 30 s; default 500 ms). */
  readonly retryDelayMs?: number | undefined;
}

const MAX_RETRY_DELAY_MS = 30_000;
const EMPTY: readonly PodInfo[] = Object.freeze([]);

/** One pod the cache has seen (bound or not), by namespace/name. */
interface PodEntry {
  readonly uid: string;
  readonly name: string;
  /** Dense id, held while the pod exists (recycled after it is deleted). */
  readonly id: number;
  /** Order of first sight; podsOn sorts by it. */
  readonly seq: number;
  /** Node it counts on: bound and not finished. */
  node: string | undefined;
  /** What the conversion read (namespace, labels, spec) at the last conversion. */
  key: string | undefined;
  /** The converted pod; undefined when it failed conversion (skipped). */
  info: PodInfo | undefined;
}

interface NodeEntry {
  readonly pods: Set<PodEntry>;
  /** The array podsOn returns; undefined after a change, until the next podsOn. */
  view: readonly PodInfo[] | undefined;
}

interface CachedNodeSpec {
  readonly resourceVersion: string | undefined;
  readonly spec: NodeSpec | undefined;
}

/** One informer with its restart loop. */
interface Loop {
  readonly what: 'pods' | 'nodes';
  readonly informer: Informer<V1Pod | V1Node> & ObjectCache<V1Pod | V1Node>;
  /** Error reported during the current start attempt. */
  error: unknown;
  lastError: unknown;
  running: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  delay: number;
  synced: boolean;
  onSynced: (() => void) | undefined;
}

/**
 * JSON with object keys sorted: listed objects come from the client's model classes (fields in
 * model order), watched ones are the server's JSON (fields in wire order); both must key alike.
 */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Date) return x;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) sorted[k] = (x as Record<string, unknown>)[k];
    return sorted;
  });
}

function describeError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
    // ApiException of the generated client: code + the response body as text (a v1 Status).
    const code = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
    if (code !== undefined) {
      let msg: string | undefined;
      if (typeof e.body === 'string') {
        try {
          const s = JSON.parse(e.body) as { message?: unknown };
          if (typeof s.message === 'string' && s.message !== '') msg = s.message;
        } catch {
          if (e.body.trim() !== '') msg = e.body.trim();
        }
      } else if (e.body && typeof e.body === 'object' && typeof (e.body as { message?: unknown }).message === 'string') {
        msg = (e.body as { message: string }).message;
      }
      if (msg === undefined && typeof e.message === 'string' && !e.message.startsWith('HTTP-Code:')) msg = e.message;
      return `HTTP ${code}${msg ? `: ${msg}` : ''}`;
    }
    if (typeof e.message === 'string') return e.message;
  }
  return String(err);
}

/**
 * Pods and nodes from the API server. podsOn and node are synchronous reads of the cache; the
 * informers update it as watch events arrive. Returned arrays and specs are frozen and keep their
 * identity until what the policy sees of them changes (status-only updates keep them).
 */
export class KubeCache implements ClusterSource {
  private readonly byKey = new Map<string, PodEntry>();
  private readonly nodePods = new Map<string, NodeEntry>();
  private readonly nodeObjs = new Map<string, V1Node>();
  private readonly nodeSpecs = new Map<string, CachedNodeSpec>();
  private readonly loggedSkips = new Set<string>();
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private nextSeq = 0;
  private skipped = 0;
  private stopped = false;
  private isSynced = false;
  private nodeList: readonly NodeSpec[] = Object.freeze([]);
  private nodesDirty = false;
  /** Bumped on every change that can alter podsOn() or nodes() (ClusterSource.generation). */
  private changes = 0;
  private readonly loops: Loop[];
  private readonly log: (line: string) => void;
  private readonly api: CoreV1Api;

  private constructor(kc: KubeConfig, readonly server: string, private readonly options: KubeCacheOptions) {
    this.log = options.log ?? (() => {});
    this.api = kc.makeApiClient(CoreV1Api);
    // A list that completes after stop() must not go on to open a watch (ListWatch checks its
    // stopped flag only before listing): failing it ends that attempt.
    const listed = <T>(list: () => Promise<T>) => async (): Promise<T> => {
      const result = await list();
      if (this.stopped) throw new Error('stopped');
      return result;
    };
    const pods = makeInformer<V1Pod>(kc, '/api/v1/pods', listed(() => this.api.listPodForAllNamespaces()));
    pods.on('add', (p) => this.onPod(p));
    pods.on('update', (p) => this.onPod(p));
    pods.on('delete', (p) => this.onPodDeleted(p));
    const nodes = makeInformer<V1Node>(kc, '/api/v1/nodes', listed(() => this.api.listNode()));
    nodes.on('add', (n) => this.onNode(n));
    nodes.on('update', (n) => this.onNode(n));
    nodes.on('delete', (n) => this.onNodeDeleted(n));
    const loop = (what: Loop['what'], informer: Loop['informer']): Loop => ({
      what, informer, error: undefined, lastError: undefined, running: undefined, timer: undefined,
      delay: options.retryDelayMs ?? 500, synced: false, onSynced: undefined,
    });
    this.loops = [loop('pods', pods as Loop['informer']), loop('nodes', nodes as Loop['informer'])];
    for (const l of this.loops) l.informer.on('error', (err) => this.onInformerError(l, err));
  }

  /**
   * Loads the kubeconfig or the in-cluster configuration (InputError naming the file, or
   * `--in-cluster` when not running in a pod), starts the informers and resolves once both have
   * listed; rejects naming the server when they do not within syncTimeoutMs (the informers keep
   * retrying until then). Rejects with a plain Error unless exactly one of kubeconfig and
   * inCluster is given.
   */
  static async start(options: KubeCacheOptions): Promise<KubeCache> {
    const hasFile = options.kubeconfig !== undefined && options.kubeconfig !== '';
    const inCluster = options.inCluster === true;
    if (hasFile === inCluster) {
      throw new Error(`KubeCache: give exactly one of kubeconfig and inCluster (got ${hasFile ? 'both' : 'neither'})`);
    }
    if (inCluster && options.context !== undefined) throw new Error('KubeCache: context applies only with kubeconfig, not with inCluster');
    const kc = inCluster ? loadInClusterConfig() : loadKubeConfig(options.kubeconfig!, options.context);
    const server = kc.getCurrentCluster()!.server;
    const cache = new KubeCache(kc, server, options);
    const timeoutMs = options.syncTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const synced = Promise.all(cache.loops.map((l) => new Promise<void>((resolve) => {
      l.onSynced = resolve;
      cache.run(l);
    })));
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([synced, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      const why = cache.loops
        .filter((l) => !l.synced)
        .map((l) => `${l.what}: ${l.lastError !== undefined ? describeError(l.lastError) : 'no answer'}`)
        .join('; ');
      // Not awaited: a request the server never answers would hold the rejection past the timeout.
      void cache.stop();
      throw new Error(`Kubernetes API server ${server}: pods and nodes not listed within ${timeoutMs} ms (${why})`);
    }
    cache.isSynced = true;
    return cache;
  }

  /** Changes whenever a node or the pods of a node may have changed. */
  get generation(): number {
    return this.changes;
  }

  /** True once the initial lists have arrived. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Bound, unfinished pods currently left out of podsOn because they failed conversion. */
  get skippedPods(): number {
    return this.skipped;
  }

  podsOn(nodeName: string): readonly PodInfo[] {
    const n = this.nodePods.get(nodeName);
    if (!n) return EMPTY;
    if (n.view === undefined) {
      const entries = [...n.pods].sort((a, b) => a.seq - b.seq);
      const infos: PodInfo[] = [];
      for (const e of entries) if (e.info) infos.push(e.info);
      n.view = Object.freeze(infos);
    }
    return n.view;
  }

  node(name: string): NodeSpec | undefined {
    const obj = this.nodeObjs.get(name);
    if (!obj) return undefined;
    const rv = obj.metadata?.resourceVersion;
    const cached = this.nodeSpecs.get(name);
    if (cached && rv !== undefined && cached.resourceVersion === rv) return cached.spec;
    let spec: NodeSpec | undefined;
    try {
      spec = Object.freeze(nodeSpecFromNode(obj, { file: `node ${name}` }));
    } catch (err) {
      this.log(`kube-cache: ignoring node ${name}: ${describeError(err)}`);
    }
    // A status-only update converts to the same spec: keep the old object (callers compare identity).
    if (spec && cached?.spec && JSON.stringify(spec) === JSON.stringify(cached.spec)) spec = cached.spec;
    this.nodeSpecs.set(name, { resourceVersion: rv, spec });
    return spec;
  }

  nodeNames(): string[] {
    return [...this.nodeObjs.keys()];
  }

  /**
   * Every node that converts, in the order the cache first saw them; the same frozen array until
   * a node is added, removed or changes what node() returns for it.
   */
  nodes(): readonly NodeSpec[] {
    if (this.nodesDirty) {
      this.nodesDirty = false;
      const specs: NodeSpec[] = [];
      for (const name of this.nodeObjs.keys()) {
        const spec = this.node(name);
        if (spec) specs.push(spec);
      }
      const prev = this.nodeList;
      if (specs.length !== prev.length || specs.some((s, i) => s !== prev[i])) this.nodeList = Object.freeze(specs);
    }
    return this.nodeList;
  }

  /** Creates the pod's v1 Binding (POST .../pods/{name}/binding); rejects with the server's message. */
  async bind(namespace: string, name: string, uid: string, nodeName: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const call = this.api.createNamespacedPodBinding({
        name,
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, ...(uid ? { uid } : {}) },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      });
      // The client has no request timeout: a hung API server must not hold the bind forever.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from the API server within ${BIND_TIMEOUT_MS / 1000} s`)), BIND_TIMEOUT_MS);
      });
      await Promise.race([call, timeout]);
    } catch (err) {
      throw new Error(`binding pod ${namespace}/${name} to node ${nodeName}: ${describeError(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the informers and retry timers; the cache keeps its last state. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.loops) {
      if (l.timer) clearTimeout(l.timer);
      l.timer = undefined;
      await l.informer.stop();
    }
    // An informer stopped while its watch request is in flight still installs that watch when the
    // response arrives: wait for the attempt (bounded, in case the server never answers) and stop
    // again, which aborts it.
    await Promise.race([
      Promise.allSettled(this.loops.map((l) => l.running)),
      new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    for (const l of this.loops) await l.informer.stop();
  }

  // -------------------------------------------------------------------------------------------
  // Informer lifecycle. ListWatch reports a failed list or a broken watch through 'error' and
  // then stops; start() resumes it (watching from the last resourceVersion, or listing again).

  private run(l: Loop): void {
    if (this.stopped) return;
    l.error = undefined;
    const attempt = l.informer.start().then(
      () => {
        // start() resolves once the list is in and the watch connected, or after it reported an error.
        if (this.stopped || l.error !== undefined) return;
        l.delay = this.options.retryDelayMs ?? 500;
        if (!l.synced) {
          l.synced = true;
          l.onSynced?.();
        }
      },
      (err: unknown) => this.onInformerError(l, err),
    );
    l.running = attempt;
  }

  private onInformerError(l: Loop, err: unknown): void {
    if (this.stopped) return; // aborting the watch on stop reports an AbortError
    l.error = err;
    l.lastError = err;
    if (l.timer) return;
    const delay = l.delay;
    l.delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.log(`kube-cache: ${l.what} informer (${this.server}): ${describeError(err)}; restarting in ${delay} ms`);
    l.timer = setTimeout(() => {
      l.timer = undefined;
      this.run(l);
    }, delay);
  }

  // -------------------------------------------------------------------------------------------
  // Pods

  private onPod(pod: V1Pod): void {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = `${ns}/${pod.metadata?.name ?? ''}`;
    const uid = pod.metadata?.uid ?? name;
    let e = this.byKey.get(name);
    if (e && e.uid !== uid) {
      // Deleted and recreated under the same name while the watch was down.
      this.removeEntry(e);
      e = undefined;
    }
    if (!e) {
      e = { uid, name, id: this.freeIds.pop() ?? this.nextId++, seq: this.nextSeq++, node: undefined, key: undefined, info: undefined };
      this.byKey.set(name, e);
    }
    const nodeName = pod.spec?.nodeName || undefined;
    const phase = pod.status?.phase;
    if (nodeName === undefined || phase === 'Succeeded' || phase === 'Failed') {
      this.detach(e);
      return;
    }
    const key = canonicalJson([pod.metadata?.namespace, pod.metadata?.labels, pod.spec]);
    if (e.node === nodeName && e.key === key) return; // nothing the policy sees changed
    let info: PodInfo | undefined;
    try {
      info = Object.freeze({ id: e.id, name, spec: podSpecFromPod(pod, { file: `pod ${name}` }) });
    } catch (err) {
      if (!this.loggedSkips.has(uid)) {
        this.loggedSkips.add(uid);
        this.log(`kube-cache: skipping pod ${name}: ${describeError(err)}`);
      }
    }
    this.detach(e);
    e.key = key;
    e.info = info;
    e.node = nodeName;
    if (!info) this.skipped++;
    let n = this.nodePods.get(nodeName);
    if (!n) this.nodePods.set(nodeName, (n = { pods: new Set(), view: undefined }));
    n.pods.add(e);
    n.view = undefined;
    this.changes++;
  }

  private onPodDeleted(pod: V1Pod): void {
    const name = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
    const e = this.byKey.get(name);
    if (e) this.removeEntry(e);
  }

  private removeEntry(e: PodEntry): void {
    this.detach(e);
    this.byKey.delete(e.name);
    this.loggedSkips.delete(e.uid);
    this.freeIds.push(e.id);
  }

  /** Takes a pod off its node (no-op when it is on none). */
  private detach(e: PodEntry): void {
    if (e.node === undefined) return;
    const n = this.nodePods.get(e.node);
    if (n) {
      n.pods.delete(e);
      n.view = undefined;
      this.changes++;
      // An empty node reads as the shared EMPTY array, which is never anything but empty.
      if (n.pods.size === 0) this.nodePods.delete(e.node);
    }
    if (!e.info) this.skipped--;
    e.node = undefined;
    e.key = undefined;
    e.info = undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  private onNode(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    this.nodeObjs.set(name, node);
    this.nodesDirty = true;
    this.changes++;
  }

  private onNodeDeleted(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    this.nodeObjs.delete(name);
    this.nodeSpecs.delete(name);
    this.nodesDirty = true;
    this.changes++;
  }
}

/** A KubeConfig from a file, with an InputError naming the file for every way it can be unusable. */
/** Where kubelet mounts a pod's service-account credentials (fixed; the client reads it too). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The configuration of a pod: what KubeConfig.loadFromCluster reads, checked first, because
 * loadFromCluster itself never fails (outside a pod it yields a server "https://undefined:undefined"
 * and a token file that is missing at the first request).
 */
function loadInClusterConfig(): KubeConfig {
  const missing: string[] = [];
  for (const v of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) {
    if (!process.env[v]) missing.push(`${v} is not set`);
  }
  for (const f of ['token', 'ca.crt']) {
    const path = `${SERVICE_ACCOUNT_DIR}/${f}`;
    if (!existsSync(path)) missing.push(`${path} is missing`);
  }
  if (missing.length > 0) {
    const hint = 'run inside a pod with a service account token mounted (automountServiceAccountToken), or use --kubeconfig';
    throw new InputError({ file: '--in-cluster', path: [], message: `not running in a pod: ${missing.join(', ')} (${hint})` });
  }
  const kc = new KubeConfig();
  kc.loadFromCluster();
  return kc;
}

function loadKubeConfig(file: string, context: string | undefined): KubeConfig {
  const fail = (message: string): never => {
    throw new InputError({ file, path: [], message });
  };
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT') fail('kubeconfig file not found');
    fail(`cannot load kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context)) fail(`no context "${context}" in the kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (!current) fail('the kubeconfig has no current-context (pass a context)');
  if (!kc.getContextObject(current!)) fail(`no context "${current}" in the kubeconfig`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) fail(`context "${current}" names no known cluster`);
  if (!cluster!.server) fail(`cluster "${cluster!.name}" has no server`);
  if (cluster!.server.startsWith('http:') && !cluster!.skipTLSVerify) {
    // The client refuses plain http otherwise, with a less helpful message at the first request.
    fail(`cluster "${cluster!.name}" uses http:// (${cluster!.server}); the Kubernetes client requires insecure-skip-tls-verify: true for that`);
  }
  return kc;
}
