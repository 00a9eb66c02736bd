/**
 * `cli serve`: builds the bundle when missing, renders the config and runs workerd in the foreground; one
 * `ready:` line once it listens, one `error:` line when a port is taken.
 */
import { createServer } from "node:net";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  bin, bundle, cleanup, cli, clientTls, freePort, makeTokens, ROOT, startProcess, tcpOpen, tempDir, testPki, tlsRequest, waitFor,
} from "../harness";

afterAll(cleanup);

describe("cli serve --mode edge", () => {
  it("builds the missing bundle, starts both sockets, and stops on SIGTERM", async () => {
    const pki = await testPki(tempDir("pki"));
    const [agg, pub] = [await freePort(), await freePort()];
    const dist = tempDir("serve-dist");
    const out = tempDir("serve-out");
    const writer = await makeTokens([{ name: "serve-writer", namespaces: ["default"] }]);
    const lines: string[] = [];
    const p = startProcess(bin("tsx"), [
      join(ROOT, "cli/main.ts"), "serve", "--mode", "edge", "--bundle", join(dist, "index.js"), "--out", out, "--pki", pki.dir,
      "--aggregator-port", String(agg), "--public-port", String(pub),
    ], { name: "cli-serve", env: { READ_TOKEN: "from-the-environment", WRITE_TOKENS: writer.writeTokens }, onLine: (l) => lines.push(l) });
    const ready = await waitFor("the ready line", async () => lines.find((l) => l.startsWith("ready:")), 90_000, { proc: p });
    // Printed only once both sockets accept connections, with both URLs.
    expect(await tcpOpen(agg)).toBe(true);
    expect(await tcpOpen(pub)).toBe(true);
    expect(ready).toMatch(new RegExp(`^ready: edge-metrics-adapter \\d+\\.\\d+\\.\\d+ edge node: aggregator https://127\\.0\\.0\\.1:${agg}, public http://127\\.0\\.0\\.1:${pub}; state `));
    expect(lines.filter((l) => l.startsWith("ready:"))).toHaveLength(1);
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

describe("cli serve with a busy port", () => {
  it("one error line naming the port and the option, exit 1, no workerd stack trace and no ready line", async () => {
    const pki = await testPki(tempDir("pki"));
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((r) => busy.listen(port, "127.0.0.1", () => r()));
    try {
      const r = await cli(["serve", "--mode", "edge", "--bundle", bundle(), "--out", tempDir("busy-out"), "--pki", pki.dir,
        "--aggregator-port", String(await freePort()), "--public-port", String(port), "--read-token", "x"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`error: port ${port} on 127.0.0.1 is already in use (--public-port): stop what listens there, or choose another port\n`);
      expect(r.stdout).toBe("");
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it("a Worker that fails to load: one error line with workerd's reason, no ready line", async () => {
    const pki = await testPki(tempDir("pki"));
    const broken = join(tempDir("broken-bundle"), "index.js");
    writeFileSync(broken, "export default { fetch() { return new Response('x') } }; this is not javascript");
    const r = await cli(["serve", "--mode", "edge", "--bundle", broken, "--out", tempDir("broken-out"), "--pki", pki.dir,
      "--aggregator-port", String(await freePort()), "--public-port", String(await freePort()), "--read-token", "x"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: workerd exited \(code \d+\) before it was ready: service adapter: Uncaught SyntaxError.+ \(--verbose shows all of its output\)\n$/);
    expect(r.stdout).toBe("");
  });
});
