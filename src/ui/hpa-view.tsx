/** @jsxImportSource hono/jsx */
/**
 * "What will my HPA see?": the form (paste an HPA, or describe one metric) and the result — per metric the exact
 * request, the answer, and what the HPA makes of it; then the replica count. A plain GET form, so a check is a
 * URL that can be reloaded and shared (it holds an HPA, never a token).
 */
import type { CheckResult, MetricResult } from "./hpa-check";

export type CheckQuery = Record<string, string>;

const EXAMPLE = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric: {name: http_requests_per_second}
      target: {type: AverageValue, averageValue: "10"}`;

function Field(props: { label: string; name: string; q: CheckQuery; placeholder?: string; type?: string }) {
  return (
    <label>
      {props.label}
      <input name={props.name} value={props.q[props.name] ?? ""} placeholder={props.placeholder} type={props.type ?? "text"} />
    </label>
  );
}

function Select(props: { label: string; name: string; q: CheckQuery; options: string[] }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        {props.options.map((o) => <option value={o} selected={props.q[props.name] === o}>{o}</option>)}
      </select>
    </label>
  );
}

export function CheckForm(props: { q: CheckQuery }) {
  const q = props.q;
  return (
    <form class="check" method="get" action="/#check" id="hpa-check">
      <textarea name="hpa" placeholder={`Paste an HPA (kubectl get hpa NAME -o yaml), e.g.\n\n${EXAMPLE}`}>{q.hpa ?? ""}</textarea>
      <Field label="current replicas" name="replicas" q={q} placeholder="3" type="number" />
      <Field label="ready pods (default: all)" name="readyPods" q={q} placeholder="" type="number" />
      <Field label="pod selector of the scale target" name="podSelector" q={q} placeholder="app=web" />
      <Field label="namespace (default: the HPA's)" name="namespace" q={q} placeholder="default" />
      <Select label="…or one metric: type" name="type" q={q} options={["", "Pods", "Object", "External"]} />
      <Field label="metric name" name="metric" q={q} placeholder="http_requests_per_second" />
      <Field label="metric selector" name="selector" q={q} placeholder="verb=GET" />
      <Select label="target type" name="targetType" q={q} options={["AverageValue", "Value"]} />
      <Field label="target" name="target" q={q} placeholder="500m" />
      <Field label="Object: kind" name="objectKind" q={q} placeholder="Deployment" />
      <Field label="Object: apiVersion" name="objectApiVersion" q={q} placeholder="apps/v1" />
      <Field label="Object: name" name="objectName" q={q} placeholder="web" />
      <Field label="minReplicas" name="minReplicas" q={q} placeholder="1" type="number" />
      <Field label="maxReplicas" name="maxReplicas" q={q} placeholder="10" type="number" />
      <input type="hidden" name="check" value="1" />
      <button type="submit">Check</button>
    </form>
  );
}

function answerText(answer: unknown): string {
  const text = JSON.stringify(answer, null, 2) ?? "";
  return text.length > 6000 ? `${text.slice(0, 6000)}\n… (${text.length - 6000} more characters)` : text;
}

function MetricBlock(props: { r: MetricResult; namespace: string }) {
  const { r } = props;
  const m = r.check;
  const what = m.type === "Object" ? `Object ${m.object!.kind}/${m.object!.name} metric ${m.metric}` : `${m.type} metric ${m.metric}`;
  return (
    <div class="metric-result" data-metric={m.metric}>
      <h4>{what}{m.metricSelector ? ` {${m.metricSelector}}` : ""} — target {m.targetType} {m.target}</h4>
      <p>The HPA controller sends <code data-request={r.request}>GET {r.request}</code></p>
      <p class="muted">Answer: HTTP {r.status}</p>
      <pre data-answer={String(r.status)}>{answerText(r.answer)}</pre>
      {"error" in r.outcome
        ? <p class="error" data-outcome="error">The HPA reports: {r.outcome.error}</p>
        : <p class="ok" data-outcome="proposal">{r.outcome.explanation}</p>}
    </div>
  );
}

export function CheckResultView(props: { result: CheckResult }) {
  const { result: x } = props;
  const d = x.decision;
  return (
    <div id="check-result">
      {x.notes.map((n) => <p class="note">{n}</p>)}
      {x.input.skipped.map((s) => <p class="note">{s}</p>)}
      <p class="muted">
        Namespace <code>{x.input.namespace}</code>; current replicas {x.currentReplicas}, ready pods {x.readyPods}; minReplicas {x.input.minReplicas},
        maxReplicas {x.input.maxReplicas}; tolerance down {x.input.tolerances.scaleDown}, up {x.input.tolerances.scaleUp}.
      </p>
      {x.results.map((r) => <MetricBlock r={r} namespace={x.input.namespace} />)}
      <div class="result" data-desired={d.desired}>
        {x.combined.ok
          ? <p>Metrics propose <strong>{x.combined.replicas}</strong> replicas (largest proposal: {x.combined.metric}{x.combined.invalid ? `; ${x.combined.invalid} metric(s) invalid` : ""}).</p>
          : <p class="error">No replica count: {x.combined.error}. The HPA keeps {x.currentReplicas} replicas and shows ScalingActive=False.</p>}
        <p>
          Desired replicas: <strong data-desired-replicas={String(d.desired)}>{d.desired}</strong>
          {d.limitedBy ? ` (${d.limitedBy})` : ""}.
          {d.nextStep !== d.desired ? ` The first step goes to ${d.nextStep} (scaling policies); later syncs continue.` : ""}
          {d.desired < x.currentReplicas ? ` A scale-down happens only after the proposal has stayed lower for the ${d.scaleDownDelaySeconds}s stabilization window.` : ""}
        </p>
      </div>
    </div>
  );
}

export function CheckError(props: { message: string }) {
  return <p class="error" id="check-error">{props.message}</p>;
}
