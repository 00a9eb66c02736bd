/** Hono typing shared by the sub-apps: bindings, and what middleware puts on the context. */
import type { Env } from "../env";
import type { Config } from "../config";
import type { Principal } from "../auth/principal";
import type { MetricRepository } from "../store/repository";

export type Socket = "aggregator" | "public";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    store: MetricRepository;
    /** The request's instant, from the injected clock: one value for a whole request. */
    now: number;
    socket: Socket;
    principal: Principal;
  };
}
