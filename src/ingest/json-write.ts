/**
 * The adapter's own JSON write dialect (`/write-metrics`, `/write-external-metrics`), decoded into validated
 * sample fields: the body forms of the write API (a JSON quantity,
 * a bare JSON number, or an object with value/labels/objectLabels/timestamp/windowSeconds/ttlSeconds) and
 * the batch form (an array of such objects that also name their target). Pure: the HTTP layer hands in
 * the raw text, the query's labels and the clock, and gets samples or a BadRequest naming every problem.
 *
 * Trade-offs, all deliberate:
 * - Bare numbers are parsed from the raw text as resource.Quantity.UnmarshalJSON does, so 12345678901234567890
 *   keeps its digits; inside an object, `value` should be a string for the same exactness.
 * - `null` would unmarshal to zero upstream; for a write it is far more likely a bug, so it is refused.
 * - Unknown object fields are refused (a typo such as `window` or `ttl` would otherwise be silently ignored).
 * - A writer's timestamp is accepted only if it is sane: at most MAX_CLOCK_SKEW in the future and not older
 *   than its TTL. Expiry counts from the timestamp: the value is as old as the writer says it is.
 */
import { canonicalizeQuantity, formatQuantity, parseQuantityJSON, QuantityError } from "../apimachinery/quantity";
import { badRequest, MetricsError } from "../domain/errors";
import { DEFAULT_FRESHNESS, MAX_CLOCK_SKEW_MS, type FreshnessOptions } from "../domain/freshness";
import { jsonDepthExceeds, MAX_JSON_DEPTH, quantityLengthProblem } from "../domain/limits";
import type { Labels } from "../domain/metric";
import { labelsProblem, metricNameProblem, namespaceProblem, objectNameProblem } from "../domain/names";

/** The value part of a write, common to every body form. */
export interface SampleFields {
  readonly value: string;
  readonly labels: Labels | null;
  readonly objectLabels: Labels | null;
  readonly timestamp: number;
  readonly windowSeconds: number | null;
  readonly expiresAt: number;
}

const OBJECT_FIELDS = new Set(["value", "labels", "objectLabels", "timestamp", "windowSeconds", "ttlSeconds"]);
const TARGET_FIELDS = new Set(["namespace", "resource", "name", "metric"]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const MAX_LISTED_PROBLEMS = 20;

/** Collects problems with a path prefix ("labels", "[3].value") so one message can list them all. */
class Problems {
  readonly list: string[] = [];
  add(where: string, problem: string | null): void {
    if (problem) this.list.push(where ? `${where}: ${problem}` : problem);
  }
  /** Lists the first problems in full and counts the rest, so a message stays readable (and small) for any batch. */
  throwIfAny(prefix: string): void {
    const n = this.list.length;
    if (n === 0) return;
    const shown = this.list.slice(0, MAX_LISTED_PROBLEMS).join("; ");
    throw badRequest(`${prefix}${shown}${n > MAX_LISTED_PROBLEMS ? `; … and ${n - MAX_LISTED_PROBLEMS} more` : ""}`);
  }
}

function quantityFromValue(value: unknown, problems: Problems, where: string): string | null {
  if (typeof value === "string") {
    const tooLong = quantityLengthProblem(value);
    if (tooLong) {
      problems.add(where, tooLong);
      return null;
    }
    try {
      return canonicalizeQuantity(value);
    } catch (e) {
      problems.add(where, `invalid quantity ${JSON.stringify(value)}: ${(e as Error).message}`);
      return null;
    }
  }
  if (typeof value === "number" && Number.isFinite(value)) return quantityFromValue(String(value), problems, where);
  problems.add(where, value === undefined ? "value is required" : "value must be a quantity string such as \"42\", \"300m\" or \"1.5Gi\"");
  return null;
}

function labelsFrom(value: unknown, problems: Problems, where: string): Labels | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.add(where, "must be an object of string label values");
    return null;
  }
  const labels = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== "string") {
      problems.add(where, `value of label "${k}" must be a string`);
      return null;
    }
  }
  problems.add("", labelsProblem(labels as Labels, where));
  return labels as Labels;
}

function integerField(value: unknown, problems: Problems, where: string, min: number, max: number): number | null {
  if (value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    problems.add(where, `must be an integer from ${min} to ${max}`);
    return null;
  }
  return value;
}

/** Validates value/labels/time fields of an object-form sample and fixes its timestamp and expiry. */
function fieldsFromObject(obj: Record<string, unknown>, problems: Problems, prefix: string, now: number, options: FreshnessOptions): SampleFields | null {
  const at = (f: string) => `${prefix}${f}`;
  const value = quantityFromValue(obj.value, problems, at("value"));
  const labels = labelsFrom(obj.labels, problems, at("labels"));
  const objectLabels = labelsFrom(obj.objectLabels, problems, at("objectLabels"));
  const windowSeconds = integerField(obj.windowSeconds, problems, at("windowSeconds"), 0, 31_536_000);
  const ttlSeconds = integerField(obj.ttlSeconds, problems, at("ttlSeconds"), 1, options.maxTtlSeconds) ?? options.defaultTtlSeconds;
  let timestamp = now;
  if (obj.timestamp !== undefined) {
    const parsed = typeof obj.timestamp === "string" && RFC3339.test(obj.timestamp) ? Date.parse(obj.timestamp) : NaN;
    if (Number.isNaN(parsed)) problems.add(at("timestamp"), `must be an RFC 3339 time such as "2026-01-02T15:04:05Z"`);
    else if (parsed > now + MAX_CLOCK_SKEW_MS) problems.add(at("timestamp"), `is more than ${MAX_CLOCK_SKEW_MS / 1000}s in the future`);
    else if (parsed + ttlSeconds * 1000 <= now) problems.add(at("timestamp"), `is older than the value's TTL (${ttlSeconds}s): it would never be served`);
    else timestamp = parsed;
  }
  if (value === null) return null;
  return { value, labels, objectLabels, timestamp, windowSeconds, expiresAt: timestamp + ttlSeconds * 1000 };
}

