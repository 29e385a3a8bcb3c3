/**
 * `orchsim serve`: the extender verbs over HTTP(S), plus /healthz and /metrics.
 *
 * kube-scheduler POSTs JSON to `<urlPrefix>/<verb>`; any path whose last segment is a verb is
 * accepted, so urlPrefix may carry a path ("http://host:8888/scheduler"). Every failure is an
 * HTTP status with a JSON body `{"Error": "..."}`: 400 for a body that is not a valid message,
 * 413 for an oversized one, 408 for a client too slow to send it, 500 naming the plugin when a
 * plugin throws. One bad request never affects the others.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PluginError } from '../schedulers/framework.js';
import { InputError } from '../util/errors.js';
import type { Extender } from './extender.js';
import { BodyBudget } from './body-budget.js';
import { IdleCollector } from './idle-gc.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS, inflightBytesFor } from './defaults.js';
import { decodeBindingArgs, decodeExtenderArgs, NodeSpecCache, PodSpecCache } from './messages.js';

export interface ServeOptions {
  /** Default 127.0.0.1: loopback unless told otherwise. */
  readonly host?: string | undefined;
  /** Default 8888; 0 picks a free port. */
  readonly port?: number | undefined;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  /** Largest request body accepted (default 64 MiB: a 1,500-node NodeList of full Node objects fits). */
  readonly maxBodyBytes?: number | undefined;
  /** Time a client has to send a whole request (default 10 s; kube-scheduler's own timeout is 5 s). */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Request-body bytes held at once across all connections (default 4 x maxBodyBytes, and never
   * less than maxBodyBytes): see BodyBudget.
   */
  readonly maxInflightBytes?: number | undefined;
  /** Open connections at most (default 1,024); past it a new connection is closed at once. */
  readonly maxConnections?: number | undefined;
  /** Where one line per server error goes (default: nowhere). */
  readonly log?: ((line: string) => void) | undefined;
}

export { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS };

export const VERBS = ['filter', 'prioritize', 'bind'] as const;
type Verb = (typeof VERBS)[number];

/** Distinct rejection reasons labelled in /metrics; the rest count as "other". */
export const MAX_REASON_LABELS = 200;

export interface ExtenderServer {
  readonly url: string;
  readonly server: Server;
  readonly metrics: Registry;
  /** Stops listening; requests in flight get up to graceMs (default 5 s) to finish. */
  close(graceMs?: number): Promise<void>;
}

