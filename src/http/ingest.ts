/**
 * The write path every ingestion protocol shares, after its decoder: the mapping (ingest/mapping.ts), the
 * authorization of each series' namespace and metric (one out of scope refuses the whole request, naming it),
 * and the one store write. Protocol handlers (remote-write.ts, pushgateway.ts, otlp.ts) keep only their wire
 * format and their own answers.
 */
import type { Context } from "hono";
import { badRequest, MetricsError } from "../domain/errors";
import { scopeNamespace } from "../domain/targets";
import type { DecodedSeries } from "../ingest/decoded";
import { mapSeries, MappingError, type Mapped } from "../ingest/mapping";
import type { WriteReceipt } from "../store/repository";
import type { AppEnv } from "./app-env";
import { authorize, writerOf } from "./auth";
import { countIngest, type IngestProtocol } from "./self-metrics";

export interface IngestOptions {
  readonly protocol: IngestProtocol;
  /** Namespace for series without a namespace label (from the endpoint path). */
  readonly defaultNamespace: string | null;
  readonly ttlSeconds: number;
}

export interface IngestResult extends Mapped {
  readonly receipt: WriteReceipt;
  /** Samples received and taken in (stored, or used for a counter's rate); the protocols report this as written. */
  readonly accepted: number;
}

/** `?ttlSeconds=` of an ingestion endpoint, or the deployment's default. */
export function ttlParam(c: Context<AppEnv>): number {
  const { freshness } = c.get("config");
  const raw = c.req.query("ttlSeconds");
  if (raw === undefined) return freshness.defaultTtlSeconds;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > freshness.maxTtlSeconds) {
    throw badRequest(`?ttlSeconds= must be an integer from 1 to ${freshness.maxTtlSeconds}; got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The mapping and the authorization of every series: what a protocol then hands to the store. */
export function prepareIngest(c: Context<AppEnv>, series: readonly DecodedSeries[], options: IngestOptions): Mapped {
  let mapped: Mapped;
  try {
    mapped = mapSeries(series, { config: c.get("config").mapping, defaultNamespace: options.defaultNamespace, ttlSeconds: options.ttlSeconds, now: c.get("now") });
  } catch (e) {
    if (e instanceof MappingError) throw badRequest(`${e.message}; nothing was stored`);
    throw e;
  }
  const checked = new Set<string>();
  const check = (namespace: string, metric: string) => {
    const key = `${namespace}\u0000${metric}`;
    if (checked.has(key)) return;
    checked.add(key);
    try {
      authorize(c, { operation: "write", namespace, metric });
    } catch (e) {
      if (e instanceof MetricsError && e.reason === "Forbidden") {
        throw new MetricsError("Forbidden", `${e.message} (a series of metric "${metric}" in namespace "${namespace || "@cluster"}"); nothing was stored`);
      }
      throw e;
    }
  };
  for (const s of mapped.externals) check(s.namespace, s.metric);
  for (const s of mapped.objects) check(scopeNamespace(s.target), s.metric);
  return mapped;
}

/** Counts what a protocol received and what became of it (self-metrics); returns the samples taken in. */
export function countIngested(protocol: IngestProtocol, mapped: Mapped, receipt: WriteReceipt): number {
  const written = Math.max(0, mapped.received - [...mapped.skipped.values()].reduce((a, b) => a + b, 0) - receipt.skippedExternal);
  countIngest(protocol, "written", written);
  for (const [reason, n] of mapped.skipped) countIngest(protocol, reason, n);
  countIngest(protocol, "older than the stored value", receipt.skippedExternal);
  return written;
}

export async function ingest(c: Context<AppEnv>, series: readonly DecodedSeries[], options: IngestOptions): Promise<IngestResult> {
  const mapped = prepareIngest(c, series, options);
  const receipt =
    mapped.objects.length + mapped.externals.length === 0
      ? { written: 0, skipped: 0, skippedExternal: 0 }
      : await c.get("store").write({ objects: mapped.objects, externals: mapped.externals, writer: writerOf(c) }, c.get("now"));
  return { ...mapped, receipt, accepted: countIngested(options.protocol, mapped, receipt) };
}
