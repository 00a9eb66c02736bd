/**
 * The real-client test for `wrangler dev` over HTTPS: a certificate for
 * custom-metrics-apiserver.custom-metrics.svc from a test CA, read with kubectl using certificate-authority-data
 * and tls-server-name, the way kube-apiserver verifies the name. wrangler dev cannot ask for client
 * certificates, which `cli check` reports as the one failing check. (The kubeconfig carries a client
 * certificate that wrangler dev never requests, so kubectl sends no Authorization header, like kube-apiserver;
 * dev mode without tokens serves reads openly.)
 */
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, cli, freePort, kubeconfig, kubectl, startWranglerDev, SVC_NAME, tempDir, testPki, type TestPkiWithClient } from "../harness";

let pki: TestPkiWithClient;
const read = (p: string) => readFileSync(p, "utf8");
const getRaw = (cfg: string, path: string) => kubectl(["get", "--raw", path], { kubeconfig: cfg, requestTimeout: "10s" });
let port: number;
const figures: Record<string, number> = {};

function healthy(): Promise<boolean> {
  return new Promise((res) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path: "/healthz", servername: SVC_NAME, ca: read(pki.ca), agent: false, timeout: 2000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on("error", () => res(false));
    req.end();
  });
}

beforeAll(async () => {
  pki = await testPki(tempDir("pki"));
  port = await freePort();
  const w = await startWranglerDev({ port, persistTo: tempDir("wrangler-https"), https: { key: pki.serverKey, cert: pki.serverCert }, healthy });
  figures.wranglerDevHttpsStartMs = w.startMs;
});

afterAll(async () => {
  console.log(`wrangler https figures: ${JSON.stringify(figures)}`);
  await cleanup();
});

describe("wrangler dev over HTTPS with a .svc certificate, read by kubectl", () => {
  const server = () => `https://127.0.0.1:${port}`;

  it("kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1 with CA data + tls-server-name → APIResourceList", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: SVC_NAME, cert: pki.clientCert, key: pki.clientKey });
    for (const gv of ["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2", "external.metrics.k8s.io/v1beta1"]) {
      const r = await getRaw(cfg, `/apis/${gv}`);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ kind: "APIResourceList", groupVersion: gv });
    }
  });

  it("a wrong tls-server-name fails verification", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: "wrong.custom-metrics.svc", cert: pki.clientCert, key: pki.clientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta1");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/x509: certificate is valid for .*not wrong\.custom-metrics\.svc/);
  });

  it("another CA fails verification", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.rogueCa, serverName: SVC_NAME, cert: pki.clientCert, key: pki.clientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta1");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });

  it("cli check: everything passes except 'client certificate demanded' (wrangler dev cannot require client certs)", async () => {
    const r = await cli(["check", server(), "--ca", pki.ca, "--client-cert", pki.clientCert, "--client-key", pki.clientKey]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+client certificate demanded/m);
    expect(r.stdout.match(/^FAIL/gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/^PASS\s+certificate name/m);
    expect(r.stdout.match(/^PASS\s+discovery/gm)).toHaveLength(3);
  });
});
