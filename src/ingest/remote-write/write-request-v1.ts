/**
 * Remote write 1.0: an uncompressed `prometheus.WriteRequest` (proto/prometheus/remote.proto, types.proto)
 * → DecodedRequest, walked with the strict reader of ../wire.ts (see there why not `fromBinary`).
 *
 * - Types come from the request's `metadata` when Prometheus sent it along (it usually sends metadata in
 *   separate requests, so most 1.0 series stay "unknown"): a series whose name is a COUNTER or GAUGE
 *   family's name takes that type, and `<family>_total` of a COUNTER family (OpenMetrics naming) is a counter.
 * - `exemplars` and native `histograms` (fields 3 and 4 of Prometheus' TimeSeries, beyond the 1.0 spec) are
 *   counted, not decoded; series without float samples are left out of `series`.
 * - Any invalid series refuses the whole request (the spec's 400), naming the series and the rule.
 */
import { MetricsError } from "../../domain/errors";
import type { DecodedRequest, DecodedSample, DecodedSeries, SeriesType } from "../decoded";
import { seriesLabels, type WireLabel } from "../series-labels";
import { ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError } from "../wire";

const PROTOCOL = "remote write 1.0";

// prometheus.MetricMetadata.MetricType
const METADATA_COUNTER = 1;
const METADATA_GAUGE = 2;

interface RawSeries {
  readonly labels: WireLabel[];
  readonly samples: DecodedSample[];
}

export function decodeWriteRequestV1(body: Uint8Array): DecodedRequest {
  const raw: RawSeries[] = [];
  const familyTypes = new Map<string, number>();
  let histograms = 0;
  let exemplars = 0;
  let where = "WriteRequest";
  let previous: WireLabel[] = [];
  try {
    const r = new ProtoReader(body);
    while (r.more()) {
      r.tag();
      if (r.field === 1) {
        where = `timeseries[${raw.length}]`;
        r.expect(WIRE_LEN, "timeseries");
        const ts = r.message();
        const series: RawSeries = { labels: [], samples: [] };
        while (ts.more()) {
          ts.tag();
          switch (ts.field) {
            case 1:
              ts.expect(WIRE_LEN, "labels");
              series.labels.push(readLabel(ts.message(), previous[series.labels.length]));
              break;
            case 2:
              ts.expect(WIRE_LEN, "samples");
              series.samples.push(readSample(ts.message()));
              break;
            case 3:
              ts.expect(WIRE_LEN, "exemplars");
              ts.skip();
              exemplars++;
              break;
            case 4:
              ts.expect(WIRE_LEN, "histograms");
              ts.skip();
              histograms++;
              break;
            default:
              ts.skip();
          }
        }
        raw.push(series);
        previous = series.labels;
      } else if (r.field === 3) {
        where = "metadata";
        r.expect(WIRE_LEN, "metadata");
        const { family, type } = readMetadata(r.message());
        familyTypes.set(family, type);
      } else {
        r.skip();
      }
    }
  } catch (e) {
    if (e instanceof WireError) {
      throw new MetricsError("BadRequest", `${PROTOCOL}: the body is not a valid prometheus.WriteRequest (in ${where}): ${e.message}`);
    }
    throw e;
  }

  const series: DecodedSeries[] = [];
  for (let i = 0; i < raw.length; i++) {
    const { name, labels } = seriesLabels(raw[i].labels, PROTOCOL, `timeseries[${i}]`);
    if (raw[i].samples.length > 0) series.push({ name, labels, type: seriesType(name, familyTypes), samples: raw[i].samples });
  }
  return { series, histograms, exemplars };
}

// `like` is the label at the same position in the previous series, whose strings are reused when equal.
function readLabel(r: ProtoReader, like: WireLabel | undefined): WireLabel {
  let name = "";
  let value = "";
  let utf8Valid = true;
  while (r.more()) {
    r.tag();
    if (r.field === 1) {
      r.expect(WIRE_LEN, "Label.name");
      name = like ? r.stringLike(like.name) : r.string();
      utf8Valid &&= r.utf8Valid;
    } else if (r.field === 2) {
      r.expect(WIRE_LEN, "Label.value");
      value = like ? r.stringLike(like.value) : r.string();
      utf8Valid &&= r.utf8Valid;
    } else r.skip();
  }
  return { name, value, utf8Valid };
}

function readSample(r: ProtoReader): DecodedSample {
  let value = 0;
  let stale = false;
  let timestampMs = 0;
  while (r.more()) {
    r.tag();
    if (r.field === 1) {
      r.expect(WIRE_I64, "Sample.value");
      stale = r.atStaleMarker();
      value = r.double();
    } else if (r.field === 2) {
      r.expect(WIRE_VARINT, "Sample.timestamp");
      timestampMs = r.int64();
    } else r.skip();
  }
  return { value, timestampMs, stale };
}

function readMetadata(r: ProtoReader): { family: string; type: number } {
  let family = "";
  let type = 0;
  while (r.more()) {
    r.tag();
    if (r.field === 1) {
      r.expect(WIRE_VARINT, "MetricMetadata.type");
      type = r.uint32();
    } else if (r.field === 2) {
      r.expect(WIRE_LEN, "MetricMetadata.metric_family_name");
      family = r.string();
    } else r.skip();
  }
  return { family, type };
}

function seriesType(name: string, familyTypes: ReadonlyMap<string, number>): SeriesType {
  const exact = familyTypes.get(name);
  if (exact === METADATA_COUNTER) return "counter";
  if (exact === METADATA_GAUGE) return "gauge";
  if (exact === undefined && name.endsWith("_total") && familyTypes.get(name.slice(0, -6)) === METADATA_COUNTER) return "counter";
  return "unknown";
}
