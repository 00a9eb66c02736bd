/**
 * The HPA scaling on metrics pushed through the Pushgateway API by unmodified client libraries: client_golang's
 * prometheus/push (delimited protobuf, Push and Delete) and Python's prometheus_client (text, push_to_gateway
 * with basic_auth_handler), into our workerd edge node's public socket; kube-apiserver's aggregator reads them
 * from the edge node's aggregator socket, and a real HPA controller scales real Deployments.
 *
 * Expected replica counts follow the HPA's replica calculation (kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go) with the default tolerance τ = 0.1, each written next to
 * its formula; counter rates follow PromQL's rate() (prometheus/prometheus promql/functions.go extrapolatedRate).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goClient, installClients, pythonClient, type PushCall, type PushClient } from "../../pushgateway-clients/clients";
import {
  apply, cluster, createNamespace, deleteNamespace, deployment, expectReplicasHeld, finish, hpa, hpaStatus, kubectl, renderedManifests,
  servingPki, startEdgeNode, Timings, waitApiServicesAvailable, waitFor, waitReplicas, type Cluster, type EdgeNode,
} from "./lib";

const c: Cluster = cluster();
const t = new Timings();
let edge: EdgeNode;
let go: PushClient;
let python: PushClient;
const namespaces: string[] = [];

const raw = async (path: string) => JSON.parse(await kubectl(c, ["get", "--raw", path]));

async function push(client: PushClient, call: Omit<PushCall, "gateway" | "auth">): Promise<void> {
  const r = await client.call({ gateway: edge.node.base, auth: { basic: { username: "hpa-scenario", password: edge.writeToken } }, ...call });
  expect(r.error, `${client.library} ${call.op}`).toBe("");
}

beforeAll(async () => {
  const clients = await installClients();
  go = goClient(clients.go);
  python = pythonClient(clients.python);
  t.mark("clientsInstalled");
  const dir = join(c.runDir, "pushgateway");
  const pki = await servingPki(c, join(dir, "pki"));
  // Delete is an operation of its own: the token must allow it besides writes.
  edge = await startEdgeNode(c, pki, dir, { operations: ["write", "delete"] });
  await apply(c, renderedManifests(pki.caPem, edge.aggregatorPort));
  await waitApiServicesAvailable(c);
  t.mark("edgeNodeAndApiServices");
}, 600_000);

afterAll(() => finish(c, t, "pushgateway"));

describe(`Pushgateway API clients driving the HPA (${c.version})`, () => {
  it("Go client (protobuf): an Object metric on the Deployment named by the grouping key; Push scales up and down, Delete leaves the HPA holding", async () => {
    const ns = "pg-go";
    await createNamespace(c, ns);
    namespaces.push(ns);
    await apply(c, deployment("worker", 1), ns);
    // `deployment` in the grouping key maps every series of the group to deployments.apps/worker.
    const group = { job: "batch", grouping: { namespace: ns, deployment: "worker" } };
    await push(go, { op: "put", ...group, metrics: [{ type: "gauge", name: "queue_depth", help: "Jobs waiting.", labels: { queue: "orders" }, value: 23 }] });
    const v2 = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/deployments.apps/worker/queue_depth`);
    expect(v2.items).toEqual([expect.objectContaining({ describedObject: expect.objectContaining({ kind: "Deployment", name: "worker" }), value: "23" })]);
    await apply(c, hpa("worker", "worker", [{
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "worker" },
        metric: { name: "queue_depth" },
        target: { type: "AverageValue", averageValue: "5" },
      },
    }]), ns);
    // Object AverageValue: r = 23/(5 × 1) = 4.6; |1−r| > 0.1 → ⌈23/5⌉ = ⌈4.6⌉ = 5
    await waitReplicas(c, ns, "worker", 5);
    t.mark("go.up");

    await push(go, { op: "put", ...group, metrics: [{ type: "gauge", name: "queue_depth", help: "Jobs waiting.", labels: { queue: "orders" }, value: 7 }] });
    // r = 7/(5 × 5) = 0.28; |1−r| > 0.1 → ⌈7/5⌉ = ⌈1.4⌉ = 2
    await waitReplicas(c, ns, "worker", 2);
    t.mark("go.down");

    // Delete: the metric is gone (404), the HPA reports it missing and keeps the replicas it has.
    await push(go, { op: "delete", ...group });
    await waitFor("ScalingActive=False (FailedGetObjectMetric)", async () => {
      const sa = (await hpaStatus(c, ns, "worker")).conditions?.find((x) => x.type === "ScalingActive");
      return sa?.status === "False" && sa.reason === "FailedGetObjectMetric";
    }, 60_000);
    await expectReplicasHeld(c, ns, "worker", 2, 5_000);
    t.mark("go.deleted");
  });

  it("Python client (text): a counter pushed twice is an External metric <name>_per_second the HPA scales on", async () => {
    const ns = "pg-python";
    await createNamespace(c, ns);
    namespaces.push(ns);
    await apply(c, deployment("consumer", 1), ns);
    const group = { job: "etl", grouping: { namespace: ns } };
    // prometheus_client's Counter("jobs_done") is exposed as jobs_done_total; its rate is jobs_done_per_second.
    for (const total of [200, 400]) {
      await push(python, { op: "put", ...group, metrics: [{ type: "counter", name: "jobs_done", help: "Jobs done.", value: total }] });
    }
    // rate() over the 60 s window from two points less than 28 s apart: the increase is extrapolated by half an
    // interval towards the window's start, so rate = (400 − 200) × 1.5 / 60 = 5 per second.
    const ext = await raw(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/jobs_done_per_second?labelSelector=job%3Detl`);
    expect(ext.items.map((i: { value: string }) => i.value)).toEqual(["5"]);
    await apply(c, hpa("consumer", "consumer", [{
      type: "External",
      external: {
        metric: { name: "jobs_done_per_second", selector: { matchLabels: { job: "etl" } } },
        target: { type: "AverageValue", averageValue: "1500m" },
      },
    }]), ns);
    // External AverageValue: r = 5/(1.5 × 1) ≈ 3.33; |1−r| > 0.1 → ⌈5/1.5⌉ = ⌈3.33⌉ = 4
    // At 4 replicas r = 5/(1.5 × 4) ≈ 0.83, still outside the tolerance, and ⌈5/1.5⌉ = 4 again: a fixed point.
    await waitReplicas(c, ns, "consumer", 4);
    await expectReplicasHeld(c, ns, "consumer", 4, 4_000);
    t.mark("python.externalRate");
  });

  it("namespaces with Pushgateway groups delete cleanly", async () => {
    const ms: Record<string, number> = {};
    await Promise.all(namespaces.map(async (ns) => (ms[ns] = await deleteNamespace(c, ns))));
    t.mark("namespacesDeleted");
  });
});
