/**
 * deploy/systemd units: `systemd-analyze verify` accepts them (every directive known and well-formed, the
 * executable present), and `systemd-analyze security --offline` rates their sandbox. What these cannot show —
 * that the sandbox lets the service run — needs a systemd as PID 1, which this kind of machine does not have;
 * the command line of each unit is run for real against the release artifact in release.test.ts.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, ROOT, tempDir } from "../harness";

afterAll(cleanup);

const UNITS = ["edge-metrics.service", "edge-metrics-bridge.service"];

function analyze(args: string[]) {
  const r = spawnSync("systemd-analyze", args, { encoding: "utf8", timeout: 60_000 });
  expect(r.error, "systemd-analyze must be installed (.ci/run installs Debian's systemd package)").toBeUndefined();
  return r;
}

describe("deploy/systemd", () => {
  for (const unit of UNITS) {
    it(`${unit}: systemd-analyze verify reports nothing`, () => {
      const r = analyze(["verify", "--man=no", join(ROOT, "deploy/systemd", unit)]);
      expect(r.stderr + r.stdout).toBe("");
      expect(r.status).toBe(0);
    });

    it(`${unit}: overall exposure at most 2.0 ("OK") in systemd-analyze security`, () => {
      const r = analyze(["security", "--offline=true", "--no-pager", join(ROOT, "deploy/systemd", unit)]);
      expect(r.status, r.stderr).toBe(0);
      const m = /Overall exposure level for \S+: (\d+\.\d) (\w+)/.exec(r.stdout);
      expect(m, r.stdout.slice(-500)).not.toBeNull();
      expect(Number(m![1])).toBeLessThanOrEqual(2.0);
      // The directives the unit relies on are recognised as in force.
      for (const d of ["NoNewPrivileges=", "ProtectSystem=", "User=/DynamicUser=", "RestrictAddressFamilies=~AF_PACKET", "SystemCallFilter=~@privileged"]) {
        expect(r.stdout).toMatch(new RegExp(`^✓ ${d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m"));
      }
    });
  }

  it("verify does fail on a broken unit (the check above can fail)", () => {
    const dir = tempDir("units");
    const broken = join(dir, "edge-metrics.service");
    copyFileSync(join(ROOT, "deploy/systemd/edge-metrics.service"), broken);
    writeFileSync(broken, readFileSync(broken, "utf8").replace("ProtectSystem=strict", "ProtectSystm=strict").replace("Restart=on-failure", "Restart=sometimes"));
    const r = analyze(["verify", "--man=no", broken]);
    // verify exits 0 on these (it only warns): the tests above therefore require its output to be empty.
    expect(r.stderr).toMatch(/Unknown key 'ProtectSystm' in section \[Service\]/);
    expect(r.stderr).toMatch(/Failed to parse service restart specifier, ignoring: sometimes/);
  });

  it("the units are hardened the way their headers say: restart on failure, a dynamic user, state and runtime directories", () => {
    for (const unit of UNITS) {
      const text = readFileSync(join(ROOT, "deploy/systemd", unit), "utf8");
      for (const line of ["Restart=on-failure", "DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "ExecStart=/usr/bin/node /opt/edge-metrics-adapter/bin/edge-metrics.mjs serve"]) {
        expect(text, `${unit}: ${line}`).toContain(line);
      }
    }
    expect(readFileSync(join(ROOT, "deploy/systemd/edge-metrics.service"), "utf8")).toMatch(/^StateDirectory=edge-metrics$/m);
  });
});
