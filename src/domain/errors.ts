/**
 * The one typed failure of the adapter. Reasons are a closed set that maps 1:1 onto a Kubernetes
 * `metav1.Status` reason and HTTP code (k8s/status.ts is the only place that mapping lives). A failure
 * carries domain facts only — when a retry can succeed, never HTTP headers; the HTTP layer renders them.
 * Expected misses such as "no value for this object" are not errors inside the store (it returns null or
 * []); the read handlers turn them into NotFound with custom-metrics-apiserver's wording.
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
  | "InsufficientStorage"
  | "ServiceUnavailable";

export class MetricsError extends Error {
  readonly reason: MetricsErrorReason;
  /** Seconds after which the same request can succeed (rate limits, capacity); rendered as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(reason: MetricsErrorReason, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "MetricsError";
    this.reason = reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (message: string) => new MetricsError("BadRequest", message);
export const notFound = (message: string) => new MetricsError("NotFound", message);
export const conflict = (message: string) => new MetricsError("Conflict", message);
export const forbidden = (message: string) => new MetricsError("Forbidden", message);
export const unauthorized = (message: string) => new MetricsError("Unauthorized", message);
