/**
 * Name rules for everything a writer names, so bad input is refused before anything is stored:
 * namespaces are DNS-1123 labels and object names DNS-1123 subdomains, as the API server validates them
 * (apimachinery pkg/api/validation ValidateNamespaceName / NameIsDNSSubdomain); label keys and values follow
 * metav1 label validation (IsQualifiedName / IsValidLabelValue).
 *
 * Metric names have no upstream rule (custom-metrics-apiserver takes any path segment). Ours: 1–253
 * characters, starting with a letter or `_`, then letters, digits, `_`, `.`, `:` and `-`. That admits
 * Prometheus names (`http_requests_total`, `job:rps:rate5m`) and Kubernetes-style names
 * (`queue-depth`, `nginx.requests`), and keeps the name safe as a path segment and in discovery
 * (`pods/<metric>`).
 */
import { badRequest } from "./errors";
import type { Labels } from "./metric";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../apimachinery/validation";

export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,252}$/;
export const MAX_LABELS = 32;

export function namespaceProblem(namespace: string): string | null {
  const errs = isDNS1123Label(namespace);
  return errs.length ? `invalid namespace "${namespace}": ${errs.join("; ")}` : null;
}

export function objectNameProblem(name: string): string | null {
  const errs = isDNS1123Subdomain(name);
  return errs.length ? `invalid object name "${name}": ${errs.join("; ")}` : null;
}

export function metricNameProblem(metric: string): string | null {
  return METRIC_NAME_PATTERN.test(metric)
    ? null
    : `invalid metric name "${metric}": must be 1-253 characters, start with a letter or '_', and contain only letters, digits, '_', '.', ':' and '-'`;
}

export function labelsProblem(labels: Labels, what: string): string | null {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) return `${what}: at most ${MAX_LABELS} labels are allowed, got ${keys.length}`;
  for (const key of keys) {
    const value = labels[key];
    if (typeof value !== "string") return `${what}: value of label "${key}" must be a string`;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) return `${what}: invalid label key "${key}": ${keyErrs.join("; ")}`;
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length) return `${what}: invalid value "${value}" for label "${key}": ${valueErrs.join("; ")}`;
  }
  return null;
}

/** Throws BadRequest with the first problem found. */
export function check(...problems: (string | null)[]): void {
  for (const p of problems) if (p) throw badRequest(p);
}
