/** `orchsim serve`'s command line; the server itself is loaded only when the command runs (serve.ts). */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS } from '../runtime/defaults.js';
import { parseByteSize, parseCount, parsePort, parsePositive, parseSeed } from './option-parsers.js';
import { SERVE_HELP } from './serve-help.js';
import type { ServeCliOptions } from './serve.js';

export function addServeCommand(program: Command, printErr: (text: string) => void): void {
  program
    .command('serve')
    .description('Serve a scheduler profile as a kube-scheduler extender (filter, prioritize, bind) over HTTP(S).')
    .option('--profile <name>', 'profile to serve: a built-in one (see `orchsim profiles`) or one from --plugin (default: default)')
    .option('--plugin <module>', 'a JavaScript module exporting your plugins (and optionally profiles)')
    .option('--host <address>', 'address to listen on; loopback unless told otherwise', DEFAULT_HOST)
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, DEFAULT_PORT)
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--kubeconfig <file>', 'watch pods and nodes through this cluster\'s API server (see below)')
    .option('--in-cluster', 'the same, with the pod\'s service account (when orchsim runs in the cluster)')
    .option('--enable-bind', 'serve the bind verb: create Bindings through the API server (needs --kubeconfig or --in-cluster)')
    .option('--seed <n>', 'seed of the random streams plugins draw from', parseSeed, 0)
    .option('--max-body-bytes <n>', 'largest request body accepted (bytes, or e.g. 64Mi)', parseByteSize, DEFAULT_MAX_BODY_BYTES)
    .option('--request-timeout <seconds>', 'time a client has to send a whole request (and to finish a TLS handshake)', parsePositive, DEFAULT_REQUEST_TIMEOUT_MS / 1000)
    .option('--max-inflight-bytes <n>', 'request-body bytes held at once across connections; a declared body waits for room (default: 4 x --max-body-bytes)', parseByteSize)
    .option('--max-connections <n>', 'open connections at most; past it new ones are closed', parseCount, DEFAULT_MAX_CONNECTIONS)
    .addHelpText('after', SERVE_HELP)
    .action(async (opts: ServeCliOptions) => {
      const log = (line: string) => printErr(`${line}\n`);
      // Loaded here: the Kubernetes client takes about half a second to load, which no other command needs.
      const { startServe } = await import('./serve.js');
      const { server, cache, profile } = await startServe(opts, log);
      log(`orchsim serve: profile ${profile} on ${server.url} (${cache ? `pods and nodes from ${cache.server}` : 'no --kubeconfig: nodes look empty, see --help'})`);
      const stop = () => {
        void Promise.all([cache?.stop().catch(() => {}), server.close()]).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
