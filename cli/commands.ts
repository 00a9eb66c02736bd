/**
 * The table of CLI commands, loaded lazily so that `cli push` does not load the PKI code. `cli completion`
 * reads each command's options from here, so the completion scripts cannot drift from the parsers.
 */
import type { Options } from "./lib/args.js";
import { releaseBundle } from "./lib/build.js";

/** What a command module exports: `run`, and for `cli completion` its options, subcommands and option values. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
  options?: Options;
  subcommands?: readonly string[];
  /** Values an option takes from a fixed set (completed as words, not files). */
  values?: Record<string, readonly string[]>;
}

interface Command {
  summary: string;
  load: () => Promise<CommandModule>;
  /** Needs the source tree (wrangler, src/): not offered by the release artifact. */
  sourceOnly?: boolean;
}

export const commands: Record<string, Command> = {
  pki: { summary: "create the CA, the <svc>.<ns>.svc serving certificate (and a dev front-proxy CA)", load: () => import("./pki.js") },
  manifests: { summary: "render deploy/k8s with the real caBundle and the ExternalName host or EndpointSlice address", load: () => import("./manifests.js") },
  "workerd-config": { summary: "render the edge-node or bridge workerd config from the built bundle", load: () => import("./workerd-config.js") },
  serve: { summary: "render the workerd config and run workerd in the foreground (an edge node or a bridge)", load: () => import("./serve.js") },
  check: { summary: "probe an endpoint exactly as kube-apiserver does (SNI, caBundle, client cert, discovery)", load: () => import("./check.js") },
  token: { summary: "create, list and revoke scoped write tokens in a tokens file (WRITE_TOKENS)", load: () => import("./token.js") },
  push: { summary: "write a metric value to the public write API", load: () => import("./push.js") },
  deploy: { summary: "Cloudflare: check that the secrets exist, then wrangler deploy --env production", load: () => import("./deploy.js"), sourceOnly: true },
  completion: { summary: "print a bash or zsh completion script", load: () => import("./completion.js") },
};

/** The commands this layout offers (the release artifact has no wrangler and no sources). */
export function available(): [string, Command][] {
  const release = releaseBundle() !== null;
  return Object.entries(commands).filter(([, c]) => !(release && c.sourceOnly));
}
