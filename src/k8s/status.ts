/**
 * metav1.Status, the body of every error response (apimachinery pkg/apis/meta/v1/types.go Status;
 * field order as Go's encoding/json writes it). The only place a MetricsError becomes wire JSON.
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
};

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
