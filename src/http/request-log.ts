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

/**
 * Lines wait here and go out together: one console.log per request cost about a tenth of a small read's CPU on
 * workerd (bench profile of the Object read), one per FLUSH_MS or MAX_PENDING lines costs next to nothing. The
 * flush runs in the request that scheduled it (waitUntil), so no line waits for another request to arrive; a
 * process killed with SIGKILL loses at most FLUSH_MS of lines.
 */
const FLUSH_MS = 200;
const MAX_PENDING = 256;
const pending: string[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  if (pending.length > 0) console.log(pending.splice(0).join("\n"));
}

function emit(line: string, waitUntil: ((p: Promise<unknown>) => void) | null): void {
  pending.push(line);
  if (pending.length >= MAX_PENDING || waitUntil === null) return flush();
  if (flushScheduled) return;
  flushScheduled = true;
  waitUntil(new Promise((res) => setTimeout(res, FLUSH_MS)).then(flush));
}

function waitUntilOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): ((p: Promise<unknown>) => void) | null {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return null; // no execution context (an app called directly): write at once
  }
}

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!enabled(c.env)) return next();
    const started = Date.now();
    await next();
    emit(`${c.req.method} ${c.req.path} ${c.res.status} ${Date.now() - started}ms ${c.get("socket") ?? "-"} who=${who(c.get("principal"))}`, waitUntilOf(c));
  };
}
