/**
 * The one harness behind test/node, test/k8s/scenarios, bench/run.ts, bench/durability.ts and the fuzz:
 * supervised processes, bounded waits, throw-away PKI and tokens, the cached bundle, workerd edge nodes and
 * bridges, wrangler dev, kubectl, the CLI, real metric senders (Prometheus, OpenTelemetry SDKs) and test hosts
 * in network namespaces. Each concern lives in its own file; this re-exports them.
 */
export { freePort, freePorts, tcpOpen } from "../../cli/lib/net";
export { bundle } from "./bundle";
export { cli } from "./cli";
export { kubeconfig, kubectl, kubectlBin, type KubectlOptions, type Run } from "./kubectl";
export { createNetnsHost, type NetnsHost } from "./netns";
export { clientTls, SERVICE, SERVICE_NAMESPACE, SVC_NAME, testPki, type TestPki, type TestPkiWithClient } from "./pki";
export { bin, cleanup, keepTempDir, Proc, ROOT, runMain, startProcess, tempDir, type StartOptions } from "./process";
export { tlsRequest, type TlsRequest, type TlsResult } from "./tls-client";
export { makeTokens, type TokenDef, type Tokens } from "./tokens";
export {
  debianPrometheus, KUBERNETES_POD_RELABEL, otelPython, podScrapeJob, Prometheus, prometheus3, remoteWrite, serveExposition, versionOf,
  type ExpositionServer, type PrometheusOptions, type RemoteWriteOptions, type ScrapedPod, type VectorSample,
} from "./senders";
export { sleep, waitFor, waitPorts, type WaitOptions } from "./wait";
export { startWorkerd, WorkerdNode, type WorkerdNodeOptions, type WorkerdStartOptions } from "./workerd";
export { startWranglerDev, type WranglerDev, type WranglerDevOptions } from "./wrangler";