/** A request that gets a 4xx: the status and the message. */
class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function metricsFor(registry: Registry, budget: BodyBudget) {
  collectDefaultMetrics({ register: registry, prefix: 'orchsim_' });
  return {
    requests: new Counter({ name: 'orchsim_extender_requests_total', help: 'Extender requests by verb and HTTP status code.', labelNames: ['verb', 'code'], registers: [registry] }),
    duration: new Histogram({
      name: 'orchsim_extender_request_duration_seconds',
      help: 'Time from the end of the request body to the response, by verb.',
      labelNames: ['verb'],
      // kube-scheduler gives an extender 5 s by default (httpTimeout).
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rejections: new Counter({ name: 'orchsim_extender_filter_rejections_total', help: 'Nodes rejected by filter, by reason.', labelNames: ['reason'], registers: [registry] }),
    filtered: new Counter({ name: 'orchsim_extender_filter_nodes_total', help: 'Nodes examined by filter.', registers: [registry] }),
    dropped: new Counter({ name: 'orchsim_extender_connections_dropped_total', help: 'Connections closed on arrival because --max-connections were open.', registers: [registry] }),
    bodyBytes: new Gauge({
      name: 'orchsim_extender_request_body_bytes_in_flight',
      help: 'Request-body bytes held (being read or decided on), bounded by --max-inflight-bytes.',
      registers: [registry],
      collect() {
        this.set(budget.inFlight);
      },
    }),
    bodyWaiting: new Gauge({
      name: 'orchsim_extender_requests_waiting_for_body_budget',
      help: 'Requests whose declared body waits for --max-inflight-bytes to have room.',
      registers: [registry],
      collect() {
        this.set(budget.waiting);
      },
    }),
  };
}

/** A request body read whole, and the budget bytes it holds until `release` (after the response). */
interface Body {
  readonly text: string;
  readonly bytes: number;
  release(): void;
}

/**
 * Reads the body up to `limit` bytes; a larger one is refused with 413 as soon as it is known.
 * The bytes count against `budget` from before the first one is read until the request is
 * answered (see BodyBudget): a declared size waits its turn, an undeclared one is refused with
 * 503 when the budget is spent.
 */
async function readBody(req: IncomingMessage, limit: number, budget: BodyBudget): Promise<Body> {
  const header = req.headers['content-length'];
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && declared > limit) {
    throw new RequestError(413, `request body of ${declared} bytes is larger than the limit of ${limit} bytes (--max-body-bytes)`);
  }
  let release: () => void;
  let taken = 0; // budget bytes of an undeclared body, taken chunk by chunk
  if (declared !== undefined) {
    const lease = budget.reserve(declared);
    release = () => lease.release();
    // Wait for the bytes without reading: the socket stays paused, so TCP holds the client back.
    const gone = !lease.heldAtOnce && await Promise.race([lease.granted.then(() => false), closed(req)]);
    if (gone) {
      release();
      throw new RequestError(400, 'the client went away before its request body was read');
    }
  } else {
    release = () => {
      budget.release(taken);
      taken = 0;
    };
  }
  try {
    let bytes = 0;
    const text = await new Promise<string>((resolve, reject) => {
      // Decoded chunk by chunk (a character split across chunks waits for its rest), so the
      // socket's buffers go as they come instead of living on until one big copy at the end.
      const decoder = new StringDecoder('utf8');
      let text = '';
      let size = 0;
      const refuse = (error: RequestError) => {
        reject(error);
        req.removeAllListeners('data');
        req.resume();
      };
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) return refuse(new RequestError(413, `request body is larger than the limit of ${limit} bytes (--max-body-bytes)`));
        if (declared === undefined) {
          if (!budget.tryTake(chunk.length)) {
            return refuse(new RequestError(503, `the server already holds ${budget.inFlight} bytes of request bodies, its limit (--max-inflight-bytes); retry, or send Content-Length to wait for a turn`));
          }
          taken += chunk.length;
        }
        text += decoder.write(chunk);
      });
      req.on('end', () => {
        bytes = size;
        const whole = text + decoder.end();
        // The listeners live on with the request object, as long as a kept-alive connection
        // does: they must not hold the body.
        text = '';
        resolve(whole);
      });
      req.on('error', (e) => reject(new RequestError(400, `cannot read the request body: ${e.message}`)));
      req.on('aborted', () => reject(new RequestError(400, 'the client aborted the request')));
    });
    return { text, bytes, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Settles true when the request's connection closes before its body is read. */
function closed(req: IncomingMessage): Promise<boolean> {
  if (req.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => req.once('close', () => resolve(true)));
}

function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') throw new RequestError(400, `${what}: empty body, expected a JSON object`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `${what}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function send(res: ServerResponse, status: number, body: string | Buffer, contentType = 'application/json'): void {
  if (res.headersSent || res.destroyed) return;
  // The verbs' responses come as bytes (response-bytes.ts); a string goes to the socket as it
  // is (encoded once, natively): a Buffer made from it first was a second copy.
  if (typeof body !== 'string') {
    res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body, 'utf8') });
  res.end(body, 'utf8');
}

function verbOf(path: string): Verb | undefined {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return (VERBS as readonly string[]).includes(last) ? (last as Verb) : undefined;
}

