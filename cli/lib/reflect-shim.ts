/**
 * @peculiar/x509 uses tsyringe, which insists on a Reflect metadata polyfill (`reflect-metadata`) being loaded
 * first. The three functions tsyringe calls are enough, so this module provides them instead of adding a
 * dependency. Import it before anything that imports @peculiar/x509 (cli/lib/pki.ts does).
 */
type Key = unknown;
const store = new WeakMap<object, Map<Key, Map<string | symbol | undefined, unknown>>>();

function table(target: object, property: string | symbol | undefined, create: boolean) {
  let byKey = store.get(target);
  if (!byKey) {
    if (!create) return undefined;
    byKey = new Map();
    store.set(target, byKey);
  }
  let byProp = byKey.get(property);
  if (!byProp) {
    if (!create) return undefined;
    byProp = new Map();
    byKey.set(property, byProp);
  }
  return byProp as Map<Key, unknown>;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  R.defineMetadata = (key: Key, value: unknown, target: object, property?: string | symbol) => {
    table(target, property, true)!.set(key, value);
  };
  R.getOwnMetadata = (key: Key, target: object, property?: string | symbol) => table(target, property, false)?.get(key);
  R.getMetadata = (key: Key, target: object, property?: string | symbol): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const m = table(t, property, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}
export {};
