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
import { admissionKey, authorizationProblem, operationProblem } from "../auth/principal";
import { findToken, timingSafeEqual, type Operation, type ScopeRequest } from "../auth/tokens";
import { BindingRateLimiter, InFlightLimiter, TokenBucketLimiter, type RateLimiter } from "../auth/rate-limit";
import { HEALTH_PATHS, isReadRequest } from "../k8s/apis";
import { SOCKET_HEADER } from "../env";
import { HEAVY_BODY_BYTES, MAX_HEAVY_IN_FLIGHT_PER_CREDENTIAL, MAX_IN_FLIGHT_PER_CREDENTIAL, type Config } from "../config";
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

/**
 * The token in an Authorization header: `Bearer <token>`, or HTTP Basic with the token as the password (the
 * user name is ignored) for senders that only do Basic — Prometheus' `basic_auth`, the Python client's
 * `basic_auth_handler`, the Pushgateway clients.
 */
export function presentedToken(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== undefined) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)?.[1];
  if (basic === undefined) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(basic.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  return password === "" ? undefined : password;
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    const path = c.req.path;
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
      const token = presentedToken(header);
      if (token === undefined) throw unauthorized("the Authorization header must be `Bearer <token>`, or `Basic` with the token as the password");
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

/** The name a write is recorded under: the token's name (never the token), or null without one. */
export function writerOf(c: Context<AppEnv>): string | null {
  const principal = c.get("principal");
  return principal.kind === "token" ? principal.spec.name : null;
}

/** Refuses (401/403) a principal that could not perform `operation` on anything: call it before reading a body. */
export function authorizeOperation(c: Context<AppEnv>, operation: Operation): void {
  const problem = operationProblem(c.get("principal"), c.get("config"), operation);
  if (problem) throw new MetricsError(problem.reason, problem.message);
}

interface Limiters {
  write: RateLimiter;
  read: RateLimiter;
  inFlight: InFlightLimiter;
  heavy: InFlightLimiter;
}
const limiters = new WeakMap<object, Limiters>();

function limitersFor(c: Context<AppEnv>, config: Config): Limiters {
  let l = limiters.get(config);
  if (!l) {
    l = {
      write: c.env.WRITE_RATE_LIMITER
        ? new BindingRateLimiter(c.env.WRITE_RATE_LIMITER, config.writeRateLimit.periodSeconds)
        : new TokenBucketLimiter(config.writeRateLimit),
      read: new TokenBucketLimiter(config.readRateLimit),
      inFlight: new InFlightLimiter(MAX_IN_FLIGHT_PER_CREDENTIAL),
      heavy: new InFlightLimiter(MAX_HEAVY_IN_FLIGHT_PER_CREDENTIAL),
    };
    limiters.set(config, l);
  }
  return l;
}

/** A request whose body is large, or of a size not declared up front. */
function isHeavy(c: Context<AppEnv>): boolean {
  if (c.req.raw.body === null) return false;
  const length = Number(c.req.header("content-length") ?? NaN);
  return !(Number.isFinite(length) && length <= HEAVY_BODY_BYTES);
}

/**
 * Admission per credential (auth/principal.ts admissionKey), before any handler work: a rate for writes and
 * deletes (WRITE_RATE_LIMIT, the Cloudflare rate-limiting binding when deployed) and one for reads
 * (READ_RATE_LIMIT), each 429 with Retry-After; and a cap on requests in flight, tighter for large bodies. The
 * work of one request is bounded (body size, decoding limits), so a holder of one credential can delay the
 * single workerd thread — and with it the HPA's reads on the aggregator socket — by at most a few such
 * requests' work.
 */
export function admission(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = admissionKey(c.get("principal"), c.req.header("cf-connecting-ip") ?? "local");
    if (key === null || HEALTH_PATHS.has(c.req.path)) return next();
    const config = c.get("config");
    const l = limitersFor(c, config);
    const who = key.startsWith("token:") ? `token "${key.slice(6)}"` : "this client";
    const isRead = c.req.method === "GET" || c.req.method === "HEAD";
    const spec = isRead ? config.readRateLimit : config.writeRateLimit;
    const { success, retryAfterSeconds } = await (isRead ? l.read : l.write).limit(key);
    if (!success) {
      throw new MetricsError(
        "TooManyRequests",
        `${isRead ? "read" : "write"} rate limit exceeded for ${who} (${spec.requests} requests per ${spec.periodSeconds}s, ${isRead ? "READ" : "WRITE"}_RATE_LIMIT); retry after ${retryAfterSeconds}s`,
        { retryAfterSeconds },
      );
    }
    const heavy = isHeavy(c);
    const release = l.inFlight.acquire(key);
    const releaseHeavy = release && heavy ? l.heavy.acquire(key) : () => {};
    if (release === null || releaseHeavy === null) {
      release?.();
      const max = release === null ? MAX_IN_FLIGHT_PER_CREDENTIAL : MAX_HEAVY_IN_FLIGHT_PER_CREDENTIAL;
      throw new MetricsError(
        "TooManyRequests",
        `${who} already has ${max} ${release === null ? "" : "large "}requests in flight; wait for their answers before sending more`,
        { retryAfterSeconds: 1 },
      );
    }
    try {
      await next();
    } finally {
      releaseHeavy();
      release();
    }
  };
}
