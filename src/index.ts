import { DurableObject } from "cloudflare:workers";
export class MetricsStore extends DurableObject {
  async ping() { return "pong"; }
}
export default { fetch: () => new Response("ok") } satisfies ExportedHandler;
