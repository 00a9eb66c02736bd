/**
 * Who is asking, and may they. Authentication happens once per request (middleware); authorization happens
 * in the handlers, after the path is parsed, because a scope is about a namespace and a metric.
 *
 * Where a request came from:
 * - Self-hosted workerd (DEPLOYMENT edge/bridge): workerd's `injectRequestHeaders` stamps each request with
 *   its socket, replacing anything a client sent under that name, so it cannot be spoofed. The aggregator
 *   socket admits only clients whose certificate chains to the cluster's front-proxy CA (workerd checks it in
 *   the handshake); it serves reads and discovery, never writes.
 * - Cloudflare and `wrangler dev`: every request is public; the header is ignored.
 *
 * Credentials on the public side, in order: a bearer token (READ_TOKEN for the bridge, or a scoped token from
 * WRITE_TOKENS), then Cloudflare mTLS for reads (`request.cf.tlsClientAuth`: verified, not revoked, issuer
 * SKI pinned). Without one: `dev` with no tokens configured is open (and says so loudly); anything deployed
 * refuses. X-Remote-* and every other identity header are never read: on the aggregator leg identity is the
 * TLS client certificate, and on the public side a header proves nothing.
 */
import type { Context, MiddlewareHandler } from "hono";
import { MetricsError } from "../domain/errors";
import { findToken, scopeProblem, timingSafeEqual, type ScopeRequest, type TokenSpec } from "../auth/tokens";
import { BindingRateLimiter, TokenBucketLimiter, type RateLimiter } from "../auth/rate-limit";
import { SOCKET_HEADER } from "../env";
import type { Config } from "../config";
import type { AppEnv, Socket } from "./app-env";

export type Principal =
  | { kind: "aggregator" }
  | { kind: "open" }
  | { kind: "reader"; via: "read-token" | "mtls" }
  | { kind: "token"; spec: TokenSpec }
  | { kind: "anonymous" };

const HEALTH_PATHS = new Set(["/healthz", "/readyz", "/livez"]);
const CHALLENGE = { "WWW-Authenticate": `Bearer realm="edge-metrics-adapter"` };

function isRead(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") && (path === "/apis" || path === "/metrics" || path.startsWith("/apis/") || path.startsWith("/openapi/"));
}

let openModeAnnounced = false;

function socketOf(c: Context<AppEnv>, config: Config): Socket {
  if (config.deployment !== "edge" && config.deployment !== "bridge") return "public";
  const stamped = c.req.header(SOCKET_HEADER);
  if (stamped !== "aggregator" && stamped !== "public") {
    throw new MetricsError("Forbidden", `request did not arrive on a configured socket (missing ${SOCKET_HEADER})`);
  }
  return stamped;
}

type TlsClientAuth = { certVerified?: string; certRevoked?: string; certIssuerSKI?: string };

function mtlsReader(c: Context<AppEnv>, config: Config): boolean {
  if (config.readMtlsIssuerSki === null) return false;
  const auth = (c.req.raw.cf as { tlsClientAuth?: TlsClientAuth } | undefined)?.tlsClientAuth;
  return (
    auth?.certVerified === "SUCCESS" &&
    auth.certRevoked === "0" &&
    typeof auth.certIssuerSKI === "string" &&
    timingSafeEqual(auth.certIssuerSKI.replace(/:/g, "").toLowerCase(), config.readMtlsIssuerSki)
  );
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    const path = new URL(c.req.url).pathname;
    const socket = socketOf(c, config);
    c.set("socket", socket);
    if (HEALTH_PATHS.has(path)) {
      c.set("principal", { kind: "anonymous" });
      return next();
    }
    if (socket === "aggregator") {
      if (!isRead(c.req.method, path)) {
        throw new MetricsError("Forbidden", "the aggregator socket serves only reads of the metrics APIs; send writes to the public endpoint");
      }
      c.set("principal", { kind: "aggregator" });
      return next();
    }
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      if (token === undefined) throw new MetricsError("Unauthorized", "the Authorization header must be `Bearer <token>`", CHALLENGE);
      if (config.readToken !== null && timingSafeEqual(token, config.readToken)) {
        c.set("principal", { kind: "reader", via: "read-token" });
        return next();
      }
      const spec = await findToken(config.tokens, token);
      if (spec === null) throw new MetricsError("Unauthorized", "the bearer token is not valid", CHALLENGE);
      c.set("principal", { kind: "token", spec });
      return next();
    }
    if (mtlsReader(c, config)) {
      c.set("principal", { kind: "reader", via: "mtls" });
      return next();
    }
    const read = isRead(c.req.method, path);
    const open = config.deployment === "dev" && (read ? config.readToken === null : config.tokens.length === 0);
    if (open && !openModeAnnounced) {
      openModeAnnounced = true;
      console.warn("edge-metrics-adapter: NO AUTHENTICATION (dev mode without WRITE_TOKENS/READ_TOKEN): anyone who can reach this port can write and read metrics");
    }
    c.set("principal", open ? { kind: "open" } : { kind: "anonymous" });
    return next();
  };
}

