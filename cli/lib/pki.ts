/**
 * Certificates for the aggregator-facing endpoint, made with @peculiar/x509 on Node's WebCrypto:
 * a project CA (its certificate becomes the APIService `caBundle`), a serving certificate for
 * `<service>.<namespace>.svc`, and — for local testing only — a stand-in front-proxy CA and client certificate.
 * Keys are ECDSA P-256, written as PKCS#8 PEM.
 */
import "./reflect-shim.js";
import * as x509 from "@peculiar/x509";
import { webcrypto, randomBytes, X509Certificate as NodeX509 } from "node:crypto";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface Signer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  algorithm: typeof EC | typeof RSA;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 1;
  return b.toString("hex");
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
}

/** A self-signed CA certificate (basicConstraints CA:TRUE pathlen 0, keyCertSign|cRLSign). */
export async function createCA(commonName: string, days = 3650): Promise<Issued> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + days * DAY),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** Loads a CA (certificate + PKCS#8 key, ECDSA P-256 or RSA) so that it can sign. */
export async function loadSigner(certPem: string, keyPemText: string): Promise<Signer> {
  const cert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decode(keyPemText)[0];
  if (!der) throw new Error("no PEM block in the CA key file");
  if (/BEGIN (EC|RSA) PRIVATE KEY/.test(keyPemText)) {
    throw new Error("CA key must be PKCS#8 ('BEGIN PRIVATE KEY'); convert with `openssl pkcs8 -topk8 -nocrypt`");
  }
  for (const algorithm of [EC, RSA] as const) {
    try {
      const key = await subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
      return { cert, key, algorithm };
    } catch {
      /* try the next algorithm */
    }
  }
  throw new Error("CA key is neither ECDSA P-256 nor RSA");
}

export interface LeafOptions {
  commonName: string;
  dnsNames?: string[];
  usage: "server" | "client";
  days?: number;
  /** Subject organisation(s), e.g. groups for a client certificate. */
  organizations?: string[];
}

/** A leaf certificate signed by `ca`: serverAuth with DNS SANs, or clientAuth. */
export async function issue(ca: Signer, opts: LeafOptions): Promise<Issued> {
  const keys = await newKeys();
  const now = Date.now();
  const subject = [`CN=${opts.commonName}`, ...(opts.organizations ?? []).map((o) => `O=${o}`)].join(", ");
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [opts.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (opts.dnsNames?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(opts.dnsNames.map((value) => ({ type: "dns" as const, value }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(Math.min(now + (opts.days ?? 825) * DAY, ca.cert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** The names kube-apiserver and in-cluster clients use for a Service; the first is the SNI the aggregator sends. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}`, service];
}

/** DNS SANs of a PEM certificate (via Node's parser), for idempotency checks. */
export function dnsNamesOf(certPem: string): string[] {
  const san = new NodeX509(certPem).subjectAltName ?? "";
  return san
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4));
}

/** True if `certPem` was issued by `caPem` (signature check). */
export function issuedBy(certPem: string, caPem: string): boolean {
  try {
    const leaf = new NodeX509(certPem);
    const ca = new NodeX509(caPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Days until a PEM certificate expires. */
export function daysLeft(certPem: string): number {
  return (new Date(new NodeX509(certPem).validTo).getTime() - Date.now()) / DAY;
}
