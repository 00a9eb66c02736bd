/**
 * The Containerfile, linted with hadolint (installed by scripts/install-hadolint.sh, which .ci/run calls).
 * This kind of machine has no container engine, so the image build itself is not run here; the image's
 * command line is run against the release artifact in release.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, ROOT, tempDir } from "../harness";

afterAll(cleanup);

function hadolint(file: string) {
  const path = spawnSync("bash", [join(ROOT, "scripts/install-hadolint.sh"), "--print-path"], { encoding: "utf8" }).stdout.trim();
  expect(existsSync(path), `hadolint is not installed at ${path}: run scripts/install-hadolint.sh (.ci/run does)`).toBe(true);
  return spawnSync(path, ["--no-color", "--failure-threshold", "info", file], { encoding: "utf8", timeout: 60_000 });
}

describe("Containerfile", () => {
  it("hadolint reports nothing, not even at level info", () => {
    const r = hadolint(join(ROOT, "Containerfile"));
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("hadolint does report a careless variant (the check above can fail)", () => {
    const bad = join(tempDir("containerfile"), "Containerfile");
    const text = readFileSync(join(ROOT, "Containerfile"), "utf8")
      .replace("USER 1000:1000", "USER node")
      .replace("WORKDIR /src", "WORKDIR /src\nRUN apt-get update && apt-get install curl");
    writeFileSync(bad, text);
    const r = hadolint(bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/DL3066/); // non-numeric user
    expect(r.stdout).toMatch(/DL3008/); // unpinned apt package
    expect(r.stdout).toMatch(/DL3015/); // --no-install-recommends
  });

  it("builds on Debian, runs as uid 1000, keeps the state in a volume, and runs `serve --mode edge`", () => {
    const text = readFileSync(join(ROOT, "Containerfile"), "utf8");
    expect(text).toMatch(/^ARG NODE_IMAGE=docker\.io\/library\/node:\d+\.\d+\.\d+-bookworm-slim$/m);
    expect(text).toMatch(/^USER 1000:1000$/m);
    expect(text).toMatch(/^VOLUME \["\/var\/lib\/edge-metrics"\]$/m);
    expect(JSON.parse(/^ENTRYPOINT (.*)$/m.exec(text)![1]!).slice(0, 5)).toEqual(["node", "/opt/edge-metrics-adapter/bin/edge-metrics.mjs", "serve", "--mode", "edge"]);
  });
});
