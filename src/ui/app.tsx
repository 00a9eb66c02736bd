/** @jsxImportSource hono/jsx */
/**
 * The status page at `GET /`: what the HPA would see, for whoever may read it (ui/access.ts), rendered on the
 * server. Without a credential it is the login form (401); with one that may read nothing, the reason (403).
 * Mounted by app.ts on the shared config, store, clock and auth; the store is asked once per view for each of
 * describe(perNamespace), namespaceStats() and recentRefusals(), and the HPA check reads through the API's handlers.
 */
import { Hono, type Context } from "hono";
import { SelectorError } from "../apimachinery/labels";
import type { AppEnv } from "../http/app-env";
import { visibility, visibleNamespaces, visibleRefusals, visibleStats, type Visibility } from "./access";
import { runCheck } from "./hpa-check";
import { formInput, HpaInputError, parseHpaYaml } from "./hpa-input";
import { CheckError, CheckForm, CheckResultView, type CheckQuery } from "./hpa-view";
import { documentHtml, Page } from "./layout";
import { NamespaceSection, RefusalsTable, StatsTable } from "./status-view";

/** Series shown per namespace unless `?perNamespace=` asks for another number (up to MAX_PER_NAMESPACE). */
export const DEFAULT_PER_NAMESPACE = 200;
export const MAX_PER_NAMESPACE = 2000;
const REFUSALS_SHOWN = 50;

function html(c: Context<AppEnv>, body: string, status: 200 | 401 | 403 = 200): Response {
  return c.body(body, status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY", "x-content-type-options": "nosniff" });
}

function LoginPage(props: { message: string }) {
  return (
    <Page title="Sign in · edge-metrics-adapter">
      <div class="login">
        <h2>Sign in</h2>
        <p>{props.message}</p>
        <p class="muted">Use READ_TOKEN or a token with the read operation. It is kept in this tab only and sent in the Authorization header.</p>
        {/* The input has no name: without the script, submitting sends nothing, so the token never reaches a URL. */}
        <form id="login" method="get" action="/">
          <input id="token" type="password" autocomplete="off" placeholder="read token" aria-label="read token" />
          <button type="submit">Open</button>
        </form>
        <p class="error" id="login-error" hidden></p>
        <noscript><p class="error">Signing in with a token needs JavaScript (the token travels in a header, never in the URL).</p></noscript>
      </div>
    </Page>
  );
}

async function check(c: Context<AppEnv>, q: CheckQuery) {
  try {
    const input = q.hpa?.trim() ? parseHpaYaml(q.hpa, q.namespace ?? "") : formInput(q);
    const replicas = q.replicas ? Number(q.replicas) : NaN;
    if (!Number.isInteger(replicas) || replicas < 0) throw new HpaInputError("enter the current replica count (kubectl get hpa shows it as REPLICAS)");
    const ready = q.readyPods ? Number(q.readyPods) : null;
    if (ready !== null && (!Number.isInteger(ready) || ready < 0)) throw new HpaInputError("ready pods must be a whole number");
    return <CheckResultView result={await runCheck(c, input, q.podSelector ?? "", replicas, ready)} />;
  } catch (e) {
    if (e instanceof HpaInputError || e instanceof SelectorError) return <CheckError message={e.message} />;
    throw e;
  }
}

async function statusPage(c: Context<AppEnv>, v: Visibility) {
  const store = c.get("store");
  const now = c.get("now");
  const q = c.req.query() as CheckQuery;
  const perNamespace = Math.min(MAX_PER_NAMESPACE, Math.max(1, Number(q.perNamespace) || DEFAULT_PER_NAMESPACE));
  const [views, stats, refusals] = await Promise.all([store.describe(perNamespace), store.namespaceStats(), store.recentRefusals(REFUSALS_SHOWN)]);
  const namespaces = visibleNamespaces(views, v).sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const shownStats = visibleStats(stats, v).sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const checkResult = q.check ? await check(c, q) : null;
  const header = (
    <>
      <span class="who">as {v.who}</span>
      <span class="muted">at {new Date(now).toISOString().replace(/\.\d+Z$/, "Z")}</span>
      <nav><a href="/" data-page>Refresh</a><a href="#check">HPA check</a><a href="/" id="logout">Sign out</a></nav>
    </>
  );
  return (
    <Page title="Status · edge-metrics-adapter" header={header}>
      <h2>Namespaces</h2>
      <StatsTable stats={shownStats} now={now} />
      <h2>Stored metrics</h2>
      {namespaces.length === 0 ? <p class="muted">Nothing is stored that this credential may read.</p> : null}
      {namespaces.map((view) => <NamespaceSection view={view} now={now} perNamespace={perNamespace} />)}
      <h2>Recent write refusals</h2>
      <RefusalsTable refusals={visibleRefusals(refusals, c, v)} now={now} />
      <h2 id="check">What will my HPA see?</h2>
      <CheckForm q={q} />
      {checkResult}
    </Page>
  );
}

export function statusPageApp() {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const v = visibility(c);
    if (v.problem) {
      const status = v.problem.reason === "Unauthorized" ? 401 : 403;
      const page = status === 401 ? <LoginPage message="This page shows stored metrics; it needs a credential that may read them." /> : (
        <Page title="Forbidden · edge-metrics-adapter"><p class="error">{v.problem.message}</p><p><a href="/" id="logout">Use another token</a></p></Page>
      );
      return html(c, await documentHtml(page), status);
    }
    return html(c, await documentHtml(await statusPage(c, v)));
  });
  return app;
}
