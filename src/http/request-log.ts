/**
 * One log line per request, for operators of a self-hosted edge node (journald, `docker logs`):
 *
 *   POST /write-metrics/namespaces/default/pods/web-0/http_requests 200 4ms public who=token:writer
 *
 * method, path (never the query string), status, duration, socket, and who asked: the token's name, the read
 * token, the aggregator's client certificate, or `-` when authentication failed. Never a credential: the
 * line is built only from the principal the auth middleware settled on, not from headers.
 *
 * On by default where nothing else logs requests — DEPLOYMENT edge (and bridge) — and off on Cloudflare
 * (Workers logs have the request) and in dev (wrangler dev prints its own line; the vitest pool stays quiet).
 * REQUEST_LOG=on|off overrides. The duration is workerd's clock, which advances only across I/O: a request that
 * does none reads 0ms.
 */
import type { MiddlewareHandler } from "hono";
import { ConfigError } from "../config";
import type { Principal } from "../auth/principal";
import type { AppEnv } from "./app-env";

function enabled(env: AppEnv["Bindings"]): boolean {
  const v = env.REQUEST_LOG;
  if (v === undefined || v === "") return env.DEPLOYMENT === "edge" || env.DEPLOYMENT === "bridge";
  if (v === "on") return true;
  if (v === "off") return false;
  throw new ConfigError("REQUEST_LOG", `REQUEST_LOG must be "on" or "off", got ${JSON.stringify(v)}`);
}

function who(p: Principal | undefined): string {
  switch (p?.kind) {
    case "token":
      return `token:${/^[\x21-\x7e]+$/.test(p.spec.name) ? p.spec.name : JSON.stringify(p.spec.name)}`;
    case "reader":
      return p.via === "mtls" ? "mtls" : "read-token";
    case "aggregator":
    case "open":
    case "anonymous":
      return p.kind;
    default:
      return "-";
  }
}

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!enabled(c.env)) return next();
    const started = Date.now();
    await next();
    console.log(`${c.req.method} ${c.req.path} ${c.res.status} ${Date.now() - started}ms ${c.get("socket") ?? "-"} who=${who(c.get("principal"))}`);
  };
}
