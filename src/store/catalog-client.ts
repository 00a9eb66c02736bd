/**
 * How the repository and the partitions reach the catalog, so that a catalog whose storage cannot be opened
 * (a corrupt or zeroed SQLite file: workerd then fails every call to the object, even one that touches no
 * storage) is replaced instead of failing discovery and writes forever.
 *
 * The catalog lives at `catalog`, or after a replacement at `catalog.1`, `catalog.2`, … A call that fails with
 * anything but a MetricsError is followed by a `ping` (no storage); if the ping fails too, the object cannot
 * start, and every caller moves to the next slot. Everyone applies the same rule, so isolates and partitions
 * converge on the first slot that works; the new catalog starts empty with a new epoch and the partitions
 * fill it again (catalog-tables.ts). The slot a caller uses is kept per isolate.
 */
import type { MetricsStore } from "./metrics-object";

export const CATALOG_PARTITION = "catalog";
const MAX_SLOTS = 16;

export type MetricsNamespace = Pick<DurableObjectNamespace<MetricsStore>, "idFromName" | "get">;
type Stub = DurableObjectStub<MetricsStore>;

let slot = 0;

export function catalogName(s: number): string {
  return s === 0 ? CATALOG_PARTITION : `${CATALOG_PARTITION}.${s}`;
}

/** Whether this isolate has moved past the first catalog (so the catalog it uses is a rebuilt one). */
export function usingReplacementCatalog(): boolean {
  return slot > 0;
}

/** Whether an object name is a catalog (any slot). */
export function isCatalogName(name: string): boolean {
  return name === CATALOG_PARTITION || name.startsWith(`${CATALOG_PARTITION}.`);
}

export class CatalogClient {
  constructor(private readonly ns: MetricsNamespace) {}

  #stub(s: number): Stub {
    return this.ns.get(this.ns.idFromName(catalogName(s))) as Stub;
  }

  /** Runs `call` against the current catalog, moving to the next slot once if the current one cannot start. */
  async call<T>(call: (catalog: Stub) => Promise<T>): Promise<T> {
    const current = slot;
    try {
      return await call(this.#stub(current));
    } catch (e) {
      if (isDomainError(e) || current + 1 >= MAX_SLOTS) throw e;
      const alive = await this.#stub(current).ping().then(() => true, () => false);
      if (alive) throw e;
      if (slot === current) {
        slot = current + 1;
        console.error(`edge-metrics-adapter: catalog "${catalogName(current)}" cannot be opened (${(e as Error).message}); rebuilding it as "${catalogName(slot)}" from the partitions`);
      }
      return call(this.#stub(slot));
    }
  }
}

/** Errors our own code threw on purpose cross RPC with their name; those are answers, not a broken object. */
function isDomainError(e: unknown): boolean {
  return e instanceof Error && e.name === "MetricsError";
}
