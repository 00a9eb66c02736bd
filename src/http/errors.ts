/**
 * The one error handler: a MetricsError becomes its metav1.Status; Hono's own HTTPExceptions keep their
 * code; anything else is a 500 that says nothing about internals (and is logged). Every body is JSON with
 * `Content-Type: application/json`, whatever the request's Accept asked for: the HPA asks for protobuf
 * first and must still get a Status it can decode.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { MetricsError, type MetricsErrorReason } from "../domain/errors";
import { failureStatus } from "../k8s/status";

const REASON_BY_CODE: Record<number, MetricsErrorReason> = {
  400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
  409: "Conflict", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
  503: "ServiceUnavailable",
};

export function statusResponse(reason: MetricsErrorReason, message: string, headers: Record<string, string> = {}): Response {
  const body = failureStatus(reason, message);
  return new Response(JSON.stringify(body), {
    status: body.code,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof MetricsError) return statusResponse(err.reason, err.message, { ...err.headers });
  if (err instanceof HTTPException) {
    const reason = REASON_BY_CODE[err.status] ?? "InternalError";
    return statusResponse(reason, err.message || `request failed with status ${err.status}`);
  }
  console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed:`, err);
  return statusResponse("InternalError", "an internal error occurred; the request was not completed");
}

export function onNotFound(c: Context): Response {
  return statusResponse("NotFound", `the server could not find the requested resource (${c.req.method} ${new URL(c.req.url).pathname})`);
}
