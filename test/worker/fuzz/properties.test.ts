// Property-based tests (fast-check): no input escapes as an unexpected exception or a 500, every rejection is
// a 4xx Status, and formatting a parsed quantity or selector round-trips. The long fuzz run against a live edge
// node is bench/fuzz.ts; these run in `npm test`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatQuantity, parseQuantity, QuantityError } from "../../../src/apimachinery/quantity";
import { parseSelector, SelectorError } from "../../../src/apimachinery/labels";
import { client } from "../helpers";

const RUNS = { numRuns: 400 };

const quantityText = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.stringMatching(/^[+-]?\d{0,20}(\.\d{0,12})?([eE][+-]?\d{1,3}|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/),
);

const selectorText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .array(
      fc.tuple(
        fc.stringMatching(/^[a-z]([a-z0-9.-]{0,8}[a-z0-9])?$/),
        fc.constantFrom("=", "==", "!=", " in ", " notin ", "", "!", ">", "<"),
        fc.array(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,6}[A-Za-z0-9])?$/), { maxLength: 3 }),
      ),
      { maxLength: 4 },
    )
    .map((reqs) =>
      reqs
        .map(([k, op, vs]) =>
          op === "!" ? `!${k}` : op === "" ? k : op.trim() === "in" || op.trim() === "notin" ? `${k}${op}(${vs.join(",")})` : `${k}${op}${vs[0] ?? ""}`,
        )
        .join(","),
    ),
);

describe("quantity grammar (apimachinery resource.ParseQuantity)", () => {
  it("any string parses or fails with a QuantityError, never anything else", () => {
    fc.assert(
      fc.property(quantityText, (s) => {
        try {
          parseQuantity(s);
        } catch (e) {
          if (!(e instanceof QuantityError)) throw e;
        }
      }),
      RUNS,
    );
  });

  it("formatting a parsed quantity is a fixed point: parse(format(q)) formats the same", () => {
    fc.assert(
      fc.property(quantityText, (s) => {
        let q;
        try {
          q = parseQuantity(s);
        } catch {
          return;
        }
        const once = formatQuantity(q);
        expect(formatQuantity(parseQuantity(once))).toBe(once);
      }),
      RUNS,
    );
  });
});

describe("label selector grammar (apimachinery labels.Parse)", () => {
  it("any string parses or fails with a SelectorError, and String() re-parses to itself", () => {
    fc.assert(
      fc.property(selectorText, (s) => {
        let sel;
        try {
          sel = parseSelector(s);
        } catch (e) {
          if (!(e instanceof SelectorError)) throw e;
          return;
        }
        expect(parseSelector(sel.toString()).toString()).toBe(sel.toString());
      }),
      RUNS,
    );
  });
});

const segment = fc.oneof(
  fc.constantFrom("namespaces", "pods", "*", "%2A", "%252A", "..", ".", "%2F", "metrics", "deployments.apps", "nodes", "default", "m", ""),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.stringMatching(/^[a-z0-9-]{1,10}$/),
);
const path = fc.tuple(
  fc.constantFrom("/write-metrics", "/write-external-metrics", "/apis/custom.metrics.k8s.io/v1beta1", "/apis/custom.metrics.k8s.io/v1beta2", "/apis/external.metrics.k8s.io/v1beta1", "/apis", ""),
  fc.array(segment, { maxLength: 6 }),
  fc.option(fc.constantFrom("?labelSelector=", "?metricLabelSelector=", "?labels=", "?objectLabels="), { nil: "" }),
  fc.string({ maxLength: 16 }).map(encodeURIComponent),
).map(([base, segs, q, v]) => `${base}/${segs.join("/")}${q}${q ? v : ""}`);

const body = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.json({ maxDepth: 3 }),
  fc.record({ value: fc.oneof(fc.string({ maxLength: 8 }), fc.double(), fc.integer()), labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.array(fc.record({ namespace: fc.string({ maxLength: 6 }), resource: fc.constantFrom("pods", "nodes", "x.y"), name: fc.string({ maxLength: 6 }), metric: fc.string({ maxLength: 6 }), value: fc.string({ maxLength: 6 }) }, { requiredKeys: [] }), { maxLength: 3 }).map((a) => JSON.stringify(a)),
);

describe("HTTP surface", () => {
  const api = client();

  it("random paths and methods never produce a 5xx; every error is a JSON Status", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "POST", "DELETE", "PUT", "HEAD"), path, body, async (method, p, b) => {
        const res = await api.fetch(p, { method, body: method === "GET" || method === "HEAD" ? undefined : b });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400 && method !== "HEAD") {
          expect(res.headers.get("content-type")).toMatch(/^application\/json/);
          const status = (await res.json()) as { kind: string; code: number };
          expect(status.kind).toBe("Status");
          expect(status.code).toBe(res.status);
        } else {
          await res.arrayBuffer();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("random bodies on every write path are either stored (2xx) or refused with a 4xx Status", async () => {
    const targets = [
      "/write-metrics/namespaces/fuzz/pods/p/m",
      "/write-metrics/nodes/n/m",
      "/write-metrics/namespaces/fuzz/metrics/m",
      "/write-metrics",
      "/write-external-metrics/namespaces/fuzz/m",
      "/write-external-metrics",
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, async (target, b) => {
        const res = await api.post(target, b);
        expect(res.status).toBeLessThan(500);
        const json = (await res.json()) as { kind: string };
        expect(json.kind).toBe(res.status < 300 ? "WriteResult" : "Status");
      }),
      { numRuns: 300 },
    );
  });
});
