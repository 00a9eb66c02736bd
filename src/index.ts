/**
 * Worker entry, the same bundle for Cloudflare, `wrangler dev` and self-hosted workerd. The bridge
 * (DEPLOYMENT=bridge) is stateless and forwards reads; every other deployment serves the app over the
 * Durable Object store.
 */
import { createApp } from "./app";
import { handleBridgeRequest } from "./bridge/bridge";
import type { Env } from "./env";

export { MetricsStore } from "./store/metrics-object";

const app = createApp();

export default {
  fetch(request, env, ctx) {
    if (env.DEPLOYMENT === "bridge") return handleBridgeRequest(request, env, ctx);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
