/**
 * Which remote-write message a request carries, from its Content-Type and Content-Encoding, as the specs
 * define it (prometheus/docs docs/specs/prw/remote_write_spec_2_0.md "Content-Type", "Content-Encoding",
 * "Unsupported Request Content") and as Prometheus' receiver applies it (prometheus/client_golang
 * exp/api/remote/remote_api.go `ParseProtoMsg`, `SnappyDecodeMiddleware`, used by prometheus/prometheus
 * storage/remote/write_handler.go):
 * - `application/x-protobuf` or `application/x-protobuf;proto=prometheus.WriteRequest` → 1.0;
 * - `application/x-protobuf;proto=io.prometheus.write.v2.Request` → 2.0;
 * - any other media type or `proto` → 415 naming the three accepted values;
 * - Content-Encoding must be `snappy`, else 415.
 * Like Prometheus' receiver, a request with no Content-Type is read as 1.0 (the original remote-write senders
 * did not always send one) and one with no Content-Encoding as snappy. Unlike it, media type and parameter
 * names are compared case-insensitively and whitespace around `;` is allowed, as RFC 9110 says: Prometheus
 * splits on `;` and `=` literally, so `; proto=…` with a space would silently be read as 1.0 there.
 */
import { MetricsError } from "../../domain/errors";
import { parseMediaType } from "../media-type";

export type RemoteWriteVersion = "1.0" | "2.0";

export const REMOTE_WRITE_V1_MESSAGE = "prometheus.WriteRequest";
export const REMOTE_WRITE_V2_MESSAGE = "io.prometheus.write.v2.Request";
export const REMOTE_WRITE_V2_CONTENT_TYPE = `application/x-protobuf;proto=${REMOTE_WRITE_V2_MESSAGE}`;

const ACCEPTED =
  `application/x-protobuf or application/x-protobuf;proto=${REMOTE_WRITE_V1_MESSAGE} (remote write 1.0), ` +
  `or ${REMOTE_WRITE_V2_CONTENT_TYPE} (remote write 2.0)`;

export function remoteWriteVersion(contentType: string | null | undefined): RemoteWriteVersion {
  if (contentType == null || contentType.trim() === "") return "1.0";
  const media = parseMediaType(contentType);
  if (media === null || media.essence !== "application/x-protobuf") {
    throw new MetricsError("UnsupportedMediaType", `remote write: Content-Type ${JSON.stringify(contentType)} is not accepted; send ${ACCEPTED}`);
  }
  const proto = media.params.proto;
  if (proto === undefined || proto === REMOTE_WRITE_V1_MESSAGE) return "1.0";
  if (proto === REMOTE_WRITE_V2_MESSAGE) return "2.0";
  throw new MetricsError(
    "UnsupportedMediaType",
    `remote write: protobuf message ${JSON.stringify(proto)} is not accepted; send ${ACCEPTED}`,
  );
}

export function checkRemoteWriteEncoding(contentEncoding: string | null | undefined): void {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "snappy") return;
  throw new MetricsError(
    "UnsupportedMediaType",
    `remote write: Content-Encoding ${JSON.stringify(contentEncoding)} is not accepted; remote write bodies must be snappy block-compressed (Content-Encoding: snappy)`,
  );
}
