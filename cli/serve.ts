import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { CliError, parse } from "./lib/args.js";
import { bin, buildBundle, bundleIsStale } from "./lib/build.js";
import { writeWorkerdDir } from "./lib/workerd.js";
import { help as configHelp, optionSpec, optionsFrom, type OptionValues } from "./workerd-config.js";

export const help = `
Usage: cli serve --mode edge|bridge [workerd-config options] [--rebuild] [--verbose]

Builds the bundle (wrangler deploy --dry-run --outdir dist) when it is missing or older than src/,
renders the workerd config like \`cli workerd-config\`, and runs \`workerd serve\` in the foreground
(Ctrl-C stops it). Production: run it under systemd or a container, with --listen 0.0.0.0.

  --rebuild    build the bundle even if it looks current
  --verbose    pass --verbose to workerd (logs requests' exceptions)
${configHelp.split("\n").slice(2).join("\n")}`;

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, { ...optionSpec, rebuild: { type: "boolean" }, verbose: { type: "boolean" } }, help);
  if (!a) return 0;
  const v = a.values as Record<string, string | string[] | boolean | undefined>;
  const o = optionsFrom(v as OptionValues);
  const distDir = dirname(o.bundle);
  if (v.rebuild || bundleIsStale(distDir)) {
    if (resolve(o.bundle) !== resolve(distDir, "index.js")) throw new CliError("--bundle must be <dir>/index.js for serve to build it");
    process.stderr.write(`building ${o.bundle} ...\n`);
    buildBundle(distDir);
  }
  let config: string;
  try {
    config = writeWorkerdDir(o);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  process.stderr.write(
    `workerd ${o.mode}: aggregator https://${o.listen}:${o.aggregatorPort}` +
      (o.mode === "edge" && o.publicPort ? `, public ${o.publicCert ? "https" : "http"}://${o.listen}:${o.publicPort}` : "") +
      (o.mode === "bridge" ? `, upstream ${o.upstream}` : `, state ${o.stateDir}`) +
      `\n`,
  );
  const child = spawn(bin("workerd"), ["serve", config, ...(v.verbose ? ["--verbose"] : [])], { stdio: "inherit" });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  return await new Promise<number>((res) => child.on("exit", (code, signal) => res(code ?? (signal ? 0 : 1))));
}
