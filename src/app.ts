/**
 * The root Hono app: per-request context (config, store, clock), the access policy, the sub-apps, and the
 * one error handler. What differs between Cloudflare, wrangler dev and self-hosted workerd is injected here
 * (the store factory and the clock) or read from configuration; nothing below branches on the runtime.
 * Which APIs are mounted comes from the one table in k8s/apis.ts.
 */
import { Hono } from "hono";
import { readConfig, type Config } from "./config";
import { systemClock, type Clock } from "./domain/clock";
import type { Env } from "./env";
import { admission, authenticate } from "./http/auth";
import type { AppEnv } from "./http/app-env";
import { notFoundHandler, onError, statusResponse } from "./http/errors";
import { customMetricsApp, externalMetricsApp } from "./http/read";
import { otlpApp } from "./http/otlp";
import { pushgatewayApp } from "./http/pushgateway";
import { remoteWriteApp } from "./http/remote-write";
import { requestLog } from "./http/request-log";
import { requestCounter, selfMetricsApp } from "./http/self-metrics";
import { externalWriteApp, objectWriteApp } from "./http/write";
import { HEALTH_PATHS, SERVED_APIS, servedGroups } from "./k8s/apis";
import { encodeAPIGroup, type CustomMetricsVersion } from "./k8s/custom-metrics";
import { DurableObjectRepository } from "./store/durable-object-repository";
import type { MetricRepository } from "./store/repository";

export interface AppDeps {
  store?: (env: Env, config: Config) => MetricRepository;
  clock?: Clock;
}

export function createApp(deps: AppDeps = {}) {
  const storeFor = deps.store ?? ((env: Env, config: Config) => new DurableObjectRepository(env.METRICS, config.limits));
  const clock = deps.clock ?? systemClock;
  const app = new Hono<AppEnv>();

  app.onError(onError);
  app.use(requestLog());
  app.use(async (c, next) => {
    const config = readConfig(c.env);
    c.set("config", config);
    c.set("store", storeFor(c.env, config));
    c.set("now", clock());
    await next();
  });
  app.use(requestCounter());
  app.use(authenticate());
  app.use(admission());

  for (const path of HEALTH_PATHS) app.get(path, (c) => c.text("ok"));
  // The aggregator serves /apis itself; a 404 here (never a 503) makes it fall back to legacy discovery
  // (kube-aggregator handler_discovery.go fetchFreshDiscoveryForService).
  app.get("/apis", () => statusResponse("NotFound", "the server could not find the requested resource"));
  for (const { group } of servedGroups()) {
    // Only the custom metrics group document was ever served here; the aggregator answers group documents itself.
    if (group === "custom.metrics.k8s.io") app.get(`/apis/${group}`, (c) => c.json(encodeAPIGroup(group)));
  }
  for (const api of SERVED_APIS) {
    app.route(api.path, api.kind === "custom" ? customMetricsApp(api.version as CustomMetricsVersion) : externalMetricsApp());
  }
  app.route("/metrics", selfMetricsApp());
  app.route("/write-metrics", objectWriteApp());
  app.route("/write-external-metrics", externalWriteApp());
  app.route("/", remoteWriteApp());
  app.route("/", otlpApp());
  app.route("/", pushgatewayApp());
  app.notFound(notFoundHandler(app.routes));
  return app;
}
