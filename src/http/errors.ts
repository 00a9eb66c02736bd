/**
 * The one error handler. A MetricsError becomes a failure (reason, message, when to retry); a ConfigError
 * (a deployment mistake) is a 500 that names the variable to fix; Hono's own HTTPExceptions keep their code;
 * anything else is a 500 that says nothing about internals (and is logged).
 *
 * A failure is rendered in the shape its endpoint's protocol defines: a metav1.Status everywhere Kubernetes or
 * our own API is spoken — always JSON with `Content-Type: application/json`, whatever the request's Accept asked
 * for (the HPA asks for protobuf first and must still get a Status it can decode); a google.rpc.Status on the
 * OTLP endpoints (http/otlp.ts); plain text on the Pushgateway API, as the Pushgateway answers. Headers that
 * belong to a reason are added here, nowhere else: `WWW-Authenticate` on 401, `Retry-After` when the failure
 * says when a retry can succeed.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { MetricsError, type MetricsErrorReason } from "../domain/errors";
import { failureStatus, reasonForCode, STATUS_CODES } from "../k8s/status";
import { isOtlpPath, otlpErrorResponse } from "./otlp";
import { countRefusal } from "./self-metrics";
import type { MetricRepository } from "../store/repository";

/** Both schemes a sender may use (RFC 9110 §11.6.1: one challenge per scheme). */
const CHALLENGE = `Bearer realm="edge-metrics-adapter", Basic realm="edge-metrics-adapter"`;

interface Failure {
  readonly reason: MetricsErrorReason;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

function failureHeaders(f: Failure): Record<string, string> {
  const headers: Record<string, string> = {};
  if (f.reason === "Unauthorized") headers["www-authenticate"] = CHALLENGE;
  if (f.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(f.retryAfterSeconds)));
  return headers;
}

export function statusResponse(reason: MetricsErrorReason, message: string, options: { retryAfterSeconds?: number } = {}): Response {
  const body = failureStatus(reason, message);
  const headers = { "content-type": "application/json", ...failureHeaders({ reason, message, ...options }) };
  return new Response(JSON.stringify(body), { status: body.code, headers });
}

/** Pushgateway's handlers answer errors with http.Error: the message as plain text. */
const isPushgatewayPath = (pathname: string) => /^(?:\/namespaces\/[^/]+)?\/metrics\/job(?:@base64)?\//.test(pathname);

/** At most this many refusals per second are kept in the store (the rest are only counted). */
const MAX_RECORDED_PER_SECOND = 10;
let recordedSecond = 0;
let recordedInSecond = 0;

/**
 * Keeps a refused write for the status page, best effort and after the response: the store's refusal log is
 * bounded, and so is the rate at which it is written, so a flood of bad requests cannot turn into a flood of
 * writes.
 */
function recordRefusal(c: Context, f: Failure, status: number): void {
  if (status >= 500 || c.req.method === "GET" || c.req.method === "HEAD") return;
  const store = c.get("store") as MetricRepository | undefined;
  if (!store) return;
  const second = Math.floor(Date.now() / 1000);
  if (second !== recordedSecond) [recordedSecond, recordedInSecond] = [second, 0];
  if (++recordedInSecond > MAX_RECORDED_PER_SECOND) return;
  const principal = c.get("principal") as { kind: string; spec?: { name: string } } | undefined;
  const pending = store
    .recordRefusal({
      at: Date.now(), method: c.req.method, path: c.req.path, status, reason: f.reason, message: f.message,
      writer: principal?.kind === "token" ? principal.spec!.name : null,
    })
    .catch(() => {});
  try {
    c.executionCtx.waitUntil(pending);
  } catch {
    // No execution context (a direct app.fetch in tests): the promise runs on its own.
  }
}

function render(c: Context, f: Failure): Response {
  const status = STATUS_CODES[f.reason];
  if (status < 500) {
    countRefusal(f.reason);
    recordRefusal(c, f, status);
  }
  const pathname = c.req.path;
  if (isOtlpPath(pathname)) return otlpErrorResponse(c.req.raw, f.reason, f.message, failureHeaders(f));
  if (isPushgatewayPath(pathname)) {
    return new Response(`${f.message}\n`, { status: STATUS_CODES[f.reason], headers: { ...failureHeaders(f), "content-type": "text/plain; charset=utf-8" } });
  }
  return statusResponse(f.reason, f.message, f);
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof MetricsError) return render(c, { reason: err.reason, message: err.message, retryAfterSeconds: err.retryAfterSeconds });
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
    return render(c, { reason: "InternalError", message: `the server is misconfigured: ${err.message}` });
  }
  if (err instanceof HTTPException) {
    return render(c, { reason: reasonForCode(err.status), message: err.message || `request failed with status ${err.status}` });
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, err);
  return render(c, { reason: "InternalError", message: "an internal error occurred; the request was not completed" });
}

export function onNotFound(c: Context): Response {
  return statusResponse("NotFound", `the server could not find the requested resource (${c.req.method} ${c.req.path})`);
}

/** Write paths whose last segment is the metric: a path one segment short names the form it lacks. */
const WRITE_FORMS: readonly [RegExp, string][] = [
  [/^\/write-metrics\/namespaces\/[^/]+\/[^/]+\/[^/]+\/?$/, "/write-metrics/namespaces/{namespace}/{resource}/{name}/{metric}"],
  [/^\/write-metrics\/(?!namespaces\/)[^/]+\/[^/]+\/?$/, "/write-metrics/{resource}/{name}/{metric} (cluster-scoped objects)"],
];

/**
 * The not-found handler for an app whose routes are `routes` (Hono's `app.routes`): a path the app serves with
 * other methods is a 405 with `Allow` (RFC 9110 §15.5.6), a write path missing its metric a 400 naming the form,
 * anything else a 404. Derived from the routing table itself, so it cannot drift from it.
 */
export function notFoundHandler(routes: readonly { method: string; path: string }[]): (c: Context) => Response {
  const patterns = routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      regex: new RegExp(`^${r.path.split("/").map((seg) => (seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`),
    }));
  return (c) => {
    const path = c.req.path;
    const allowed = [...new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.method))];
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      const response = statusResponse("MethodNotAllowed", `${c.req.method} is not allowed on ${path}; use ${allowed.join(", ")}`);
      response.headers.set("allow", allowed.join(", "));
      return response;
    }
    for (const [regex, form] of WRITE_FORMS) {
      if (regex.test(path)) return statusResponse("BadRequest", `${path} does not name a metric: write to ${form}`);
    }
    return onNotFound(c);
  };
}
