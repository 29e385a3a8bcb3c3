/**
 * A small in-process stand-in for the Kubernetes API server, for KubeCache tests: pods and nodes
 * with list, watch (newline-delimited JSON events over a chunked response kept open, resumed from
 * the `resourceVersion` query parameter) and the pods/binding subresource. Plain HTTP on
 * 127.0.0.1, bearer-token check, one global resourceVersion counter as etcd has.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

type Obj = Record<string, any>;
type Kind = 'pods' | 'nodes';
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  readonly rv: number;
  readonly kind: Kind;
  readonly type: EventType;
  readonly object: Obj;
}

interface Watcher {
  readonly kind: Kind;
  readonly res: ServerResponse;
  readonly timer: NodeJS.Timeout | undefined;
}

const LIST_KIND: Record<Kind, string> = { pods: 'PodList', nodes: 'NodeList' };

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function status(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, code };
}

export class FakeApiServer {
  /** Every request as "METHOD /path?query", in arrival order. */
  readonly requests: string[] = [];
  /** Bodies of the bindings accepted, in order. */
  readonly bindings: Obj[] = [];
  readonly token = 'fake-token';
  private rv = 100;
  private readonly pods = new Map<string, Obj>();
  private readonly nodes = new Map<string, Obj>();
  private readonly history: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakeApiServer> {
    let self: FakeApiServer | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    self = new FakeApiServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  // -------------------------------------------------------------------------------------------
  // Test controls

  addPod(obj: Obj): Obj {
    const pod = clone(obj);
    pod.apiVersion ??= 'v1';
    pod.kind ??= 'Pod';
    pod.metadata ??= {};
    pod.metadata.namespace ??= 'default';
    pod.metadata.uid ??= randomUUID();
    pod.metadata.creationTimestamp ??= new Date().toISOString();
    pod.spec ??= { containers: [{ name: 'c', image: 'x' }] };
    pod.status ??= { phase: pod.spec.nodeName ? 'Running' : 'Pending' };
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.pods.has(key)) throw new Error(`pod ${key} exists`);
    this.pods.set(key, pod);
    this.emit('pods', 'ADDED', pod);
    return clone(pod);
  }

  /** Replaces a pod (matched by namespace/name); the uid is kept unless the object sets one. */
  updatePod(obj: Obj): Obj {
    const ns = obj.metadata?.namespace ?? 'default';
    const key = `${ns}/${obj.metadata?.name}`;
    const old = this.pods.get(key);
    if (!old) throw new Error(`no pod ${key}`);
    const pod = clone(obj);
    pod.apiVersion ??= 'v1';
    pod.kind ??= 'Pod';
    pod.metadata.namespace = ns;
    pod.metadata.uid ??= old.metadata.uid;
    pod.metadata.creationTimestamp ??= old.metadata.creationTimestamp;
    this.pods.set(key, pod);
    this.emit('pods', 'MODIFIED', pod);
    return clone(pod);
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) throw new Error(`no pod ${key}`);
    this.pods.delete(key);
    this.emit('pods', 'DELETED', pod);
  }

  pod(namespace: string, name: string): Obj | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p && clone(p);
  }

  addNode(obj: Obj): Obj {
    const node = clone(obj);
    node.apiVersion ??= 'v1';
    node.kind ??= 'Node';
    node.metadata ??= {};
    node.metadata.uid ??= randomUUID();
    if (this.nodes.has(node.metadata.name)) throw new Error(`node ${node.metadata.name} exists`);
    this.nodes.set(node.metadata.name, node);
    this.emit('nodes', 'ADDED', node);
    return clone(node);
  }

  updateNode(obj: Obj): Obj {
    const old = this.nodes.get(obj.metadata?.name);
    if (!old) throw new Error(`no node ${obj.metadata?.name}`);
    const node = clone(obj);
    node.apiVersion ??= 'v1';
    node.kind ??= 'Node';
    node.metadata.uid ??= old.metadata.uid;
    this.nodes.set(node.metadata.name, node);
    this.emit('nodes', 'MODIFIED', node);
    return clone(node);
  }

  deleteNode(name: string): void {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    this.nodes.delete(name);
    this.emit('nodes', 'DELETED', node);
  }

  /** Open watch streams. */
  get watchCount(): number {
    return this.watchers.size;
  }

  /** Breaks every open watch connection abruptly (the client sees an error, not an end). */
  breakWatches(): void {
    for (const w of [...this.watchers]) {
      this.dropWatcher(w);
      w.res.socket?.destroy();
    }
  }

  /** Ends every open watch stream cleanly, as the API server does at its watch timeout. */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      this.dropWatcher(w);
      w.res.end();
    }
  }

  /**
   * Writes a kubeconfig for this server (plain http, bearer token) into dir; returns its path.
   * `server` points it elsewhere (e.g. a port nothing listens on).
   */
  kubeconfigFile(dir: string, opts: { name?: string; server?: string } = {}): string {
    const path = join(dir, opts.name ?? 'kubeconfig');
    // @kubernetes/client-node refuses http:// servers unless insecure-skip-tls-verify is set.
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: fake',
        '  cluster:',
        `    server: ${opts.server ?? this.url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: tester',
        '  user:',
        `    token: ${this.token}`,
        'contexts:',
        '- name: fake',
        '  context:',
        '    cluster: fake',
        '    user: tester',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return path;
  }

  async close(): Promise<void> {
    this.endWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------------------------

  private emit(kind: Kind, type: EventType, obj: Obj): void {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const ev: StoredEvent = { rv, kind, type, object: clone(obj) };
    this.history.push(ev);
    for (const w of this.watchers) if (w.kind === kind) this.send(w.res, ev);
  }

  private send(res: ServerResponse, ev: StoredEvent): void {
    res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
  }

  private dropWatcher(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    this.watchers.delete(w);
  }

  private reply(res: ServerResponse, code: number, body: Obj): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.reply(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/api/v1/pods' || path === '/api/v1/nodes')) {
      const kind: Kind = path === '/api/v1/pods' ? 'pods' : 'nodes';
      const watch = url.searchParams.get('watch');
      if (watch === 'true' || watch === '1') this.watch(kind, url.searchParams, res);
      else this.list(kind, res);
      return;
    }
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (m = /^\/api\/v1\/namespaces\/([^/]+)\/(?:pods\/([^/]+)\/binding|bindings)$/.exec(path))) {
      const [, ns, pathName] = m;
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => this.bind(decodeURIComponent(ns!), pathName && decodeURIComponent(pathName), body, res));
      return;
    }
    this.reply(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${path})`));
  }

  private list(kind: Kind, res: ServerResponse): void {
    const items = [...(kind === 'pods' ? this.pods : this.nodes).values()];
    this.reply(res, 200, { kind: LIST_KIND[kind], apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private watch(kind: Kind, query: URLSearchParams, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rvParam = query.get('resourceVersion');
    if (rvParam && rvParam !== '0') {
      // Resume: everything after the given version (the whole history is kept, so never 410 Gone).
      const from = Number(rvParam);
      for (const ev of this.history) if (ev.kind === kind && ev.rv > from) this.send(res, ev);
    } else {
      // No version: the current state as synthetic ADDED events, then changes.
      for (const obj of (kind === 'pods' ? this.pods : this.nodes).values()) {
        this.send(res, { rv: Number(obj.metadata.resourceVersion), kind, type: 'ADDED', object: obj });
      }
    }
    const timeout = Number(query.get('timeoutSeconds') ?? '');
    const w: Watcher = {
      kind,
      res,
      timer: timeout > 0 ? setTimeout(() => { this.dropWatcher(w); res.end(); }, timeout * 1000) : undefined,
    };
    this.watchers.add(w);
    res.on('close', () => this.dropWatcher(w));
  }

  private bind(ns: string, pathName: string | undefined, raw: string, res: ServerResponse): void {
    let body: Obj;
    try {
      body = JSON.parse(raw) as Obj;
    } catch {
      this.reply(res, 400, status(400, 'BadRequest', 'invalid JSON body'));
      return;
    }
    const name = pathName ?? body.metadata?.name;
    if (body.kind !== 'Binding' || body.target?.kind !== 'Node' || !body.target?.name || (pathName && body.metadata?.name && body.metadata.name !== pathName)) {
      this.reply(res, 400, status(400, 'BadRequest', `invalid Binding: ${raw}`));
      return;
    }
    const pod = this.pods.get(`${ns}/${name}`);
    if (!pod) {
      this.reply(res, 404, status(404, 'NotFound', `pods "${name}" not found`));
      return;
    }
    const uid = body.metadata?.uid;
    if (uid && uid !== pod.metadata.uid) {
      this.reply(res, 409, status(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`));
      return;
    }
    if (pod.spec.nodeName) {
      this.reply(res, 409, status(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${pod.spec.nodeName}"`));
      return;
    }
    this.bindings.push(body);
    pod.spec.nodeName = body.target.name;
    this.emit('pods', 'MODIFIED', pod);
    this.reply(res, 201, status(201, '', ''));
  }
}
