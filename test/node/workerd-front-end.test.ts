/**
 * The fuzz's front-end table (bench/fuzz/shapes.ts) against the pinned workerd: each row's requests get the row's
 * status from workerd itself, without the probe worker ever running (its counter does not move, its mark is
 * missing), and the shape classifier predicts workerd exactly on generated fuzz requests. When a newer workerd
 * fixes a row, this fails on that row: delete it from the table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../bench/fuzz/generators";
import { checkRequests, checkRows, startProbe, type Probe } from "../../bench/fuzz/probe";
import { reseed } from "../../bench/fuzz/random";
import { WORKERD_FRONT_END, shapeOf } from "../../bench/fuzz/shapes";
import { cleanup } from "../harness";

let probe: Probe;

beforeAll(async () => {
  probe = await startProbe();
});

afterAll(cleanup);

describe("workerd front end (probe worker on the edge node's socket configuration)", () => {
  it("the probe sees a well-formed request (so an unmarked answer means the Worker never ran)", async () => {
    const before = Number(await (await fetch(`${probe.node.base}/__probe/seen`)).text());
    const r = await fetch(`${probe.node.base}/write-metrics`, { method: "POST", body: "[]" });
    expect(r.headers.get("x-probe-worker")).toBe("1");
    expect(await r.text()).toBe("seen");
    expect(Number(await (await fetch(`${probe.node.base}/__probe/seen`)).text())).toBe(before + 1);
  });

  for (const row of WORKERD_FRONT_END) {
    it(`${row.shape}: ${row.status} from workerd, the Worker never runs`, async () => {
      for (const example of row.examples) expect(shapeOf(Buffer.from(example, "latin1"))).toBe(row.shape);
      expect(await checkRows(probe, [row])).toEqual([]);
    });
  }

  it("the shapes predict workerd exactly on 1,500 generated fuzz requests", async () => {
    reseed(20260426);
    const ctx = { publicPort: probe.node.publicPort, writer: `ema_${"A".repeat(43)}`, scoped: `ema_${"B".repeat(43)}`, readToken: probe.node.readToken };
    const requests = Array.from({ length: 1500 }, (_, i) => generate(ctx, i));
    const { problems, tally } = await checkRequests(probe, requests);
    expect(problems).toEqual([]);
    // The sample exercises the table and the Worker both.
    expect(tally.get("duplicate-host")?.frontEnd).toBeGreaterThan(20);
    expect(tally.get("other")?.worker).toBeGreaterThan(1000);
  });
});
