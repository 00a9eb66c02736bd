/**
 * Worker entry, the same bundle for Cloudflare, `wrangler dev` and self-hosted workerd. The bridge
 * (DEPLOYMENT=bridge) is stateless and forwards reads; every other deployment serves the app over the
 * Durable Object store.
 */
import { createApp } from "./app";
import { createBridgeApp } from "./bridge/bridge";
import type { Env } from "./env";

export { MetricsStore } from "./store/metrics-object";

const app = createApp();
const bridge = createBridgeApp();

export default {
  fetch(request, env, ctx) {
    return (env.DEPLOYMENT === "bridge" ? bridge : app).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
