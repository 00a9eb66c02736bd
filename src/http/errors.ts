/**
 * The one error handler. A MetricsError becomes its metav1.Status; a ConfigError (a deployment mistake) is a
 * 500 that names the variable to fix; Hono's own HTTPExceptions keep their code; anything else is a 500 that
 * says nothing about internals (and is logged). Every body is JSON with `Content-Type: application/json`,
 * whatever the request's Accept asked for: the HPA asks for protobuf first and must still get a Status it
 * can decode. Headers that belong to a reason are added here, nowhere else: `WWW-Authenticate` on 401,
 * `Retry-After` when the failure says when a retry can succeed.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { MetricsError, type MetricsErrorReason } from "../domain/errors";
import { failureStatus, reasonForCode } from "../k8s/status";

/** Both schemes a sender may use (RFC 9110 §11.6.1: one challenge per scheme). */
const CHALLENGE = `Bearer realm="edge-metrics-adapter", Basic realm="edge-metrics-adapter"`;

export function statusResponse(reason: MetricsErrorReason, message: string, options: { retryAfterSeconds?: number } = {}): Response {
  const body = failureStatus(reason, message);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (reason === "Unauthorized") headers["www-authenticate"] = CHALLENGE;
  if (options.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(options.retryAfterSeconds)));
  return new Response(JSON.stringify(body), { status: body.code, headers });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof MetricsError) return statusResponse(err.reason, err.message, { retryAfterSeconds: err.retryAfterSeconds });
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
    return statusResponse("InternalError", `the server is misconfigured: ${err.message}`);
  }
  if (err instanceof HTTPException) {
    return statusResponse(reasonForCode(err.status), err.message || `request failed with status ${err.status}`);
  }
  console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed:`, err);
  return statusResponse("InternalError", "an internal error occurred; the request was not completed");
}

export function onNotFound(c: Context): Response {
  return statusResponse("NotFound", `the server could not find the requested resource (${c.req.method} ${new URL(c.req.url).pathname})`);
}
