/**
 * Remote write 2.0: an uncompressed `io.prometheus.write.v2.Request`
 * (proto/prometheus/io/prometheus/write/v2/types.proto) → DecodedRequest, walked with the strict reader of
 * ../wire.ts. Refusals follow the spec (prometheus/docs docs/specs/prw/remote_write_spec_2_0.md) and what
 * Prometheus' receiver refuses (prometheus/prometheus storage/remote/write_handler.go `appendV2`, prompb
 * io/prometheus/write/v2 `desymbolizeLabels`, `ToMetadata`):
 * - `labels_refs` must hold pairs and every ref (series, exemplar, metadata help/unit) must index the
 *   symbols table; the labels then pass ../series-labels.ts (UTF-8, non-empty unique names, `__name__`);
 * - a series must carry samples, histograms or exemplars, and not both samples and histograms;
 * - fields 1-3 are reserved in Request: they mean a 1.0 WriteRequest sent under the 2.0 Content-Type, which
 *   is refused with that explanation instead of decoding to nothing.
 * Accepted although the spec asks otherwise of senders, as Prometheus does: unsorted labels, and a symbols
 * table whose first entry is not "" (it only matters for help/unit refs, which the model does not keep).
 *
 * Types come from `metadata.type` (COUNTER, GAUGE; anything else is "unknown"). `start_timestamp` is read
 * but not carried: in the decoded model a sample's startTimestampMs means the value is a delta over
 * [start, timestamp] (OTLP delta sums), whereas 2.0's start timestamp on a counter is when a cumulative
 * counter started counting; passing it on would make the mapping read cumulative counters as deltas.
 * Native histograms and exemplars are counted (for the X-Prometheus-Remote-Write-*-Written answer), and
 * series without float samples are left out of `series`.
 */
import { MetricsError } from "../../domain/errors";
import type { DecodedRequest, DecodedSample, DecodedSeries, SeriesType } from "../decoded";
import { seriesError, seriesLabels, type WireLabel } from "../series-labels";
import { ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError } from "../wire";

const PROTOCOL = "remote write 2.0";

// io.prometheus.write.v2.Metadata.MetricType
const METRIC_TYPE_COUNTER = 1;
const METRIC_TYPE_GAUGE = 2;

interface RawSeries {
  readonly refs: number[];
  readonly samples: DecodedSample[];
  histograms: number;
  readonly exemplarRefs: number[][];
  type: number;
  helpRef: number;
  unitRef: number;
}

export function decodeRequestV2(body: Uint8Array): DecodedRequest {
  const symbols: string[] = [];
  const symbolValid: boolean[] = [];
  const raw: RawSeries[] = [];
  let where = "Request";
  try {
    const r = new ProtoReader(body);
    while (r.more()) {
      r.tag();
      if (r.field === 4) {
        where = `symbols[${symbols.length}]`;
        r.expect(WIRE_LEN, "symbols");
        symbols.push(r.string());
        symbolValid.push(r.utf8Valid);
      } else if (r.field === 5) {
        where = `timeseries[${raw.length}]`;
        r.expect(WIRE_LEN, "timeseries");
        raw.push(readSeries(r.message()));
      } else if (r.field >= 1 && r.field <= 3) {
        throw new MetricsError(
          "BadRequest",
          `${PROTOCOL}: the body has field ${r.field}, which io.prometheus.write.v2.Request reserves: it looks like a remote write 1.0 ` +
            `prometheus.WriteRequest; send that with Content-Type application/x-protobuf, or encode an io.prometheus.write.v2.Request`,
        );
      } else {
        r.skip();
      }
    }
  } catch (e) {
    if (e instanceof WireError) {
      throw new MetricsError("BadRequest", `${PROTOCOL}: the body is not a valid io.prometheus.write.v2.Request (in ${where}): ${e.message}`);
    }
    throw e;
  }

  const series: DecodedSeries[] = [];
  let histograms = 0;
  let exemplars = 0;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    const where = `timeseries[${i}]`;
    const labels = resolveLabels(s.refs, symbols, symbolValid, where, "labels_refs");
    const { name, labels: rest } = seriesLabels(labels, PROTOCOL, where);
    if (s.helpRef >= symbols.length || s.unitRef >= symbols.length) {
      const [field, ref] = s.helpRef >= symbols.length ? ["help_ref", s.helpRef] : ["unit_ref", s.unitRef];
      throw seriesError(PROTOCOL, labels, where, `has metadata.${field} ${ref}, outside the symbols table (size ${symbols.length})`);
    }
    for (let k = 0; k < s.exemplarRefs.length; k++) resolveLabels(s.exemplarRefs[k], symbols, symbolValid, `${where}.exemplars[${k}]`, "labels_refs");
    if (s.samples.length > 0 && s.histograms > 0) {
      throw seriesError(PROTOCOL, labels, where, `carries both samples and histograms: a TimeSeries must carry one kind; send the other in a separate TimeSeries`);
    }
    if (s.samples.length === 0 && s.histograms === 0 && s.exemplarRefs.length === 0) {
      throw seriesError(PROTOCOL, labels, where, `carries no samples, histograms or exemplars: a TimeSeries must carry at least one`);
    }
    histograms += s.histograms;
    exemplars += s.exemplarRefs.length;
    if (s.samples.length > 0) series.push({ name, labels: rest, type: seriesType(s.type), samples: s.samples });
  }
  return { series, histograms, exemplars };
}