/** Throws 401/403 unless the request's principal may perform `request`. `what` prefixes the message (batch index). */
export function authorize(c: Context<AppEnv>, request: ScopeRequest, what = ""): void {
  const problem = authorizationProblem(c, request);
  if (problem) throw new MetricsError(problem.reason, what + problem.message, problem.reason === "Unauthorized" ? CHALLENGE : {});
}

export function authorizationProblem(c: Context<AppEnv>, request: ScopeRequest): { reason: "Unauthorized" | "Forbidden"; message: string } | null {
  const principal = c.get("principal");
  const config = c.get("config");
  switch (principal.kind) {
    case "open":
      return null;
    case "aggregator":
      return request.operation === "read" ? null : { reason: "Forbidden", message: "the aggregator socket is read-only" };
    case "reader":
      return request.operation === "read" ? null : { reason: "Forbidden", message: "this credential may only read metrics" };
    case "token": {
      const problem = scopeProblem(principal.spec, request);
      return problem ? { reason: "Forbidden", message: problem } : null;
    }
    case "anonymous":
      if (request.operation === "read" && config.readToken === null && config.tokens.length === 0 && config.readMtlsIssuerSki === null) {
        return { reason: "Forbidden", message: "metric reads are not enabled on this endpoint: configure READ_TOKEN, WRITE_TOKENS with the read operation, or mTLS" };
      }
      if (request.operation !== "read" && config.tokens.length === 0) {
        return { reason: "Forbidden", message: "writes are disabled: no WRITE_TOKENS are configured for this deployment (see `npm run cli -- token create`)" };
      }
      return { reason: "Unauthorized", message: `a bearer token is required to ${request.operation} metrics` };
  }
}

const limiters = new WeakMap<object, RateLimiter>();

/** Per-credential write/delete rate limit → 429 with Retry-After. */
export function writeRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const config = c.get("config");
    let limiter = limiters.get(config);
    if (!limiter) {
      limiter = c.env.WRITE_RATE_LIMITER
        ? new BindingRateLimiter(c.env.WRITE_RATE_LIMITER, config.writeRateLimit.periodSeconds)
        : new TokenBucketLimiter(config.writeRateLimit);
      limiters.set(config, limiter);
    }
    const principal = c.get("principal");
    const key = principal.kind === "token" ? `token:${principal.spec.name}` : `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
    const { success, retryAfterSeconds } = await limiter.limit(key);
    if (!success) {
      throw new MetricsError("TooManyRequests", `write rate limit exceeded for ${key.startsWith("token:") ? `token "${key.slice(6)}"` : "this client"} (${config.writeRateLimit.requests} requests per ${config.writeRateLimit.periodSeconds}s); retry after ${retryAfterSeconds}s`, {
        "Retry-After": String(retryAfterSeconds),
      });
    }
    return next();
  };
}
