/** `orchsim serve --help` text, apart from serve.ts so that --help does not load the Kubernetes client. */
export const SERVE_HELP = `
What the extender knows:
  Without --kubeconfig (or --in-cluster) it knows only what each request carries. kube-scheduler sends a plain
  extender (nodeCacheCapable: false) whole Node objects but never the pods running on them, so
  every node looks empty: resource fit and scores, pod counts, spreading and pod (anti-)affinity
  see no existing pods. Requests with NodeNames (nodeCacheCapable: true) get 400, and there
  is no bind.
  With --kubeconfig FILE, or --in-cluster inside a pod (service-account token), it watches pods
  and nodes through the API server (informers from @kubernetes/client-node), counts every bound,
  unfinished pod on its node and decides against the whole cluster; it then also answers
  NodeNames requests from its node cache; with --enable-bind it also binds pods (bindVerb) by
  creating a Binding. Bind is off by default: anyone who can reach the port could bind pods.
  The node-cache mode (--kubeconfig or --in-cluster, nodeCacheCapable: true) is the production
  mode; without a cache every request carries the whole NodeList, whose JSON is the cost.

Limits:
  --request-timeout also bounds a TLS handshake; --max-connections caps open connections;
  --max-inflight-bytes bounds request bodies held at once (a declared body waits its turn, an
  undeclared one past it gets 503 with Retry-After).

Endpoints:
  POST <prefix>/filter       ExtenderArgs -> ExtenderFilterResult
  POST <prefix>/prioritize   ExtenderArgs -> HostPriorityList (framework score 0..100 mapped to 0..10)
  POST <prefix>/bind         ExtenderBindingArgs -> ExtenderBindingResult (with --enable-bind)
  GET  /healthz, /metrics    liveness; Prometheus text (requests, latency, filter rejections by reason)

Examples:
  $ orchsim serve --profile binpack
  $ orchsim serve --plugin ./my-plugin.js --port 9000
  $ orchsim serve --profile default --kubeconfig ~/.kube/config --enable-bind --host 0.0.0.0 \\
      --tls-cert tls.crt --tls-key tls.key
  See deploy/kubernetes/ for a KubeSchedulerConfiguration and a Deployment.`;
