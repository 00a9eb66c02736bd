/**
 * The grouping key of a Pushgateway push or delete, read from the request path after `/metrics/` the way
 * prometheus/pushgateway v1.11.1 reads it with its default flags: Go's HTTP server percent-decodes the
 * whole path first (net/url, path mode: `%XX` becomes the byte, `+` stays `+`), the router
 * (prometheus/common route over julienschmidt/httprouter, routes in main.go) takes `job/:job/*labels` or
 * `job@base64/:job/*labels`, and handler/push.go decodes the job (decodeBase64) and the label pairs
 * (splitLabels). Error messages are the handler's, which answers them with 400.
 *
 * Consequences clients live with, kept as they are:
 * - `%2F` is a separator like `/` (decoded before routing), so a value containing `/` needs `@base64`;
 *   prom-client, which percent-encodes, gets a different key or an error for such values.
 * - `+` is not a space: client_golang's push (url.QueryEscape) and prometheus_client before it switched
 *   to base64 for values with spaces (quote_plus) send a space as `+`, and the Pushgateway keeps `+`.
 * - A label given twice keeps the last value, and a `job` label in the path is overridden by the job.
 * - `@base64` values are URL-safe base64, padding optional, `\r`/`\n` ignored; `=` alone is the empty value.
 * - `job/` with nothing after it is not a push route (the router redirects it to `/metrics/job`, a 404).
 *   Nor is a case variant such as `JOB/a`, which the router redirects to `job/a`; redirects are not
 *   reproduced here.
 *
 * Label names are checked against the legacy charset; the Pushgateway's --push.enable-utf8-names mode
 * (U__ escaped names) is not supported. Values that decode to bytes that are not UTF-8 are refused here;
 * the Pushgateway takes them into the key and refuses the push later, in its consistency check.
 *
 * The caller passes the path as received (still percent-encoded), without the query.
 */
import { MetricsError } from "../domain/errors";
import { decodeByteString, goDecodeRawURLBase64, goQuote, goUnescapePath, isValidUtf8, utf8ByteString } from "./go-bytes";

export interface GroupingKey {
  readonly job: string;
  /** The whole grouping key, `job` included, as the Pushgateway keeps it. */
  readonly labels: Readonly<Record<string, string>>;
}

const BASE64_SUFFIX = "@base64";
/** model.LabelNameRE under the legacy validation scheme the Pushgateway selects by default. */
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_LABEL_PREFIX = "__";

/** Parses the path after `/metrics/`, e.g. `job/backup/instance/db1`, into the grouping key. */
export function parseGroupingKeyPath(pathAfterMetrics: string): GroupingKey {
  const unescaped = goUnescapePath(utf8ByteString(pathAfterMetrics));
  if ("error" in unescaped) throw badRequest(unescaped.error);
  const path = unescaped.path;

  let jobBase64Encoded: boolean;
  let rest: string;
  if (path.startsWith("job" + BASE64_SUFFIX + "/")) {
    jobBase64Encoded = true;
    rest = path.slice(("job" + BASE64_SUFFIX + "/").length);
  } else if (path.startsWith("job/")) {
    jobBase64Encoded = false;
    rest = path.slice("job/".length);
  } else {
    rest = "";
    jobBase64Encoded = false;
  }
  if (rest === "") {
    throw new MetricsError(
      "NotFound",
      `no push route for /metrics/${pathAfterMetrics}: the path must be /metrics/job/<job>{/<label>/<value>}, or job@base64/<base64 job>`,
    );
  }
  const slash = rest.indexOf("/");
  let job = slash < 0 ? rest : rest.slice(0, slash);
  const labelsString = slash < 0 ? "" : rest.slice(slash);

  if (jobBase64Encoded) {
    const decoded = decodeBase64(job);
    if (decoded.error !== null) {
      throw badRequest(`invalid base64 encoding in job name ${goQuote(decoded.value)}: ${decoded.error}`);
    }
    job = decoded.value;
  }
  const labels = splitLabels(labelsString);
  if (job === "") throw badRequest("job name is required");
  labels.set("job", job);

  const out: [string, string][] = [];
  for (const [name, value] of labels) {
    if (!isValidUtf8(value)) {
      throw badRequest(
        `${name === "job" ? "job name" : `value of label ${name}`} ${goQuote(value)} is not valid UTF-8; ` +
          `percent-encode or base64-encode the UTF-8 bytes of the text`,
      );
    }
    out.push([name, decodeByteString(value)]);
  }
  return { job: decodeByteString(job), labels: Object.fromEntries(out) };
}

function badRequest(message: string): MetricsError {
  return new MetricsError("BadRequest", message);
}

/** handler/push.go decodeBase64: trailing '=' dropped, then RawURLEncoding (the partial value on error). */
function decodeBase64(s: string): { value: string; error: string | null } {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  const { bytes, errorAt } = goDecodeRawURLBase64(s.slice(0, end));
  return { value: bytes, error: errorAt === null ? null : `illegal base64 data at input byte ${errorAt}` };
}

/** handler/push.go splitLabels over the `/name/value...` rest of the path (byte strings in, byte strings out). */
function splitLabels(labels: string): Map<string, string> {
  const result = new Map<string, string>();
  if (labels.length <= 1) return result;
  const components = labels.slice(1).split("/");
  if (components.length % 2 !== 0) {
    throw badRequest(`odd number of components in label string ${goQuote(labels)}`);
  }
  for (let i = 0; i < components.length - 1; i += 2) {
    const name = components[i];
    const value = components[i + 1];
    const trimmedName = name.endsWith(BASE64_SUFFIX) ? name.slice(0, -BASE64_SUFFIX.length) : name;
    if (!LEGACY_LABEL_NAME.test(trimmedName) || trimmedName.startsWith(RESERVED_LABEL_PREFIX)) {
      throw badRequest(`improper label name ${goQuote(trimmedName)}`);
    }
    if (name === trimmedName) {
      result.set(name, value);
      continue;
    }
    const decoded = decodeBase64(value);
    if (decoded.error !== null) {
      throw badRequest(`invalid base64 encoding for label ${trimmedName}=${goQuote(value)}: ${decoded.error}`);
    }
    result.set(trimmedName, decoded.value);
  }
  return result;
}
