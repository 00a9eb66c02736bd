/** `cli serve`: builds the bundle when missing, renders the config and runs workerd in the foreground. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bin, cleanup, clientTls, freePort, makeTokens, ROOT, startProcess, tcpOpen, tempDir, testPki, tlsRequest, waitFor } from "../harness";

afterAll(cleanup);

describe("cli serve --mode edge", () => {
  it("builds the missing bundle, starts both sockets, and stops on SIGTERM", async () => {
    const pki = await testPki(tempDir("pki"));
    const [agg, pub] = [await freePort(), await freePort()];
    const dist = tempDir("serve-dist");
    const out = tempDir("serve-out");
    const writer = await makeTokens([{ name: "serve-writer", namespaces: ["default"] }]);
    const p = startProcess(bin("tsx"), [
      join(ROOT, "cli/main.ts"), "serve", "--mode", "edge", "--bundle", join(dist, "index.js"), "--out", out, "--pki", pki.dir,
      "--aggregator-port", String(agg), "--public-port", String(pub),
    ], { name: "cli-serve", env: { READ_TOKEN: "from-the-environment", WRITE_TOKENS: writer.writeTokens } });
    await waitFor("serve ports", async () => (await tcpOpen(agg)) && (await tcpOpen(pub)), 90_000, { proc: p });
    expect(existsSync(join(dist, "index.js"))).toBe(true);
    expect(readFileSync(join(out, "config.capnp"), "utf8")).toContain(`fromEnvironment = "READ_TOKEN"`);

    const health = await fetch(`http://127.0.0.1:${pub}/healthz`);
    expect(health.status).toBe(200);
    // READ_TOKEN came from the environment (not written into the config).
    const withToken = await fetch(`http://127.0.0.1:${pub}/apis/custom.metrics.k8s.io/v1beta1`, { headers: { authorization: "Bearer from-the-environment" } });
    expect(withToken.status).toBe(200);
    // WRITE_TOKENS too: the token's hash reached the worker through the environment.
    const w = await fetch(`http://127.0.0.1:${pub}/write-metrics/namespaces/default/pods/p/m`, { method: "POST", body: '"1"', headers: { authorization: `Bearer ${writer.token["serve-writer"]}` } });
    expect(w.status, await w.text()).toBe(200);
    const r = await tlsRequest({ port: agg, path: "/apis/custom.metrics.k8s.io/v1beta1", ...clientTls(pki) });
    expect(r.status).toBe(200);

    await p.stop();
    expect(await tcpOpen(agg)).toBe(false);
  });
});
