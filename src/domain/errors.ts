/**
 * The one typed failure of the domain. Codes are a closed set that maps 1:1 onto a Kubernetes
 * `metav1.Status` reason (k8s/status.ts does the mapping, and nothing else does). Expected misses such as
 * "no value for this object" are not errors inside the store (it returns null or []); the HTTP layer turns
 * them into NotFound with the custom-metrics-apiserver wording.
 */
export type MetricsErrorReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "Conflict"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "Invalid"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable";

export class MetricsError extends Error {
  readonly reason: MetricsErrorReason;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(reason: MetricsErrorReason, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "MetricsError";
    this.reason = reason;
    this.headers = headers;
  }
}

export const badRequest = (message: string) => new MetricsError("BadRequest", message);
export const notFound = (message: string) => new MetricsError("NotFound", message);
export const conflict = (message: string) => new MetricsError("Conflict", message);
