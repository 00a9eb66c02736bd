/** @jsxImportSource hono/jsx */
/**
 * The HTML shell of the status page: one small stylesheet and the one script (client-script.ts), both inline so
 * the page is a single response; `no-store` because it shows live data and may be behind a token.
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { CLIENT_SCRIPT } from "./client-script";

const STYLE = `
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6573; --line: #dde2e8; --bg: #f6f8fa; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header { display: flex; align-items: baseline; gap: 1rem; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--bg); flex-wrap: wrap; }
header h1 { font-size: 1.1rem; margin: 0; }
header .who { color: var(--muted); }
header nav { margin-left: auto; display: flex; gap: .75rem; }
main { padding: 0 1.25rem 2rem; max-width: 1400px; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: .95rem; margin: 1rem 0 .35rem; }
h4 { font-size: .9rem; margin: .75rem 0 .25rem; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 .75rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .8rem; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .82rem; }
pre { background: var(--bg); border: 1px solid var(--line); padding: .5rem; overflow: auto; max-height: 18rem; margin: .25rem 0; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 999px; font-size: .75rem; font-weight: 600; border: 1px solid currentColor; }
.fresh { color: var(--ok); } .expiring { color: var(--warn); } .expired { color: var(--bad); }
.muted { color: var(--muted); }
.labels span { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; margin: 0 .2rem .1rem 0; font-family: ui-monospace, monospace; font-size: .78rem; }
.note { background: #fff8e5; border: 1px solid #f0d78c; padding: .4rem .6rem; border-radius: 4px; margin: .5rem 0; }
.error { background: #ffebe9; border: 1px solid #ffb1ab; padding: .4rem .6rem; border-radius: 4px; margin: .5rem 0; }
.ok { background: #dafbe1; border: 1px solid #9be9a8; padding: .4rem .6rem; border-radius: 4px; margin: .5rem 0; }
form.check { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .5rem .75rem; align-items: end; }
form.check label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
form.check textarea { grid-column: 1 / -1; min-height: 9rem; font-family: ui-monospace, monospace; font-size: .8rem; }
input, select, textarea, button { font: inherit; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
button { background: var(--fg); color: #fff; border: none; padding: .35rem .9rem; cursor: pointer; }
.login { max-width: 28rem; margin: 3rem auto; }
.login form { display: flex; gap: .5rem; } .login input { flex: 1; }
.result { font-size: 1.05rem; }
`;

export function Page(props: { title: string; header?: Child; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        <style>{raw(STYLE)}</style>
        <script>{raw(CLIENT_SCRIPT)}</script>
      </head>
      <body>
        <header>
          <h1>edge-metrics-adapter</h1>
          {props.header}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A whole document: the JSX tree rendered with its doctype. */
export async function documentHtml(page: { toString(): string | Promise<string> }): Promise<string> {
  return `<!DOCTYPE html>${await page.toString()}`;
}