function unknownFields(obj: Record<string, unknown>, allowed: Set<string>, problems: Problems, prefix: string): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.has(k));
  if (unknown.length) problems.add(prefix.replace(/\.$/, ""), `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`);
}

/**
 * Decodes the body of a single-sample write: `"42"`, `42`, or an object. Throws BadRequest naming every
 * problem found.
 */
export function parseSampleBody(raw: string, now: number, options: FreshnessOptions = DEFAULT_FRESHNESS): SampleFields {
  const text = raw.trim();
  if (text === "") throw badRequest(`request body is empty: send a quantity such as "42" or an object {"value": "42"}`);
  const problems = new Problems();
  if (text[0] !== "{") {
    const tooLong = quantityLengthProblem(text.replace(/^"|"$/g, ""));
    if (tooLong) throw badRequest(`invalid quantity ${text.slice(0, 64)}…: ${tooLong}`);
    let quantity;
    try {
      quantity = parseQuantityJSON(text);
    } catch (e) {
      if (e instanceof QuantityError) throw badRequest(`invalid quantity ${text.length > 64 ? text.slice(0, 64) + "…" : text}: ${e.message}`);
      throw badRequest(`request body is not a JSON quantity or object`);
    }
    if (quantity === null) throw badRequest(`a value is required: null is not accepted`);
    return { value: formatQuantity(quantity), labels: null, objectLabels: null, timestamp: now, windowSeconds: null, expiresAt: now + options.defaultTtlSeconds * 1000 };
  }
  let obj: unknown;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw badRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  const record = obj as Record<string, unknown>;
  unknownFields(record, OBJECT_FIELDS, problems, "");
  const fields = fieldsFromObject(record, problems, "", now, options);
  problems.throwIfAny("invalid sample: ");
  return fields!;
}

/** A batch item after validation: the target's fields as the writer named them, and the sample fields. */
export interface BatchItem {
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  readonly metric: string;
  readonly fields: SampleFields;
}

/**
 * Decodes a batch: a JSON array of samples, each naming its target. `kind` decides which target fields are
 * required (`external`: namespace and metric; `object`: resource, name, metric, and namespace unless the
 * resource is cluster-scoped, which the caller checks). All-or-nothing: any invalid item makes the whole
 * batch a BadRequest whose message lists every offending index and why.
 */
export function parseBatchBody(
  raw: string, kind: "object" | "external", now: number, options: FreshnessOptions = DEFAULT_FRESHNESS, maxSamples = Infinity,
): BatchItem[] {
  let parsed: unknown;
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw badRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw badRequest(`a batch write takes a JSON array of samples`);
  if (parsed.length === 0) throw badRequest(`the batch is empty`);
  if (parsed.length > maxSamples) {
    throw new MetricsError("RequestEntityTooLarge", `a batch may carry at most ${maxSamples} samples; got ${parsed.length}`);
  }
  const problems = new Problems();
  const items: BatchItem[] = [];
  const allowed = new Set([...OBJECT_FIELDS, ...TARGET_FIELDS]);
  if (kind === "external") allowed.delete("objectLabels"), allowed.delete("resource"), allowed.delete("name");
  parsed.forEach((entry: unknown, i: number) => {
    const prefix = `[${i}].`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.add(`[${i}]`, "must be an object");
      return;
    }
    const obj = entry as Record<string, unknown>;
    unknownFields(obj, allowed, problems, prefix);
    const str = (f: string, required: boolean): string => {
      const v = obj[f];
      if (v === undefined) {
        if (required) problems.add(`${prefix}${f}`, "is required");
        return "";
      }
      if (typeof v !== "string") {
        problems.add(`${prefix}${f}`, "must be a string");
        return "";
      }
      return v;
    };
    const namespace = str("namespace", kind === "external");
    const resource = kind === "object" ? str("resource", true) : "";
    const name = kind === "object" ? str("name", true) : "";
    const metric = str("metric", true);
    if (namespace) problems.add(`${prefix}namespace`, namespaceProblem(namespace));
    if (name) problems.add(`${prefix}name`, objectNameProblem(name));
    if (metric) problems.add(`${prefix}metric`, metricNameProblem(metric));
    const fields = fieldsFromObject(obj, problems, prefix, now, options);
    if (fields) items.push({ namespace, resource, name, metric, fields });
  });
  problems.throwIfAny(`invalid batch (nothing was stored): `);
  return items;
}
