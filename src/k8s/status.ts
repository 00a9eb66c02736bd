/**
 * metav1.Status, the body of every error response (apimachinery pkg/apis/meta/v1/types.go Status; field
 * order as Go's encoding/json writes it), and the one mapping between a failure reason and its HTTP code.
 */
import type { MetricsErrorReason } from "../domain/errors";

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: MetricsErrorReason;
  code: number;
}

/**
 * apimachinery pkg/apis/meta/v1/types.go StatusReason constants and the codes pkg/api/errors gives them.
 * InsufficientStorage (507, RFC 4918 §11.5) has no metav1 constant; StatusReason is an open string and
 * clients fall back to the code for reasons they do not know (apimachinery pkg/api/errors ReasonForError).
 */
export const STATUS_CODES: Readonly<Record<MetricsErrorReason, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  InsufficientStorage: 507,
};

const REASONS_BY_CODE: ReadonlyMap<number, MetricsErrorReason> = new Map(
  (Object.entries(STATUS_CODES) as [MetricsErrorReason, number][]).map(([reason, code]) => [code, reason]),
);

/** The reason for an HTTP code; codes without one of their own are InternalError (5xx) or BadRequest (4xx). */
export function reasonForCode(code: number): MetricsErrorReason {
  return REASONS_BY_CODE.get(code) ?? (code >= 500 ? "InternalError" : "BadRequest");
}

export function failureStatus(reason: MetricsErrorReason, message: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code: STATUS_CODES[reason] };
}

/** custom-metrics-apiserver pkg/provider/errors.go NewMetricNotFoundError: a list query found nothing. */
export const metricNotFoundMessage = (resource: string, metric: string) =>
  `the server could not find the metric ${metric} for ${resource}`;

/** custom-metrics-apiserver pkg/provider/errors.go NewMetricNotFoundForError. */
export const metricNotFoundForMessage = (resource: string, metric: string, name: string) =>
  `the server could not find the metric ${metric} for ${resource} ${name}`;

/** custom-metrics-apiserver pkg/provider/errors.go NewMetricNotFoundForSelectorError. */
export const metricNotFoundForSelectorMessage = (resource: string, metric: string, name: string, selector: string) =>
  `the server could not find the metric ${metric} for ${resource} ${name} with selector ${selector}`;
