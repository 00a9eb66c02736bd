/**
 * One series' label set, checked the way Prometheus' remote-write receiver checks it
 * (prometheus/prometheus storage/remote/write_handler.go: `!ls.Has(labels.MetricName) ||
 * !ls.IsValid(model.UTF8Validation)`, then `ls.HasDuplicateLabelNames()`), and rendered like
 * `labels.Labels.String()` so an error names the series a sender can find in its own data.
 *
 * Choices, with the remote-write specs (prometheus/docs docs/specs/prw/remote_write_spec.md and
 * remote_write_spec_2_0.md, "Labels"/"Series Labels"):
 * - label names and values are any UTF-8 (Prometheus' receiver validates with UTF8Validation); names must be
 *   non-empty and unique, `__name__` must be present and non-empty;
 * - unsorted labels are accepted: the specs make sorting a sender's MUST, but Prometheus' receiver sorts
 *   what it gets (prompb `labelProtosToLabels`, writev2 `desymbolizeLabels`: `b.Sort()`) rather than refusing,
 *   and the decoded model is a map, so order carries nothing;
 * - an empty value is dropped rather than refused: in Prometheus' data model a label with an empty value is
 *   the same as no label.
 */
import { MetricsError } from "../domain/errors";

export interface WireLabel {
  readonly name: string;
  readonly value: string;
  /** False when the name or value was not valid UTF-8 (and holds U+FFFD replacements). */
  readonly utf8Valid: boolean;
}

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const MAX_RENDERED = 300;

/** `{__name__="up", job="api"}`, names quoted when they are not legacy Prometheus names; cut at 300 chars. */
export function formatLabels(labels: readonly { readonly name: string; readonly value: string }[]): string {
  let text = "";
  for (const l of labels) {
    if (text.length > MAX_RENDERED) return `{${text.slice(0, MAX_RENDERED)}…}`;
    text += `${text === "" ? "" : ", "}${LEGACY_NAME.test(l.name) ? l.name : JSON.stringify(l.name)}=${JSON.stringify(l.value)}`;
  }
  return `{${text.length > MAX_RENDERED ? `${text.slice(0, MAX_RENDERED)}…` : text}}`;
}

/** Sets a key even when it is "__proto__", which plain assignment would treat as the prototype. */
export function setLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === "__proto__") Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
}

/**
 * The metric name and the other labels of one series, or a BadRequest naming the series (`where` says
 * which message it was, e.g. `timeseries[3]`) and the rule it breaks.
 */
export function seriesLabels(wire: readonly WireLabel[], protocol: string, where: string): { name: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  let name = "";
  const seen = wire.length > 32 ? new Set<string>() : null;
  for (let i = 0; i < wire.length; i++) {
    const l = wire[i];
    if (!l.utf8Valid) throw seriesError(protocol, wire, where, `has a label that is not valid UTF-8 (shown with U+FFFD): label names and values must be UTF-8`);
    if (l.name === "") throw seriesError(protocol, wire, where, `has a label with an empty name: label names must not be empty`);
    if (isRepeated(wire, i, seen)) throw seriesError(protocol, wire, where, `has the label name ${JSON.stringify(l.name)} more than once: label names must be unique`);
    if (l.value === "") continue;
    if (l.name === "__name__") name = l.value;
    else setLabel(labels, l.name, l.value);
  }
  if (name === "") throw seriesError(protocol, wire, where, `has no __name__ label: every series needs a metric name`);
  return { name, labels };
}

export function seriesError(
  protocol: string,
  wire: readonly { readonly name: string; readonly value: string }[],
  where: string,
  rule: string,
): MetricsError {
  return new MetricsError("BadRequest", `${protocol}: series ${formatLabels(wire)} (${where}) ${rule}`);
}

// Whether wire[i]'s name occurred before it. A scan beats a Set for the usual handful of labels; past 32,
// the Set keeps a series with thousands of labels from costing their square.
function isRepeated(wire: readonly WireLabel[], i: number, seen: Set<string> | null): boolean {
  const name = wire[i].name;
  if (seen === null) {
    for (let j = 0; j < i; j++) if (wire[j].name === name) return true;
    return false;
  }
  if (seen.has(name)) return true;
  seen.add(name);
  return false;
}
