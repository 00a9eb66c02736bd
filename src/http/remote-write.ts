/**
 * Prometheus remote write 1.0 and 2.0 (prometheus/docs docs/specs/prw/remote_write_spec.md and
 * remote_write_spec_2_0.md): `POST /api/v1/write`, the path Prometheus, Mimir and Thanos receivers use, and
 * `POST /namespaces/{namespace}/api/v1/write` for senders whose series carry no namespace label. Public
 * endpoint only: the aggregator socket refuses writes before this is reached.
 *
 * The protocol's contract, kept here at its edge:
 * - 204 on success; for 2.0 the X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written headers,
 *   always present so client_golang's sender can tell an accepting 2.0 receiver from a 1.0 one. Samples skipped
 *   by the mapping or older than what is stored are not counted as written (the sender records them as not
 *   written; it does not retry). Native histograms and exemplars are accepted and not stored: written 0.
 * - 400 for a request that can never succeed (the sender drops it), 415 for a Content-Type or Content-Encoding
 *   that is not remote write, 413 for too large, 429 with Retry-After when rate limited, 5xx only when a retry
 *   can succeed (507 disk full, 503 store unavailable). Bodies are Status JSON.
 * - A retried request is idempotent: the same samples replace themselves, older ones are skipped.
 */
import { Hono, type Context } from "hono";
import { MetricsError } from "../domain/errors";
import { check, namespaceProblem } from "../domain/names";
import { checkRemoteWriteEncoding, decodeRemoteWrite, remoteWriteVersion } from "../ingest/remote-write";
import type { AppEnv } from "./app-env";
import { authorizeOperation } from "./auth";
import { readRawBody } from "./body";
import { ingest, ttlParam } from "./ingest";

/** Samples in one request: Prometheus sends 2,000 by default (queue_config max_samples_per_send). */
export const REMOTE_WRITE_MAX_SAMPLES = 50_000;

async function write(c: Context<AppEnv>, defaultNamespace: string | null): Promise<Response> {
  if (defaultNamespace !== null) check(namespaceProblem(defaultNamespace));
  const contentType = c.req.header("content-type");
  const contentEncoding = c.req.header("content-encoding");
  // Everything that can be refused without the body is refused first.
  const version = remoteWriteVersion(contentType);
  checkRemoteWriteEncoding(contentEncoding);
  authorizeOperation(c, "write");
  const ttlSeconds = ttlParam(c);
  const body = await readRawBody(c.req.raw, c.get("config").limits.maxBodyBytes);
  const { request } = decodeRemoteWrite({ body, contentType, contentEncoding });
  const samples = request.series.reduce((n, s) => n + s.samples.length, 0);
  if (samples > REMOTE_WRITE_MAX_SAMPLES) {
    throw new MetricsError("RequestEntityTooLarge", `remote write request carries ${samples} samples; at most ${REMOTE_WRITE_MAX_SAMPLES} are accepted (lower queue_config.max_samples_per_send)`);
  }
  const result = await ingest(c, request.series, { protocol: "remote-write", defaultNamespace, ttlSeconds });
  const headers: Record<string, string> = {};
  if (version === "2.0") {
    headers["X-Prometheus-Remote-Write-Samples-Written"] = String(result.accepted);
    headers["X-Prometheus-Remote-Write-Histograms-Written"] = "0";
    headers["X-Prometheus-Remote-Write-Exemplars-Written"] = "0";
  }
  return c.body(null, 204, headers);
}

export function remoteWriteApp() {
  const app = new Hono<AppEnv>();
  app.post("/api/v1/write", (c) => write(c, null));
  app.post("/namespaces/:namespace/api/v1/write", (c) => write(c, c.req.param("namespace")));
  return app;
}
