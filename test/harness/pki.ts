/**
 * Throw-away certificates for tests, made in process with the CLI's own primitives (cli/lib/pki.ts): the project
 * CA (the APIService caBundle), a serving certificate for `custom-metrics-apiserver.custom-metrics.svc`, a
 * front-proxy CA with its client certificate (what kube-apiserver presents) unless the cluster's own CA is given,
 * and a rogue CA with a client certificate the server must refuse. Files are written with the names `cli pki`
 * uses, so a test can point `--pki` at the directory.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCA, issue, loadSigner, serviceDnsNames, type Issued } from "../../cli/lib/pki";

export const SERVICE = "custom-metrics-apiserver";
export const SERVICE_NAMESPACE = "custom-metrics";
/** The SNI kube-apiserver sends, and the name it verifies. */
export const SVC_NAME = `${SERVICE}.${SERVICE_NAMESPACE}.svc`;

export interface TestPki {
  dir: string;
  ca: string;
  caPem: string;
  serverCert: string;
  serverKey: string;
  frontProxyCa: string;
  /** Absent when the cluster's front-proxy CA was given (its client key stays with kube-apiserver). */
  clientCert?: string;
  clientKey?: string;
  rogueCa: string;
  rogueClientCert: string;
  rogueClientKey: string;
}

/** A PKI with its own front-proxy CA, so the client certificate is there. */
export type TestPkiWithClient = TestPki & { clientCert: string; clientKey: string };

const signerOf = (ca: Issued) => loadSigner(ca.certPem, ca.keyPem);

export async function testPki(dir: string): Promise<TestPkiWithClient>;
export async function testPki(dir: string, o: { frontProxyCa?: string }): Promise<TestPki>;
export async function testPki(dir: string, o: { frontProxyCa?: string } = {}): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text, { mode: name.endsWith(".key") ? 0o600 : 0o644 });
    return join(dir, name);
  };
  const ca = await createCA(`edge-metrics-adapter test CA`);
  const server = await issue(await signerOf(ca), { commonName: SVC_NAME, dnsNames: serviceDnsNames(SERVICE, SERVICE_NAMESPACE), usage: "server" });
  const rogue = await createCA("rogue CA");
  const rogueClient = await issue(await signerOf(rogue), { commonName: "front-proxy-client", usage: "client" });
  const pki: TestPki = {
    dir,
    ca: write("ca.crt", ca.certPem),
    caPem: ca.certPem,
    serverCert: write("server.crt", server.certPem),
    serverKey: write("server.key", server.keyPem),
    frontProxyCa: join(dir, "front-proxy-ca.crt"),
    rogueCa: write("rogue-ca.crt", rogue.certPem),
    rogueClientCert: write("rogue-client.crt", rogueClient.certPem),
    rogueClientKey: write("rogue-client.key", rogueClient.keyPem),
  };
  if (o.frontProxyCa) {
    copyFileSync(o.frontProxyCa, pki.frontProxyCa);
  } else {
    const fp = await createCA("edge-metrics-adapter test front-proxy-ca");
    const client = await issue(await signerOf(fp), { commonName: "front-proxy-client", usage: "client" });
    write("front-proxy-ca.crt", fp.certPem);
    pki.clientCert = write("front-proxy-client.crt", client.certPem);
    pki.clientKey = write("front-proxy-client.key", client.keyPem);
  }
  return pki;
}

/** CA, client certificate and key as PEM text, for a TLS client that presents the front-proxy certificate. */
export function clientTls(pki: TestPki): { ca: string; cert: string; key: string } {
  if (!pki.clientCert || !pki.clientKey) throw new Error("this PKI has no front-proxy client certificate (the cluster's CA was given)");
  const read = (p: string) => readFileSync(p, "utf8");
  return { ca: read(pki.ca), cert: read(pki.clientCert), key: read(pki.clientKey) };
}
