// Shared test plumbing: the real app (createApp) over the real Durable Object binding of the Workers pool,
// with a clock the test controls.
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app";
import type { Env } from "../../src/env";

export const testEnv = env as unknown as Env;

/** A clock pinned near real time (alarms run on real time, so values must not look long expired). */
export function testClock(start = Math.floor(Date.now() / 1000) * 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

export function client(clock = testClock(), envOverrides: Partial<Env> = {}) {
  const app = createApp({ clock: clock.now });
  const env = { ...testEnv, ...envOverrides } as Env;
  const fetch = (path: string, init?: RequestInit) => app.fetch(new Request(`http://adapter.test${path}`, init), env);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(path, { headers });
  const del = (path: string) => fetch(path, { method: "DELETE" });
  const json = async (res: Response | Promise<Response>) => {
    const r = await res;
    return { status: r.status, type: r.headers.get("content-type"), body: (await r.json()) as any };
  };
  return { app, env, fetch, post, get, del, json, clock };
}

export const CM1 = "/apis/custom.metrics.k8s.io/v1beta1";
export const CM2 = "/apis/custom.metrics.k8s.io/v1beta2";
export const EM = "/apis/external.metrics.k8s.io/v1beta1";

export const kubeTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
