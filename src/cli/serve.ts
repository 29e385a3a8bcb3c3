/**
 * `orchsim serve`: composes a profile (built-in, or from a user's plugin module), the framework
 * the simulator would run, an optional API-server cache, and the extender HTTP server.
 */
import { readFileSync } from 'node:fs';
import type { ProfileConfig } from '../api/framework.js';
import { Extender } from '../runtime/extender.js';
import { KubeCache } from '../runtime/kube-cache.js';
import { loadPluginModule, profileWithPlugins } from '../scenario/plugin-module.js';
import { startExtenderServer, type ExtenderServer } from '../runtime/server.js';
import { buildFramework } from '../scenario/runner.js';
import { BUILTIN_PROFILES, builtinPlugins } from '../schedulers/builtins.js';
import type { PluginRegistry } from '../schedulers/registry.js';
import { InputError } from '../util/errors.js';
import { RandomStreams } from '../util/random.js';

export interface ServeCliOptions {
  readonly profile?: string | undefined;
  readonly plugin?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly inCluster?: boolean | undefined;
  readonly enableBind?: boolean | undefined;
  readonly seed: number;
  readonly maxBodyBytes: number;
  readonly requestTimeout: number;
  readonly maxInflightBytes?: number | undefined;
  readonly maxConnections?: number | undefined;
}


function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError({ file, path: [], message: `cannot read the TLS ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
  }
}

/** The profile to serve and the registry holding its plugins. */
async function resolveProfile(opts: ServeCliOptions): Promise<{ profile: ProfileConfig; registry: PluginRegistry }> {
  const registry = builtinPlugins();
  const profiles = new Map(BUILTIN_PROFILES.map((p) => [p.name, p]));
  let fallback: ProfileConfig = BUILTIN_PROFILES[0]!;
  if (opts.plugin) {
    const mod = await loadPluginModule(opts.plugin);
    for (const [i, p] of mod.plugins.entries()) {
      if (registry.has(p.name)) throw new InputError({ file: opts.plugin, path: ['plugins', i, 'name'], message: `plugin "${p.name}" is already a built-in plugin; give yours another name` });
      registry.register(p);
    }
    for (const p of mod.profiles) profiles.set(p.name, p);
    fallback = mod.profiles[0] ?? profileWithPlugins(BUILTIN_PROFILES[0]!, mod, `${BUILTIN_PROFILES[0]!.name}+${mod.plugins.map((p) => p.name).join('+')}`);
  }
  if (opts.profile === undefined) return { profile: fallback, registry };
  const profile = profiles.get(opts.profile);
  if (!profile) throw new InputError({ file: '--profile', path: [], message: `unknown profile "${opts.profile}" (known: ${[...profiles.keys()].join(', ')})` });
  return { profile, registry };
}

export async function startServe(opts: ServeCliOptions, log: (line: string) => void): Promise<{ server: ExtenderServer; cache: KubeCache | undefined; profile: string }> {
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new InputError({ file: opts.tlsCert ? '--tls-key' : '--tls-cert', path: [], message: 'TLS needs both --tls-cert and --tls-key' });
  }
  if (opts.maxInflightBytes !== undefined && opts.maxInflightBytes < opts.maxBodyBytes) {
    throw new InputError({ file: '--max-inflight-bytes', path: [], message: `${opts.maxInflightBytes} is less than --max-body-bytes (${opts.maxBodyBytes}): a body of the largest accepted size could never be read` });
  }
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readPem(opts.tlsCert, 'certificate'), key: readPem(opts.tlsKey, 'key') } : undefined;
  const { profile, registry } = await resolveProfile(opts);
  const framework = buildFramework(profile, new RandomStreams(opts.seed), registry, { file: opts.plugin ?? `profile ${profile.name}` });
  if (opts.enableBind && opts.kubeconfig === undefined && !opts.inCluster) {
    throw new InputError({ file: '--enable-bind', path: [], message: 'bind needs --kubeconfig or --in-cluster: there is no API server to create the Binding with' });
  }
  if (opts.kubeconfig !== undefined && opts.inCluster) throw new InputError({ file: '--in-cluster', path: [], message: 'give either --kubeconfig or --in-cluster, not both' });
  const cache = opts.kubeconfig !== undefined || opts.inCluster ? await KubeCache.start({ kubeconfig: opts.kubeconfig, inCluster: opts.inCluster, log }) : undefined;
  const extender = new Extender(framework, cache, { bind: opts.enableBind === true });
  try {
    const server = await startExtenderServer(extender, { host: opts.host, port: opts.port, tls, maxBodyBytes: opts.maxBodyBytes, maxInflightBytes: opts.maxInflightBytes, maxConnections: opts.maxConnections, requestTimeoutMs: opts.requestTimeout * 1000, log });
    return { server, cache, profile: profile.name };
  } catch (e) {
    await cache?.stop().catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    if (tls && typeof code === 'string' && code.startsWith('ERR_OSSL')) {
      throw new InputError({ file: `${opts.tlsCert} / ${opts.tlsKey}`, path: [], message: `not a usable PEM certificate and private key: ${(e as Error).message}` });
    }
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new InputError({ file: '--port', path: [], message: `cannot listen on ${opts.host}:${opts.port}: ${code}` });
    }
    throw e;
  }
}
