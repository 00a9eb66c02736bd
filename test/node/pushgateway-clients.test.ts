/**
 * The Pushgateway API with client libraries no one here wrote, unmodified: Python's prometheus_client
 * (push_to_gateway, pushadd_to_gateway, delete_from_gateway; basic_auth_handler or none), Go's client_golang
 * prometheus/push (delimited protobuf; Push, Add, Delete; BasicAuth) and Node's prom-client (Pushgateway
 * push, pushAdd, delete), each pushing to a real workerd edge node's public socket. What they pushed is read
 * back the way the HPA reads it (kubectl get --raw against the aggregator socket, with the front-proxy client
 * certificate) and through GET /api/v1/metrics; PUT-replaces, POST-adds and DELETE are checked with each
 * client's own calls. Last, every client pushes with no credentials to `wrangler dev` in open dev mode, the
 * configuration `npm start` runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, freePort, kubeconfig, kubectl, startWranglerDev, SVC_NAME, tempDir, WorkerdNode, type WranglerDev } from "../harness";
import { pushClients, type MetricSpec, type PushCall, type PushClient } from "../pushgateway-clients/clients";

const NAMES = ["python", "go", "node"] as const;
const JOB = "batch";
let clients: Record<string, PushClient>;
let edge: WorkerdNode;
let token: string;
let aggregatorKubeconfig: string;

beforeAll(async () => {
  clients = Object.fromEntries((await pushClients()).map((c) => [c.name, c]));
  edge = await WorkerdNode.create({
    name: "pushgateway-clients-edge",
    tokens: [{ name: "pusher", namespaces: NAMES.map((n) => `pgc-${n}`), operations: ["write", "delete", "read"] }],
  });
  await edge.start();
  token = edge.tokens.pusher!;
  aggregatorKubeconfig = kubeconfig({
    server: `https://127.0.0.1:${edge.aggregatorPort}`, ca: edge.pki.ca, serverName: SVC_NAME, cert: edge.pki.clientCert!, key: edge.pki.clientKey!,
  });
});

afterAll(() => cleanup());

/** kubectl get --raw through the aggregator socket: the values, or the reason kubectl printed. */
async function values(path: string): Promise<string[] | string> {
  const r = await kubectl(["get", "--raw", path], { kubeconfig: aggregatorKubeconfig, requestTimeout: "10s" });
  if (r.status !== 0) return /NotFound/.test(r.stderr) ? "NotFound" : r.stderr;
  return JSON.parse(r.stdout).items.map((i: { value: string }) => i.value);
}
const custom = (v: "v1beta1" | "v1beta2", ns: string, pod: string, metric: string) => values(`/apis/custom.metrics.k8s.io/${v}/namespaces/${ns}/pods/${pod}/${metric}`);
const external = (ns: string, metric: string, selector: string) => values(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${metric}?labelSelector=${encodeURIComponent(selector)}`);

/** GET /api/v1/metrics with the token: the groups whose grouping key matches `labels`. */
async function groups(base: string, labels: Record<string, string>, auth: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<any[]> {
  const r = await fetch(`${base}/api/v1/metrics`, { headers: auth });
  const body = await r.json() as { status: string; data: any[] };
  expect(r.status, JSON.stringify(body)).toBe(200);
  expect(body.status).toBe("success");
  return body.data.filter((g) => Object.entries(labels).every(([k, v]) => g.labels[k] === v));
}

const gauge = (name: string, value: number, labels: Record<string, string> = {}): MetricSpec => ({ type: "gauge", name, value, labels, help: `${name} help` });
const counter = (name: string, value: number): MetricSpec => ({ type: "counter", name, value, help: `${name} help` });
const summary = (name: string, observations: number[]): MetricSpec => ({ type: "summary", name, observations, help: `${name} help` });

describe.each(NAMES)("%s client against an edge node", (name) => {
  const ns = `pgc-${name}`;
  const client = () => clients[name]!;
  const call = async (c: Omit<PushCall, "gateway" | "job" | "auth"> & Partial<PushCall>) => {
    const r = await client().call({ gateway: edge.base, job: JOB, auth: { basic: { username: "pusher", password: token } }, ...c });
    expect(r.error, `${client().library} ${c.op}`).toBe("");
    expect(r.ok).toBe(true);
  };
  const worker0 = () => ({ namespace: ns, pod: "worker-0" });

  it("PUT with Basic auth: the grouping key maps the group to the pod; read through custom (v1beta1, v1beta2) and external metrics and GET /api/v1/metrics", async () => {
    await call({ op: "put", grouping: worker0(), metrics: [gauge("queue_depth", 12, { queue: "orders" }), counter("jobs_done_total", 100), summary("task_seconds", [0.25, 0.75])] });
    expect(await custom("v1beta2", ns, "worker-0", "queue_depth")).toEqual(["12"]);
    expect(await custom("v1beta1", ns, "worker-0", "queue_depth")).toEqual(["12"]);
    expect(await custom("v1beta2", ns, "worker-0", "jobs_done_total")).toEqual(["100"]);
    // A summary's _sum and _count are plain series: 0.25 + 0.75 = 1 over 2 observations.
    expect(await custom("v1beta2", ns, "worker-0", "task_seconds_sum")).toEqual(["1"]);
    expect(await custom("v1beta2", ns, "worker-0", "task_seconds_count")).toEqual(["2"]);
    // The grouping key's job is a metric label, so an External metric selects the group by it.
    expect(await external(ns, "queue_depth", `job=${JOB},queue=orders`)).toEqual(["12"]);

    const [group, ...more] = await groups(edge.base, { namespace: ns, pod: "worker-0" });
    expect(more).toEqual([]);
    expect(group.labels).toEqual({ job: JOB, namespace: ns, pod: "worker-0" });
    expect(group.queue_depth).toMatchObject({ type: "GAUGE", help: "queue_depth help", metrics: [{ labels: { job: JOB, namespace: ns, pod: "worker-0", queue: "orders" }, value: "12" }] });
    expect(group.jobs_done_total).toMatchObject({ type: "COUNTER", metrics: [{ value: "100" }] });
    expect(group.task_seconds).toMatchObject({ type: "SUMMARY", metrics: [{ count: "2", sum: "1" }] });
    // Go's %v of the Unix time, as the Pushgateway prints it: 1.7…e+09.
    expect(group.push_time_seconds.metrics[0].value).toMatch(/^\d\.\d+e\+09$/);
  });

  it("a counter pushed again is also served as its rate: (130 − 100) × 1.5 / 60 s = 750m", async () => {
    // PromQL rate() over the 60 s window with two points less than 28 s apart: the range start is more than 1.1
    // intervals before the first point, so the increase is extrapolated by half an interval, and the rate is
    // increase × 1.5 / 60 whatever the interval was (prometheus/prometheus promql/functions.go extrapolatedRate).
    await call({ op: "put", grouping: worker0(), metrics: [gauge("queue_depth", 12, { queue: "orders" }), counter("jobs_done_total", 130), summary("task_seconds", [0.25, 0.75])] });
    expect(await custom("v1beta2", ns, "worker-0", "jobs_done_total")).toEqual(["130"]);
    expect(await custom("v1beta2", ns, "worker-0", "jobs_done_per_second")).toEqual(["750m"]);
  });

  it("POST replaces only the families it pushes; the rest of the group stays", async () => {
    await call({ op: "post", grouping: worker0(), metrics: [gauge("queue_depth", 20, { queue: "orders" }), gauge("in_flight", 3)] });
    expect(await custom("v1beta2", ns, "worker-0", "queue_depth")).toEqual(["20"]);
    expect(await custom("v1beta2", ns, "worker-0", "in_flight")).toEqual(["3"]);
    expect(await custom("v1beta2", ns, "worker-0", "jobs_done_total")).toEqual(["130"]);
    expect(await custom("v1beta2", ns, "worker-0", "task_seconds_count")).toEqual(["2"]);
    const [group] = await groups(edge.base, { namespace: ns, pod: "worker-0" });
    expect(group.queue_depth).toMatchObject({ type: "GAUGE", metrics: [{ labels: { queue: "orders" }, value: "20" }] });
    expect(group.in_flight).toMatchObject({ type: "GAUGE", metrics: [{ value: "3" }] });
    // The families this POST did not name stay in the group's view, as storage.MetricGroup keeps them.
    expect(group.jobs_done_total).toMatchObject({ type: "COUNTER", metrics: [{ value: "130" }] });
    // (prometheus_client also pushes *_created families; the other clients do not.)
    expect(Object.keys(group)).toEqual(expect.arrayContaining(["in_flight", "jobs_done_total", "queue_depth", "task_seconds"]));
  });

  it("PUT replaces the whole group: families it does not push are gone", async () => {
    await call({ op: "put", grouping: worker0(), metrics: [gauge("in_flight", 5)] });
    expect(await custom("v1beta2", ns, "worker-0", "in_flight")).toEqual(["5"]);
    for (const gone of ["queue_depth", "jobs_done_total", "jobs_done_per_second", "task_seconds_sum"]) {
      expect(await custom("v1beta2", ns, "worker-0", gone), gone).toBe("NotFound");
    }
  });

  it("DELETE removes the group, and only that group", async () => {
    await call({ op: "put", grouping: { namespace: ns, pod: "worker-1" }, metrics: [gauge("in_flight", 1)] });
    await call({ op: "delete", grouping: worker0() });
    expect(await custom("v1beta2", ns, "worker-0", "in_flight")).toBe("NotFound");
    expect(await custom("v1beta2", ns, "worker-1", "in_flight")).toEqual(["1"]);
    expect(await groups(edge.base, { namespace: ns, pod: "worker-0" })).toEqual([]);
    expect(await groups(edge.base, { namespace: ns, pod: "worker-1" })).toHaveLength(1);
  });

  it("the token as a Bearer header (and a gzip body where the client offers one); the namespace from the URL path", async () => {
    const gzip = client().name !== "go";
    const r = await client().call({
      op: "put", gateway: `${edge.base}/namespaces/${ns}`, job: JOB, grouping: { pod: "worker-2" }, auth: { bearer: token }, gzip, metrics: [gauge("in_flight", 7)],
    });
    expect(r.error).toBe("");
    expect(await custom("v1beta2", ns, "worker-2", "in_flight")).toEqual(["7"]);
  });

  it("refusals reach the client with the server's status and message; nothing is stored", async () => {
    const push = (c: Partial<PushCall>) => client().call({ op: "put", gateway: edge.base, job: JOB, metrics: [gauge("in_flight", 9)], auth: { basic: { username: "u", password: token } }, ...c });
    const unauthenticated = await push({ grouping: { namespace: ns, pod: "worker-3" }, auth: undefined });
    expect(unauthenticated.ok).toBe(false);
    expect(unauthenticated.error).toMatch(/401/);
    const forbidden = await push({ grouping: { namespace: "elsewhere", pod: "worker-3" } });
    expect(forbidden.ok).toBe(false);
    expect(forbidden.error).toMatch(/403/);
    expect(forbidden.error).toContain("elsewhere");
    expect(await custom("v1beta2", ns, "worker-3", "in_flight")).toBe("NotFound");
    expect(await groups(edge.base, { pod: "worker-3" })).toEqual([]);
  });
});

describe("npm start's configuration (wrangler dev, open dev mode): each client pushes without credentials", () => {
  let dev: WranglerDev;

  beforeAll(async () => {
    // wrangler.toml's top level as `npm start` runs it: DEPLOYMENT=dev, no tokens, so no authentication.
    dev = await startWranglerDev({ name: "pushgateway-clients-wrangler", port: await freePort(), persistTo: tempDir("pgc-wrangler") });
  });

  it.each(NAMES)("%s: PUT, read back through GET /api/v1/metrics, DELETE", async (name) => {
    const client = clients[name]!;
    const grouping = { namespace: "default", pod: `${name}-0` };
    const put = await client.call({ op: "put", gateway: dev.base, job: JOB, grouping, metrics: [gauge("queue_depth", 4, { queue: "q" })] });
    expect(put.error).toBe("");
    const [group] = await groups(dev.base, grouping, {});
    expect(group.queue_depth).toMatchObject({ type: "GAUGE", metrics: [{ labels: { queue: "q" }, value: "4" }] });
    const del = await client.call({ op: "delete", gateway: dev.base, job: JOB, grouping });
    expect(del.error).toBe("");
    expect(await groups(dev.base, grouping, {})).toEqual([]);
  });
});
