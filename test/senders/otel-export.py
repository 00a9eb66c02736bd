"""A Python service instrumented with the OpenTelemetry SDK, as an application would be: a gauge and a counter
exported over OTLP/HTTP (protobuf) by opentelemetry-exporter-otlp-proto-http, configured only through the SDK's
standard environment (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT / _METRICS_ENDPOINT,
OTEL_EXPORTER_OTLP_HEADERS, OTEL_METRIC_EXPORT_INTERVAL, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).

What it measures is given by SENDER_GAUGE (the gauge's constant value), SENDER_RATE (the counter grows by this
many per second of wall time, whatever the timer jitter) and SENDER_SECONDS (how long it runs; it always stops).
It prints a JSON line when it starts counting and one with the export results when done, and exits 1 if any
export failed, so the test can tell a refused export from a missing value.
"""
import json
import os
import sys
import time

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource


class RecordingExporter(OTLPMetricExporter):
    """The stock exporter, counting what each export returned."""

    def __init__(self):
        super().__init__()
        self.results = {"success": 0, "failure": 0}

    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        result = super().export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        self.results["success" if result == MetricExportResult.SUCCESS else "failure"] += 1
        return result


def main():
    gauge_value = float(os.environ["SENDER_GAUGE"])
    rate = float(os.environ["SENDER_RATE"])
    seconds = min(float(os.environ["SENDER_SECONDS"]), 300.0)

    exporter = RecordingExporter()
    provider = MeterProvider(resource=Resource.create(), metric_readers=[PeriodicExportingMetricReader(exporter)])
    meter = provider.get_meter("edge-metrics-adapter.senders")
    meter.create_observable_gauge("app.queue.depth", callbacks=[lambda _options: [Observation(gauge_value)]])
    counter = meter.create_counter("app.requests", unit="{request}")

    print(json.dumps({"event": "started"}), flush=True)
    t0 = time.monotonic()
    emitted = 0
    while (elapsed := time.monotonic() - t0) < seconds:
        due = int(rate * elapsed)
        if due > emitted:
            counter.add(due - emitted)
            emitted = due
        time.sleep(0.01)
    provider.shutdown()  # the last export
    print(json.dumps({"event": "done", "sdk": "python", "exports": exporter.results, "emitted": emitted, "seconds": round(elapsed, 3)}), flush=True)
    return 1 if exporter.results["failure"] else 0


if __name__ == "__main__":
    sys.exit(main())