function resolveLabels(refs: readonly number[], symbols: readonly string[], valid: readonly boolean[], where: string, field: string): WireLabel[] {
  if (refs.length % 2 !== 0) {
    throw new MetricsError("BadRequest", `${PROTOCOL}: ${where} has ${refs.length} ${field}: they must come in name/value pairs`);
  }
  const labels: WireLabel[] = [];
  for (let k = 0; k < refs.length; k += 2) {
    const nameRef = refs[k];
    const valueRef = refs[k + 1];
    if (nameRef >= symbols.length || valueRef >= symbols.length) {
      const [ref, at] = nameRef >= symbols.length ? [nameRef, k] : [valueRef, k + 1];
      throw new MetricsError("BadRequest", `${PROTOCOL}: ${where} has ${field}[${at}] = ${ref}, outside the symbols table (size ${symbols.length})`);
    }
    labels.push({ name: symbols[nameRef], value: symbols[valueRef], utf8Valid: valid[nameRef] && valid[valueRef] });
  }
  return labels;
}

function readSeries(r: ProtoReader): RawSeries {
  const s: RawSeries = { refs: [], samples: [], histograms: 0, exemplarRefs: [], type: 0, helpRef: 0, unitRef: 0 };
  while (r.more()) {
    r.tag();
    switch (r.field) {
      case 1:
        r.repeatedUint32(s.refs, "labels_refs");
        break;
      case 2:
        r.expect(WIRE_LEN, "samples");
        s.samples.push(readSample(r.message()));
        break;
      case 3:
        r.expect(WIRE_LEN, "histograms");
        r.skip();
        s.histograms++;
        break;
      case 4:
        r.expect(WIRE_LEN, "exemplars");
        s.exemplarRefs.push(readExemplarRefs(r.message()));
        break;
      case 5:
        r.expect(WIRE_LEN, "metadata");
        readMetadata(r.message(), s);
        break;
      default:
        r.skip();
    }
  }
  return s;
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
    } else if (r.field === 3) {
      r.expect(WIRE_VARINT, "Sample.start_timestamp");
      r.int64();
    } else r.skip();
  }
  return { value, timestampMs, stale };
}

function readExemplarRefs(r: ProtoReader): number[] {
  const refs: number[] = [];
  while (r.more()) {
    r.tag();
    if (r.field === 1) r.repeatedUint32(refs, "Exemplar.labels_refs");
    else r.skip();
  }
  return refs;
}

// A message field sent twice is merged (proto3), so each occurrence updates the fields it carries.
function readMetadata(r: ProtoReader, s: RawSeries): void {
  while (r.more()) {
    r.tag();
    if (r.field === 1) {
      r.expect(WIRE_VARINT, "Metadata.type");
      s.type = r.uint32();
    } else if (r.field === 3) {
      r.expect(WIRE_VARINT, "Metadata.help_ref");
      s.helpRef = r.uint32();
    } else if (r.field === 4) {
      r.expect(WIRE_VARINT, "Metadata.unit_ref");
      s.unitRef = r.uint32();
    } else r.skip();
  }
}

function seriesType(type: number): SeriesType {
  if (type === METRIC_TYPE_COUNTER) return "counter";
  if (type === METRIC_TYPE_GAUGE) return "gauge";
  return "unknown";
}
