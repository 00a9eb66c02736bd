/**
 * Worker entry, the same bundle for Cloudflare, `wrangler dev` and self-hosted workerd. The bridge
 * (DEPLOYMENT=bridge) is stateless and forwards reads; every other deployment serves the app over the
 * Durable Object store.
 *
 * Before either app sees a request, its framing is checked where the runtime leaves that to us: workerd's
 * HTTP front end (1.20261014.1 and later) builds `request.url` from the raw Host header, so a duplicate Host
 * (`a, b`), a Host with a path or spaces in it, or an asterisk-form target (`OPTIONS *`) arrive as a URL that
 * does not parse, or as one whose path the Host header chose. Those are a client's mistake: 400, never 5xx.
 */
import { createApp } from "./app";
import { createBridgeApp } from "./bridge/bridge";
import type { Env } from "./env";
import { statusResponse } from "./http/errors";

export { MetricsStore } from "./store/metrics-object";

const app = createApp();
const bridge = createBridgeApp();

/** host[:port] as RFC 9110 §7.2 allows it (reg-name, IPv4 or a bracketed IPv6 literal). */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::\d{1,5})?$/;

function framingProblem(request: Request): string | null {
  const host = request.headers.get("host");
  if (host !== null && !HOST_HEADER.test(host)) return "the Host header must be a single host[:port]";
  try {
    new URL(request.url);
  } catch {
    return "the request target is not a valid origin-form URL path";
  }
  return null;
}

export default {
  fetch(request, env, ctx) {
    const problem = framingProblem(request);
    if (problem) return statusResponse("BadRequest", problem);
    return (env.DEPLOYMENT === "bridge" ? bridge : app).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
