/**
 * Scoped bearer tokens. A public write endpoint that drives autoscaling is a lever on someone's cloud bill,
 * so every token names exactly what it may touch: namespaces (exact names or globs), metric-name globs, and
 * operations (write, delete, read). Configuration holds only SHA-256 hashes (`WRITE_TOKENS`, a JSON array):
 * a leaked config does not leak a credential, and several entries at once make rotation a matter of adding
 * the new token, moving writers over, then removing the old one.
 *
 * The pseudo-namespace `@cluster` stands for cluster-scoped objects (nodes, CRDs without a namespace); a
 * namespace's own metrics (`/namespaces/{ns}/metrics/{m}`) belong to that namespace.
 *
 * Pure: hashing uses WebCrypto, available in Workers, workerd and Node alike.
 */
export type Operation = "write" | "delete" | "read";
export const OPERATIONS: readonly Operation[] = ["write", "delete", "read"];
export const CLUSTER_SCOPE = "@cluster";
/** Tokens look like `ema_` + 43 base64url characters (32 random bytes). */
export const TOKEN_PREFIX = "ema_";

export interface TokenSpec {
  readonly name: string;
  readonly sha256: string;
  readonly namespaces: readonly string[];
  readonly metrics: readonly string[];
  readonly operations: readonly Operation[];
}

/** Parses `WRITE_TOKENS`; throws an Error naming the bad entry (a deployment mistake, reported loudly). */
export function parseTokenSpecs(json: string | undefined): TokenSpec[] {
  if (json === undefined || json.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`WRITE_TOKENS is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error("WRITE_TOKENS must be a JSON array of token specs");
  return parsed.map((raw: unknown, i) => {
    const t = raw as Record<string, unknown>;
    const where = `WRITE_TOKENS[${i}]`;
    const strings = (field: string, fallback?: string[]): string[] => {
      const v = t?.[field] ?? fallback;
      if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== "string" || s === "")) {
        throw new Error(`${where}.${field} must be a non-empty array of strings`);
      }
      return v as string[];
    };
    if (typeof t?.name !== "string" || t.name === "") throw new Error(`${where}.name must be a non-empty string`);
    if (typeof t.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(t.sha256)) throw new Error(`${where}.sha256 must be 64 lowercase hex digits`);
    const operations = strings("operations", ["write"]);
    for (const op of operations) if (!OPERATIONS.includes(op as Operation)) throw new Error(`${where}.operations: unknown operation "${op}"`);
    return {
      name: t.name,
      sha256: t.sha256,
      namespaces: strings("namespaces"),
      metrics: strings("metrics", ["*"]),
      operations: operations as Operation[],
    };
  });
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const encoder = new TextEncoder();

/**
 * Constant-time string comparison: the runtime's native crypto.subtle.timingSafeEqual (workerd's extension)
 * where it exists, otherwise a loop over every byte. A length difference is not secret here (hashes, or a
 * token compared with the one READ_TOKEN), but the comparison still runs over the presented bytes.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const native = (crypto.subtle as { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean }).timingSafeEqual;
  if (native) return x.length === y.length ? native.call(crypto.subtle, x, y) : !native.call(crypto.subtle, x, x);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Tokens recently verified, per token list: a valid token is hashed once, not on every request. */
const verified = new WeakMap<readonly TokenSpec[], Map<string, TokenSpec>>();
const MAX_VERIFIED = 1024;

/**
 * Finds the spec whose hash matches, comparing against every entry so timing does not reveal which. Tokens that
 * matched are remembered (bounded) for this token list, so a steady writer costs a map lookup; anything else is
 * hashed and compared in full every time.
 */
export async function findToken(specs: readonly TokenSpec[], presented: string): Promise<TokenSpec | null> {
  let known = verified.get(specs);
  const hit = known?.get(presented);
  if (hit) return hit;
  const spec = await findTokenByHash(specs, presented);
  if (spec !== null) {
    if (!known) verified.set(specs, (known = new Map()));
    if (known.size >= MAX_VERIFIED) known.clear();
    known.set(presented, spec);
  }
  return spec;
}

async function findTokenByHash(specs: readonly TokenSpec[], presented: string): Promise<TokenSpec | null> {
  const hash = await sha256Hex(presented);
  let found: TokenSpec | null = null;
  for (const spec of specs) if (timingSafeEqual(spec.sha256, hash) && found === null) found = spec;
  return found;
}

/** `*` matches any run of characters (including none); everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*")) return pattern === value;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

export interface ScopeRequest {
  readonly operation: Operation;
  /** "" for cluster-scoped objects (matched as `@cluster`); null for requests that span namespaces (discovery). */
  readonly namespace: string | null;
  /** null when the request is not about one metric (namespace-wide deletes, discovery). */
  readonly metric: string | null;
}

/**
 * Why `spec` does not allow `request`, or null if it does. A request spanning namespaces needs a `*`
 * namespace scope; one spanning metrics needs a `*` metric scope.
 */
export function scopeProblem(spec: TokenSpec, request: ScopeRequest): string | null {
  if (!spec.operations.includes(request.operation)) {
    return `token "${spec.name}" does not allow the ${request.operation} operation (it allows: ${spec.operations.join(", ")})`;
  }
  const ns = request.namespace === null ? null : request.namespace === "" ? CLUSTER_SCOPE : request.namespace;
  const nsAllowed = ns === null ? spec.namespaces.includes("*") : spec.namespaces.some((p) => globMatch(p, ns));
  if (!nsAllowed) {
    return ns === null
      ? `token "${spec.name}" is limited to namespaces ${spec.namespaces.join(", ")}; this request spans all namespaces`
      : `token "${spec.name}" does not cover namespace "${ns}" (it covers: ${spec.namespaces.join(", ")})`;
  }
  const metricAllowed = request.metric === null ? spec.metrics.includes("*") : spec.metrics.some((p) => globMatch(p, request.metric!));
  if (!metricAllowed) {
    return request.metric === null
      ? `token "${spec.name}" is limited to metrics ${spec.metrics.join(", ")}; this request spans all metrics`
      : `token "${spec.name}" does not cover metric "${request.metric}" (it covers: ${spec.metrics.join(", ")})`;
  }
  return null;
}
