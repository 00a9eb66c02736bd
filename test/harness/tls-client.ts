/**
 * One HTTPS request from Node with explicit SNI, CA and client certificate, verified the way kube-apiserver
 * (Go) verifies an aggregated server: the name checked is the SNI, not the address dialled.
 */
import type { IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { checkServerIdentity } from "node:tls";
import { SVC_NAME } from "./pki";

export interface TlsRequest {
  port: number;
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  servername?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface TlsResult {
  status?: number;
  body?: string;
  contentType?: string;
  headers?: IncomingHttpHeaders;
  error?: NodeJS.ErrnoException;
}

export function tlsRequest(o: TlsRequest): Promise<TlsResult> {
  return new Promise((res) => {
    const servername = o.servername ?? SVC_NAME;
    const req = httpsRequest({
      host: "127.0.0.1",
      port: o.port,
      path: o.path,
      method: o.method ?? "GET",
      servername,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      agent: false,
      minVersion: "TLSv1.2",
      checkServerIdentity: (_h, cert) => checkServerIdentity(servername, cert),
      headers: { accept: "application/json", ...(o.headers ?? {}) },
      timeout: 10_000,
    });
    req.on("error", (error: NodeJS.ErrnoException) => res({ error }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("response", (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c) => (body += c));
      r.on("end", () => res({ status: r.statusCode, body, contentType: String(r.headers["content-type"] ?? ""), headers: r.headers }));
    });
    req.end(o.body);
  });
}
