/** The shapes the attack suite's pieces share: what an attack gets, and what it gives back. */
import type { RateLimitSpec } from "../../src/auth/rate-limit";
import type { WorkerdNode } from "../../test/harness";
import type { DiskUsage } from "./measure";
import type { Tally } from "./traffic";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface AttackContext {
  node: WorkerdNode;
  /** Base URL of the public socket. */
  base: string;
  /** Bearer tokens by role. */
  tokens: Record<"writer" | "reader" | "tenantReader" | "flood" | "tenantA" | "clusterWriter" | "batcher", string>;
  readToken: string;
  aggregatorPort: number;
  clientTls: { ca: string; cert: string; key: string };
  readRateLimit: RateLimitSpec;
  maxMetricsPerNamespace: number;
  scopeClaimHoldSeconds: number;
  disk(): DiskUsage;
  /** Marks an interval during which workerd is down on purpose (HPA reads then are counted apart). */
  downtime(from: number, to: number): void;
}

export interface AttackOutcome {
  tally: Tally;
  checks: Check[];
  figures: Record<string, number | string>;
  /** The attack restarts workerd itself: its death is not a crash. */
  restarts?: boolean;
}
