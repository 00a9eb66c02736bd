/**
 * Who is asking (the principal a request authenticated as) and whether they may do what they ask: the
 * access policy, as a pure function of the principal, the configuration and the scope requested. The HTTP
 * middleware authenticates; handlers ask `authorizationProblem` after the path is parsed, because a scope is
 * about a namespace and a metric.
 */
import { scopeProblem, type Operation, type ScopeRequest, type TokenSpec } from "./tokens";

export type Principal =
  | { kind: "aggregator" }
  | { kind: "open" }
  | { kind: "reader"; via: "read-token" | "mtls" }
  | { kind: "token"; spec: TokenSpec }
  | { kind: "anonymous" };

/** What the policy needs to know about the deployment. */
export interface AccessSettings {
  readonly readToken: string | null;
  readonly tokens: readonly TokenSpec[];
  readonly readMtlsIssuerSki: string | null;
}

export interface AccessProblem {
  readonly reason: "Unauthorized" | "Forbidden";
  readonly message: string;
}

/** Why `principal` may not perform `request`, or null if it may. */
export function authorizationProblem(principal: Principal, settings: AccessSettings, request: ScopeRequest): AccessProblem | null {
  switch (principal.kind) {
    case "open":
      return null;
    case "aggregator":
      return request.operation === "read" ? null : { reason: "Forbidden", message: "the aggregator socket is read-only" };
    case "reader":
      return request.operation === "read" ? null : { reason: "Forbidden", message: "this credential may only read metrics" };
    case "token": {
      const problem = scopeProblem(principal.spec, request);
      return problem ? { reason: "Forbidden", message: problem } : null;
    }
    case "anonymous":
      if (request.operation === "read" && settings.readToken === null && settings.tokens.length === 0 && settings.readMtlsIssuerSki === null) {
        return { reason: "Forbidden", message: "metric reads are not enabled on this endpoint: configure READ_TOKEN, WRITE_TOKENS with the read operation, or mTLS" };
      }
      if (request.operation !== "read" && settings.tokens.length === 0) {
        return { reason: "Forbidden", message: "writes are disabled: no WRITE_TOKENS are configured for this deployment (see `npm run cli -- token create`)" };
      }
      return { reason: "Unauthorized", message: `a bearer token is required to ${request.operation} metrics` };
  }
}

/**
 * Why `principal` could not perform `operation` on anything at all, or null if it might on something. Lets a
 * handler refuse before reading a body whose content decides the exact scope (batches, pushes).
 */
export function operationProblem(principal: Principal, settings: AccessSettings, operation: Operation): AccessProblem | null {
  if (principal.kind === "token") {
    return principal.spec.operations.includes(operation)
      ? null
      : { reason: "Forbidden", message: `token "${principal.spec.name}" does not allow the ${operation} operation (it allows: ${principal.spec.operations.join(", ")})` };
  }
  return authorizationProblem(principal, settings, { operation, namespace: null, metric: null });
}

/**
 * The name admission limits count a request under, or null for principals that are not limited: the
 * aggregator and the operator's read credentials (READ_TOKEN, mTLS) carry the HPA's own reads, and open dev
 * mode has no credentials to tell apart. Tokens count by name, requests without one by client address.
 */
export function admissionKey(principal: Principal, clientAddress: string): string | null {
  switch (principal.kind) {
    case "token":
      return `token:${principal.spec.name}`;
    case "anonymous":
      return `ip:${clientAddress}`;
    default:
      return null;
  }
}
