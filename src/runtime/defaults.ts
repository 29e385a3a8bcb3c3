/** Defaults of `orchsim serve`, apart from the server module so the CLI can show them without loading it. */
export const DEFAULT_PORT = 8888;
export const DEFAULT_HOST = '127.0.0.1';
/** A 1,500-node NodeList of full Node objects fits. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Time a client has to send a whole request; kube-scheduler's own timeout is 5 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Open connections at most; kube-scheduler keeps a few kept-alive ones per extender. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Request-body bytes held at once by default: four of the largest bodies. */
export function inflightBytesFor(maxBodyBytes: number): number {
  return 4 * maxBodyBytes;
}
