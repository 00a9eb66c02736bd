/**
 * Remote write entry point: headers → version, snappy block → bytes (bounded before decompressing), bytes →
 * DecodedRequest. Pure: the HTTP layer passes the raw body and the two headers, and answers with the
 * version's response headers (2.0 requires X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written).
 */
import type { DecodedRequest } from "../decoded";
import { decompressSnappy } from "../snappy";
import { checkRemoteWriteEncoding, remoteWriteVersion, type RemoteWriteVersion } from "./negotiation";
import { decodeRequestV2 } from "./request-v2";
import { decodeWriteRequestV1 } from "./write-request-v1";

export { REMOTE_WRITE_V2_CONTENT_TYPE, checkRemoteWriteEncoding, remoteWriteVersion, type RemoteWriteVersion } from "./negotiation";
export { decodeRequestV2 } from "./request-v2";
export { decodeWriteRequestV1 } from "./write-request-v1";

/** What Prometheus' own receiver accepts after decompression (client_golang exp/api/remote `maxDecodedSize`). */
export const REMOTE_WRITE_MAX_DECODED_BYTES = 32 * 1024 * 1024;

export interface RemoteWriteInput {
  readonly body: Uint8Array;
  readonly contentType: string | null | undefined;
  readonly contentEncoding: string | null | undefined;
  /** Limit on the decompressed size; defaults to REMOTE_WRITE_MAX_DECODED_BYTES. */
  readonly maxDecodedBytes?: number;
}

export function decodeRemoteWrite(input: RemoteWriteInput): { version: RemoteWriteVersion; request: DecodedRequest } {
  const version = remoteWriteVersion(input.contentType);
  checkRemoteWriteEncoding(input.contentEncoding);
  const bytes = decompressSnappy(input.body, input.maxDecodedBytes ?? REMOTE_WRITE_MAX_DECODED_BYTES);
  return { version, request: version === "2.0" ? decodeRequestV2(bytes) : decodeWriteRequestV1(bytes) };
}
