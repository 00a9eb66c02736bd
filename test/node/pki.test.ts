/** `cli pki`: CA + serving certificate for <svc>.<ns>.svc (with the right SANs/usages), idempotent. */
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, tempDir } from "../harness";

const read = (p: string) => readFileSync(p, "utf8");

afterAll(cleanup);

describe("cli pki", () => {
  it("creates a CA and a serving certificate for <svc>.<ns>.svc signed by it", async () => {
    const dir = tempDir("pki-a");
    const r = await cli(["pki", "--out", dir, "--service", "my-adapter", "--namespace", "obs"]);
    expect(r.status, r.stderr).toBe(0);
    const ca = new X509Certificate(read(join(dir, "ca.crt")));
    const leaf = new X509Certificate(read(join(dir, "server.crt")));
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("DNS:my-adapter.obs.svc, DNS:my-adapter.obs.svc.cluster.local, DNS:my-adapter.obs, DNS:my-adapter");
    expect(leaf.checkHost("my-adapter.obs.svc")).toBe("my-adapter.obs.svc");
    expect(leaf.keyUsage).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(leaf.publicKey.asymmetricKeyType).toBe("ec");
    expect(read(join(dir, "server.key"))).toMatch(/BEGIN PRIVATE KEY/);
    expect(r.stdout).toMatch(/no front-proxy CA yet/);
  });

  it("is idempotent: a second run keeps the CA and the serving certificate", async () => {
    const dir = tempDir("pki-b");
    expect((await cli(["pki", "--out", dir])).status).toBe(0);
    const [ca1, leaf1] = [read(join(dir, "ca.crt")), read(join(dir, "server.crt"))];
    const r = await cli(["pki", "--out", dir]);
    expect(r.status).toBe(0);
    expect(read(join(dir, "ca.crt"))).toBe(ca1);
    expect(read(join(dir, "server.crt"))).toBe(leaf1);
    expect(r.stdout).toMatch(/^kept\s+.*ca\.crt/m);
  });

  it("reissues only the serving certificate when the service name changes; --force replaces the CA", async () => {
    const dir = tempDir("pki-c");
    expect((await cli(["pki", "--out", dir])).status).toBe(0);
    const ca1 = read(join(dir, "ca.crt"));
    expect((await cli(["pki", "--out", dir, "--service", "renamed"])).status).toBe(0);
    expect(read(join(dir, "ca.crt"))).toBe(ca1);
    expect(new X509Certificate(read(join(dir, "server.crt"))).subjectAltName).toMatch(/^DNS:renamed\.custom-metrics\.svc,/);
    expect((await cli(["pki", "--out", dir, "--force"])).status).toBe(0);
    expect(read(join(dir, "ca.crt"))).not.toBe(ca1);
  });

  it("copies the cluster's front-proxy CA, or makes a dev stand-in with a clientAuth certificate", async () => {
    const dir = tempDir("pki-d");
    expect((await cli(["pki", "--out", dir, "--dev-front-proxy"])).status).toBe(0);
    const fpCa = new X509Certificate(read(join(dir, "front-proxy-ca.crt")));
    const client = new X509Certificate(read(join(dir, "front-proxy-client.crt")));
    expect(client.checkIssued(fpCa)).toBe(true);
    expect(client.keyUsage).toContain("1.3.6.1.5.5.7.3.2"); // clientAuth
    expect(client.subject).toContain("CN=front-proxy-client");

    const other = tempDir("pki-e");
    const given = join(other, "cluster-front-proxy-ca.crt");
    writeFileSync(given, read(join(dir, "front-proxy-ca.crt")));
    expect((await cli(["pki", "--out", other, "--front-proxy-ca", given])).status).toBe(0);
    expect(read(join(other, "front-proxy-ca.crt"))).toBe(read(given));
    expect(existsSync(join(other, "front-proxy-client.crt"))).toBe(false);
  });
});
