/**
 * The page's only script: it keeps a read token for the tab (sessionStorage, gone when the tab closes) and sends
 * it in the Authorization header when it loads the page, exactly as any API client would. Pages are still
 * rendered on the server; the script fetches them and swaps the body in. Without a stored token it does nothing,
 * so forms and links work as plain HTML for the credentials that need no header (mTLS, open dev mode).
 */
export const TOKEN_KEY = "edge-metrics-adapter.read-token";

export const CLIENT_SCRIPT = `(() => {
  const KEY = ${JSON.stringify(TOKEN_KEY)};
  const stored = () => sessionStorage.getItem(KEY);
  const say = (text) => {
    const el = document.getElementById("login-error");
    if (el) { el.textContent = text; el.hidden = false; } else alert(text);
  };
  async function load(url, token, push) {
    const res = await fetch(url, { headers: { authorization: "Bearer " + token, accept: "text/html" } });
    const type = res.headers.get("content-type") || "";
    if (!type.includes("text/html")) {
      let message = "HTTP " + res.status;
      try { message = (await res.json()).message || message; } catch {}
      throw Object.assign(new Error(message), { status: res.status });
    }
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    document.title = doc.title;
    document.body.replaceWith(doc.body);
    if (push) history.pushState(null, "", url);
    return res;
  }
  const fail = (err) => {
    if (err.status === 401 || err.status === 403) sessionStorage.removeItem(KEY);
    say(err.message);
  };
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.id === "login") {
      e.preventDefault();
      const token = form.querySelector("#token").value.trim();
      if (!token) return say("enter a read token");
      load(location.pathname + location.search, token, false).then(() => sessionStorage.setItem(KEY, token), fail);
      return;
    }
    const token = stored();
    if (!token || (form.method || "get").toLowerCase() !== "get") return;
    e.preventDefault();
    const url = new URL(form.action, location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    load(url.pathname + url.search, token, true).catch(fail);
  });
  document.addEventListener("click", (e) => {
    const target = e.target instanceof Element ? e.target : null;
    if (target && target.closest("#logout")) {
      e.preventDefault();
      sessionStorage.removeItem(KEY);
      location.assign("/");
      return;
    }
    const link = target && target.closest("a[data-page]");
    const token = stored();
    if (!link || !token) return;
    e.preventDefault();
    load(link.getAttribute("href"), token, true).catch(fail);
  });
  window.addEventListener("popstate", () => { const t = stored(); if (t) load(location.pathname + location.search, t, false).catch(fail); });
  // The script runs in <head>: look for the login form once the body is there.
  document.addEventListener("DOMContentLoaded", () => {
    if (stored() && document.getElementById("login")) load(location.pathname + location.search, stored(), false).catch(fail);
  });
})();`;
