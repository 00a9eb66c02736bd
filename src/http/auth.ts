/**
 * Authentication middleware and the handlers' authorization helper.
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
import { forbidden, MetricsError, unauthorized } from "../domain/errors";
import { authorizationProblem, operationProblem, rateLimitKey } from "../auth/principal";
import { findToken, timingSafeEqual, type Operation, type ScopeRequest } from "../auth/tokens";
import { BindingRateLimiter, TokenBucketLimiter, type RateLimiter } from "../auth/rate-limit";
import { HEALTH_PATHS, isReadRequest } from "../k8s/apis";
import { SOCKET_HEADER } from "../env";
import type { Config } from "../config";
import type { AppEnv, Socket } from "./app-env";

let openModeAnnounced = false;

function socketOf(c: Context<AppEnv>, config: Config): Socket {
  if (config.deployment !== "edge" && config.deployment !== "bridge") return "public";
  const stamped = c.req.header(SOCKET_HEADER);
  if (stamped !== "aggregator" && stamped !== "public") {
    throw forbidden(`request did not arrive on a configured socket (missing ${SOCKET_HEADER})`);
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
      if (!isReadRequest(c.req.method, path)) {
        throw forbidden("the aggregator socket serves only reads of the metrics APIs; send writes to the public endpoint");
      }
      c.set("principal", { kind: "aggregator" });
      return next();
    }
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      if (token === undefined) throw unauthorized("the Authorization header must be `Bearer <token>`");
      if (config.readToken !== null && timingSafeEqual(token, config.readToken)) {
        c.set("principal", { kind: "reader", via: "read-token" });
        return next();
      }
      const spec = await findToken(config.tokens, token);
      if (spec === null) throw unauthorized("the bearer token is not valid");
      c.set("principal", { kind: "token", spec });
      return next();
    }
    if (mtlsReader(c, config)) {
      c.set("principal", { kind: "reader", via: "mtls" });
      return next();
    }
    const read = isReadRequest(c.req.method, path);
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
  const problem = authorizationProblem(c.get("principal"), c.get("config"), request);
  if (problem) throw new MetricsError(problem.reason, what + problem.message);
}

/** Refuses (401/403) a principal that could not perform `operation` on anything: call it before reading a body. */
export function authorizeOperation(c: Context<AppEnv>, operation: Operation): void {
  const problem = operationProblem(c.get("principal"), c.get("config"), operation);
  if (problem) throw new MetricsError(problem.reason, problem.message);
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
    const key = rateLimitKey(c.get("principal"), c.req.header("cf-connecting-ip") ?? "local");
    const { success, retryAfterSeconds } = await limiter.limit(key);
    if (!success) {
      const who = key.startsWith("token:") ? `token "${key.slice(6)}"` : "this client";
      throw new MetricsError(
        "TooManyRequests",
        `write rate limit exceeded for ${who} (${config.writeRateLimit.requests} requests per ${config.writeRateLimit.periodSeconds}s); retry after ${retryAfterSeconds}s`,
        { retryAfterSeconds },
      );
    }
    return next();
  };
}