/** Starts the server; resolves once it listens. */
export async function startExtenderServer(extender: Extender, options: ServeOptions = {}): Promise<ExtenderServer> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const log = options.log ?? (() => {});
  const budget = new BodyBudget(Math.max(limit, options.maxInflightBytes ?? inflightBytesFor(limit)));
  const idle = new IdleCollector(() => budget.inFlight > 0);
  const registry = new Registry();
  const m = metricsFor(registry, budget);
  const nodeSpecs = new NodeSpecCache();
  const podSpecs = new PodSpecCache();
  const reasons = new Set<string>();

  async function handleVerb(verb: Verb, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const what = `POST ${req.url ?? ''}`;
    const raw = await readBody(req, limit, budget);
    try {
      // Nobody to answer (the client went away, or the request timed out): decide nothing.
      if (req.socket.destroyed) return;
      await decide(verb, what, parseJson(raw.text, what), res);
    } finally {
      // The text, and the objects parsed from it, are garbage once the response is written.
      raw.release();
      idle.released(raw.bytes);
    }
  }

  async function decide(verb: Verb, what: string, body: unknown, res: ServerResponse): Promise<void> {
    const start = process.hrtime.bigint();
    let status = 200;
    let out: string | Buffer;
    try {
      if (verb === 'bind') {
        const error = await extender.bind(decodeBindingArgs(body, what));
        out = JSON.stringify({ Error: error });
        if (error !== '') status = extender.canBind ? 500 : 404;
      } else {
        const args = decodeExtenderArgs(body, what, nodeSpecs, podSpecs);
        if (verb === 'filter') {
          const { body: json, result } = extender.filterBytes(args, args.nodeObjects);
          m.filtered.inc(args.nodes?.length ?? args.nodeNames?.length ?? 0);
          const byReason = new Map<string, number>();
          for (const failed of [result.FailedNodes, result.FailedAndUnresolvableNodes]) {
            for (const reason of Object.values(failed)) {
              // Reasons are free text (taint values, users' plugins): a bounded set of series.
              const label = reasons.has(reason) || reasons.size < MAX_REASON_LABELS ? (reasons.add(reason), reason) : 'other';
              byReason.set(label, (byReason.get(label) ?? 0) + 1);
            }
          }
          for (const [reason, n] of byReason) m.rejections.inc({ reason }, n);
          out = json;
        } else {
          out = extender.prioritizeBytes(args);
        }
      }
    } catch (e) {
      if (e instanceof InputError) throw new RequestError(400, e.message);
      if (e instanceof PluginError) {
        status = 500;
        out = JSON.stringify({ Error: `profile ${extender.profile}: ${e.message}` });
        log(`orchsim serve: ${what}: ${e.message}`);
      } else {
        throw e;
      }
    }
    send(res, status, out);
    m.duration.observe({ verb }, Number(process.hrtime.bigint() - start) / 1e9);
    m.requests.inc({ verb, code: String(status) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') {
      send(res, 200, 'ok', 'text/plain');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      send(res, 200, await registry.metrics(), registry.contentType);
      return;
    }
    const verb = verbOf(path);
    if (!verb) {
      req.resume();
      send(res, 404, JSON.stringify({ Error: `no such endpoint: ${req.method} ${path} (POST .../filter, .../prioritize, .../bind; GET /healthz, /metrics)` }));
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      send(res, 405, JSON.stringify({ Error: `${verb} takes POST, not ${req.method}` }));
      m.requests.inc({ verb, code: '405' });
      return;
    }
    try {
      await handleVerb(verb, req, res);
    } catch (e) {
      const status = e instanceof RequestError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (status >= 500) log(`orchsim serve: ${req.method} ${path}: ${e instanceof Error ? e.stack : message}`);
      // The rest of the body was not read: the connection cannot carry another request.
      if (status === 413 || status === 503) res.setHeader('connection', 'close');
      if (status === 503) res.setHeader('retry-after', '1');
      send(res, status, JSON.stringify({ Error: message }));
      m.requests.inc({ verb, code: String(status) });
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      log(`orchsim serve: ${String(e)}`);
      send(res, 500, JSON.stringify({ Error: 'internal error' }));
    });
  };
  const serverOptions = {
    requestTimeout,
    headersTimeout: Math.min(requestTimeout, 60_000),
    // How often Node checks requestTimeout/headersTimeout; its default of 30 s would let a slow
    // client hold a connection for that long.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout / 4)),
    // Longer than the idle timeout of kube-scheduler's Go client (90 s), so the server never
    // closes a kept-alive connection just as the client sends on it.
    keepAliveTimeout: 95_000,
  };
  const server: Server = options.tls
    ? createHttpsServer({
      ...serverOptions,
      cert: options.tls.cert,
      key: options.tls.key,
      // A connection that never completes a TLS handshake gets no HTTP timeouts at all (they
      // start with the first request), and Node's default here is 120 s: give it the time a
      // client has for a whole request.
      handshakeTimeout: requestTimeout,
    }, listener)
    : createHttpServer(serverOptions, listener);
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.on('drop', () => m.dropped.inc());
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP or a timeout: answer only if nothing was written on this connection yet
    // (Node's default handler's rule), so a client never gets a second, unasked-for response.
    // A TLS failure (a handshake that timed out or went wrong; https.Server passes its
    // tlsClientError here) has no HTTP to answer in: an answer would wait unsent, and the
    // connection with it.
    const httpLevel = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code?.startsWith('HPE_') === true;
    if (!httpLevel || !socket.writable || (socket as { bytesWritten?: number }).bytesWritten !== 0) return socket.destroy();
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    // Closed, not only ended, once the answer is out: a request cut off here must not go on
    // being read (a client may keep sending its body) and then decided for nobody.
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
  });

  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${address.port}`,
    server,
    metrics: registry,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        // Requests in flight finish (up to graceMs); idle kept-alive connections go at once.
        idle.stop();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), graceMs).unref();
      }),
  };
}
