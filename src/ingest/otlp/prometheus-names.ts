/**
 * OTLP metric and attribute names → Prometheus names, as Prometheus' OTLP receiver builds them with its
 * default translation strategy `UnderscoreEscapingWithSuffixes` (github.com/prometheus/otlptranslator v1.0.0
 * metric_namer.go `normalizeName`, unit_namer.go, label_namer.go, strconv.go `sanitizeLabelName`): names are
 * split on characters outside [a-zA-Z0-9:] and re-joined with `_`, the unit becomes a suffix (`s` →
 * `_seconds`, `By/s` → `_bytes_per_second`, units in braces are annotations and dropped), monotonic sums get
 * `_total` and gauges with unit `1` get `_ratio`; label names keep [a-zA-Z0-9], collapse every other run to
 * one `_`, keep `__reserved__` wrapping, and get `key_` before a leading digit. Names the Go code refuses
 * (empty, or nothing but underscores) are refused here too, with a reason.
 */

export type NamerType = "gauge" | "monotonic-counter" | "non-monotonic-counter" | "histogram" | "exponential-histogram" | "summary";

// otlptranslator metric_namer.go unitMap and perUnitMap: UCUM units → Prometheus base-unit words.
const UNITS = new Map([
  ["d", "days"], ["h", "hours"], ["min", "minutes"], ["s", "seconds"], ["ms", "milliseconds"], ["us", "microseconds"], ["ns", "nanoseconds"],
  ["By", "bytes"], ["KiBy", "kibibytes"], ["MiBy", "mebibytes"], ["GiBy", "gibibytes"], ["TiBy", "tibibytes"],
  ["KBy", "kilobytes"], ["MBy", "megabytes"], ["GBy", "gigabytes"], ["TBy", "terabytes"],
  ["m", "meters"], ["V", "volts"], ["A", "amperes"], ["J", "joules"], ["W", "watts"], ["g", "grams"],
  ["Cel", "celsius"], ["Hz", "hertz"], ["1", ""], ["%", "percent"],
]);
const PER_UNITS = new Map([["s", "second"], ["m", "minute"], ["h", "hour"], ["d", "day"], ["w", "week"], ["mo", "month"], ["y", "year"]]);

const NOT_METRIC_CHARS = /[^a-zA-Z0-9:]+/;

function unitSuffixes(unit: string): [main: string, per: string] {
  const slash = unit.indexOf("/");
  const mainOtel = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const main = mainOtel !== "" && !/[{}]/.test(mainOtel) ? (UNITS.get(mainOtel) ?? mainOtel) : "";
  let per = "";
  if (slash >= 0 && unit.slice(slash + 1) !== "") {
    const perOtel = unit.slice(slash + 1).trim();
    if (perOtel !== "" && !/[{}]/.test(perOtel)) per = `per_${PER_UNITS.get(perOtel) ?? perOtel}`;
  }
  return [main, per];
}

// cleanUpUnit: invalid characters → `_`, runs of `_` collapsed, one leading `_` dropped.
function cleanUpUnit(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9:]/gu, "_").replace(/_+/g, "_").replace(/^_/, "");
}

/** The Prometheus metric name, or `{ error }` when the OTLP name does not translate to one. */
export function prometheusMetricName(name: string, unit: string, type: NamerType): { name: string } | { error: string } {
  let tokens = name.split(NOT_METRIC_CHARS).filter((t) => t !== "");
  let [main, per] = unitSuffixes(unit);
  main = cleanUpUnit(main);
  per = cleanUpUnit(per);
  // addUnitTokens
  if (tokens.includes(main)) main = "";
  if (per === "per_") per = "";
  else {
    per = per.replace(/_$/, "");
    if (tokens.includes(per)) per = "";
  }
  if (per !== "") main = main.replace(/_$/, "");
  if (main !== "") tokens.push(main);
  if (per !== "") tokens.push(per);
  if (type === "monotonic-counter") tokens = [...tokens.filter((t) => t !== "total"), "total"];
  if (unit === "1" && type === "gauge") tokens = [...tokens.filter((t) => t !== "ratio"), "ratio"];
  let result = tokens.join("_");
  if (/^[0-9]/.test(result)) result = `_${result}`;
  if (result === "") return { error: "a metric name that translates to an empty Prometheus name" };
  if (result !== name && /^_+$/.test(result)) return { error: `a metric name that translates to ${JSON.stringify(result)}, not a usable Prometheus name` };
  return { name: result };
}

/** The Prometheus label name for an attribute key, or `{ error }` when it does not translate to one. */
export function prometheusLabelName(key: string): { name: string } | { error: string } {
  if (key === "") return { error: "an empty attribute key" };
  const reserved = key.length >= 4 && key.startsWith("__") && key.endsWith("__");
  const inner = (reserved ? key.slice(2, -2) : key).replace(/[^a-zA-Z0-9]+/gu, "_");
  let name = reserved ? `__${inner}__` : inner;
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  if (/^_+$/.test(name)) return { error: `attribute key ${JSON.stringify(key)}, which translates to ${JSON.stringify(name)}, not a usable label name` };
  return { name };
}
