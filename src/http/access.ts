/**
 * Who may do what, by the socket a request arrived on.
 *
 * - Self-hosted workerd (DEPLOYMENT edge/bridge): workerd's `injectRequestHeaders` stamps every request with
 *   the socket it came in on, replacing anything a client sent under that name, so the header cannot be
 *   spoofed. The aggregator socket only accepts clients whose certificate chains to the cluster's
 *   front-proxy CA (checked by workerd in the TLS handshake); it serves reads and discovery, never writes.
 * - Cloudflare and `wrangler dev`: every request is public; the header is ignored.
 * - Public side: writes are open (write tokens come with the security issue); metric reads need the read
 *   token when one is configured, and always outside `dev`, since they exist for the bridge.
 * X-Remote-* identity headers are never read: identity on the aggregator leg is the TLS client certificate.
 */
import type { MiddlewareHandler } from "hono";
import { MetricsError } from "../domain/errors";
import { SOCKET_HEADER } from "../env";
import type { AppEnv, Socket } from "./app-env";

const HEALTH_PATHS = new Set(["/healthz", "/readyz", "/livez"]);

function isRead(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") && (path === "/apis" || path.startsWith("/apis/") || path.startsWith("/openapi/"));
}

/** Constant-time comparison of two strings (length is not secret: tokens have a fixed, public format). */
export function timingSafeEqualString(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i % x.length] ?? 0) ^ (y[i % y.length] ?? 0);
  return diff === 0;
}

export function accessPolicy(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    const path = new URL(c.req.url).pathname;
    let socket: Socket = "public";
    if (config.deployment === "edge" || config.deployment === "bridge") {
      const stamped = c.req.header(SOCKET_HEADER);
      if (stamped !== "aggregator" && stamped !== "public") {
        throw new MetricsError("Forbidden", `request did not arrive on a configured socket (missing ${SOCKET_HEADER})`);
      }
      socket = stamped;
    }
    c.set("socket", socket);
    if (HEALTH_PATHS.has(path)) return next();

    if (socket === "aggregator") {
      if (!isRead(c.req.method, path)) {
        throw new MetricsError("Forbidden", `the aggregator socket serves only reads of the metrics APIs; send writes to the public endpoint`);
      }
      return next();
    }
    if (isRead(c.req.method, path) && (config.readToken !== null || config.deployment !== "dev")) {
      const header = c.req.header("authorization") ?? "";
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      const challenge = { "WWW-Authenticate": `Bearer realm="edge-metrics-adapter"` };
      if (config.readToken === null) {
        throw new MetricsError("Forbidden", "metric reads are not enabled on this endpoint: configure READ_TOKEN", challenge);
      }
      if (token === undefined) throw new MetricsError("Unauthorized", "a bearer token is required to read metrics here", challenge);
      if (!timingSafeEqualString(token, config.readToken)) throw new MetricsError("Unauthorized", "the bearer token is not valid", challenge);
    }
    return next();
  };
}
