// OTLP → Prometheus names with UnderscoreEscapingWithSuffixes, against the cases of
// github.com/prometheus/otlptranslator v1.0.0 metric_namer_test.go (TestMetricNamer_Build, the
// `UTF8Allowed: false, WithMetricSuffixes: true` rows) and label_namer_test.go (labelTestCases,
// TestBuildLabel_Errors).
import { describe, expect, it } from "vitest";
import { prometheusLabelName, prometheusMetricName, type NamerType } from "../../../src/ingest/otlp/prometheus-names";

describe("metric names (otlptranslator metric_namer_test.go)", () => {
  it.each<[string, string, NamerType, string]>([
    ["requests", "", "monotonic-counter", "requests_total"],
    ["cpu_usage", "1", "gauge", "cpu_usage_ratio"],
    ["items", "1", "monotonic-counter", "items_total"],
    ["response_time", "ms", "gauge", "response_time_milliseconds"],
    ["memory_usage", "By", "gauge", "memory_usage_bytes"],
    ["requests", "1/s", "gauge", "requests_per_second"],
    ["throughput", "By/s", "gauge", "throughput_bytes_per_second"],
    ["custom_metric", "custom_unit", "gauge", "custom_metric_custom_unit"],
    ["custom_metric", "{custom}", "gauge", "custom_metric"],
    ["custom_metric", "By/{custom}", "gauge", "custom_metric_bytes"],
    ["requests_total", "", "monotonic-counter", "requests_total"],
    ["cpu_usage_ratio", "1", "gauge", "cpu_usage_ratio"],
    ["response_time_seconds", "s", "gauge", "response_time_seconds"],
    ["metric__with__multiple__underscores", "unit__multiple__underscores", "gauge", "metric_with_multiple_underscores_unit_multiple_underscores"],
    ["custom_metric", "unit@with#special/chars", "gauge", "custom_metric_unit_with_special_per_chars"],
    ["request_duration", "s", "histogram", "request_duration_seconds"],
    ["request_size", "By", "exponential-histogram", "request_size_bytes"],
    ["response_time", "ms", "summary", "response_time_milliseconds"],
    ["active_connections", "", "non-monotonic-counter", "active_connections"],
    // OpenTelemetry semantic-convention names as SDKs send them.
    ["http.server.request.duration", "s", "histogram", "http_server_request_duration_seconds"],
    ["k8s.pod.cpu.time", "s", "monotonic-counter", "k8s_pod_cpu_time_seconds_total"],
    ["queue.depth", "{message}", "gauge", "queue_depth"],
    ["123_requests", "", "monotonic-counter", "_123_requests_total"],
    ["system.network.io", "By", "monotonic-counter", "system_network_io_bytes_total"],
  ])("%s [%s] as %s → %s", (name, unit, type, expected) => {
    expect(prometheusMetricName(name, unit, type)).toEqual({ name: expected });
  });

  it("refuses names that translate to nothing usable", () => {
    expect(prometheusMetricName("@#$%", "", "gauge")).toEqual({ error: "a metric name that translates to an empty Prometheus name" });
    expect(prometheusMetricName("", "", "gauge")).toEqual({ error: "a metric name that translates to an empty Prometheus name" });
  });
});

describe("label names (otlptranslator label_namer_test.go)", () => {
  it.each([
    ["label:with:colons", "label_with_colons"],
    ["LabelWithCapitalLetters", "LabelWithCapitalLetters"],
    ["label!with&special$chars)", "label_with_special_chars_"],
    ["label_with_foreign_characters_字符", "label_with_foreign_characters_"],
    ["label.with.dots", "label_with_dots"],
    ["123label", "key_123label"],
    ["_label_starting_with_underscore", "_label_starting_with_underscore"],
    ["__label_starting_with_2underscores", "_label_starting_with_2underscores"],
    ["label__with__double__underscores", "label_with_double_underscores"],
    ["label.name__with&&special##chars", "label_name_with_special_chars"],
    ["__reserved__label__name__", "__reserved_label_name__"],
    ["trailing_underscores___", "trailing_underscores_"],
    ["k8s.namespace.name", "k8s_namespace_name"],
  ])("%s → %s", (key, expected) => {
    expect(prometheusLabelName(key)).toEqual({ name: expected });
  });

  it.each(["", "__", "ようこそ", "____", "..."])("refuses %j", (key) => {
    expect(prometheusLabelName(key)).toHaveProperty("error");
  });
});
