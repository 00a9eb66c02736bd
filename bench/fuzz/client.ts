/**
 * A raw HTTP/1.1 client over TCP or TLS for the fuzz: requests are sent byte for byte as generated (no client
 * library "fixes" a header, a path or the framing), and responses are parsed incrementally (Content-Length,
 * chunked, or until close). Well-framed requests share keep-alive connections (`Conn`); requests whose framing is
 * itself broken get a throw-away connection that is half-closed after writing (`sendFresh`).
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { SVC_NAME } from "../../test/harness/pki";

/** Per-request bound: a request without an answer by then counts as a timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface Resp {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  close: boolean;
}
export type Outcome = { kind: "response"; resp: Resp } | { kind: "closed" } | { kind: "timeout" } | { kind: "error"; code: string };

/** Incremental HTTP/1.1 response parser (Content-Length, chunked, or until close). */
export class ResponseParser {
  buf: Buffer = Buffer.alloc(0);
  constructor(readonly head: boolean) {}
  push(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
  }
  /** A complete response, or null; `eof` = the peer closed. */
  take(eof: boolean): Resp | null {
    for (;;) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return null;
      const lines = this.buf.subarray(0, end).toString("latin1").split("\r\n");
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? "");
      if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0]?.slice(0, 80))}`);
      const status = Number(m[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = this.buf.subarray(end + 4);
      if (status >= 100 && status < 200) {
        this.buf = rest; // 100 Continue etc.: skip
        continue;
      }
      const close = /close/i.test(headers["connection"] ?? "");
      if (this.head || status === 204 || status === 304) {
        this.buf = rest;
        return { status, headers, body: Buffer.alloc(0), close };
      }
      if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
        const chunks: Buffer[] = [];
        let p = 0;
        for (;;) {
          const le = rest.indexOf("\r\n", p);
          if (le < 0) return null;
          const size = parseInt(rest.subarray(p, le).toString("latin1"), 16);
          if (Number.isNaN(size)) throw new Error("bad chunk size");
          if (size === 0) {
            const te = rest.indexOf("\r\n", le + 2);
            if (te < 0) return null;
            this.buf = rest.subarray(te + 2);
            return { status, headers, body: Buffer.concat(chunks), close };
          }
          if (rest.length < le + 2 + size + 2) return null;
          chunks.push(rest.subarray(le + 2, le + 2 + size));
          p = le + 2 + size + 2;
        }
      }
      if (headers["content-length"] !== undefined) {
        const n = Number(headers["content-length"]);
        if (rest.length < n) return null;
        this.buf = rest.subarray(n);
        return { status, headers, body: rest.subarray(0, n), close };
      }
      if (!eof) return null;
      this.buf = Buffer.alloc(0);
      return { status, headers, body: rest, close: true };
    }
  }
}

export type Target = "public" | "aggregator";
export interface Endpoint {
  port: number;
  tls?: { ca: string; cert: string; key: string };
}

function openSocket(ep: Endpoint): Socket {
  const s = ep.tls
    ? tlsConnect({ host: "127.0.0.1", port: ep.port, servername: SVC_NAME, ca: ep.tls.ca, cert: ep.tls.cert, key: ep.tls.key, minVersion: "TLSv1.2" })
    : netConnect({ host: "127.0.0.1", port: ep.port });
  s.setNoDelay(true);
  return s;
}

/** One keep-alive connection that carries well-framed requests one at a time. */
export class Conn {
  #sock: Socket | null = null;
  #parser: ResponseParser | null = null;
  #waiter: ((o: Outcome) => void) | null = null;
  #eof = false;
  constructor(readonly ep: Endpoint) {}

  #open() {
    const s = openSocket(this.ep);
    this.#eof = false;
    // Events of a socket that is no longer the current one (closed after a response) must not touch the next request.
    const current = () => this.#sock === s;
    s.on("data", (d: Buffer) => {
      if (!current()) return;
      this.#parser?.push(d);
      this.#check(false);
    });
    const onEof = () => {
      if (!current()) return;
      this.#eof = true;
      this.#check(true);
    };
    s.on("end", onEof);
    s.on("close", onEof);
    s.on("error", (e: NodeJS.ErrnoException) => {
      s.destroy();
      if (!current()) return;
      const w = this.#waiter;
      this.#waiter = null;
      this.#sock = null;
      w?.({ kind: "error", code: e.code ?? e.message });
    });
    this.#sock = s;
  }

  #check(eof: boolean) {
    if (!this.#waiter || !this.#parser) return;
    let resp: Resp | null;
    try {
      resp = this.#parser.take(eof);
    } catch (e) {
      const w = this.#waiter;
      this.#waiter = null;
      this.#sock?.destroy();
      this.#sock = null;
      w({ kind: "error", code: `parse: ${(e as Error).message}` });
      return;
    }
    if (resp) {
      const w = this.#waiter;
      this.#waiter = null;
      if (resp.close || eof) {
        this.#sock?.destroy();
        this.#sock = null;
      }
      w({ kind: "response", resp });
    } else if (eof) {
      const w = this.#waiter;
      this.#waiter = null;
      this.#sock?.destroy();
      this.#sock = null;
      w({ kind: "closed" });
    }
  }

  /** True when the last send went over a connection that had already carried a request. */
  reused = false;

  send(raw: Buffer, head: boolean): Promise<Outcome> {
    this.reused = !!this.#sock && !this.#eof && !this.#sock.destroyed;
    if (!this.reused) {
      this.#sock?.destroy();
      this.#open();
    }
    const sock = this.#sock!;
    this.#parser = new ResponseParser(head);
    return new Promise<Outcome>((res) => {
      const timer = setTimeout(() => {
        if (this.#waiter) {
          this.#waiter = null;
          sock.destroy();
          if (this.#sock === sock) this.#sock = null;
          res({ kind: "timeout" });
        }
      }, REQUEST_TIMEOUT_MS);
      this.#waiter = (o) => {
        clearTimeout(timer);
        res(o);
      };
      sock.write(raw);
    });
  }

  close() {
    this.#sock?.destroy();
    this.#sock = null;
  }
}

/** A throw-away connection for requests whose framing is itself broken: write, half-close, read one response. */
export function sendFresh(ep: Endpoint, raw: Buffer, head: boolean): Promise<Outcome> {
  return new Promise((res) => {
    const parser = new ResponseParser(head);
    const s = openSocket(ep);
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      res(o);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), REQUEST_TIMEOUT_MS);
    const check = (eof: boolean) => {
      try {
        const r = parser.take(eof);
        if (r) finish({ kind: "response", resp: r });
        else if (eof) finish(parser.buf.length ? { kind: "error", code: "truncated response" } : { kind: "closed" });
      } catch (e) {
        finish({ kind: "error", code: `parse: ${(e as Error).message}` });
      }
    };
    s.on("data", (d: Buffer) => {
      parser.push(d);
      check(false);
    });
    s.on("end", () => check(true));
    s.on("close", () => check(true));
    s.on("error", (e: NodeJS.ErrnoException) => {
      // The server may answer and reset before we finished writing a huge body: keep what we got.
      if (parser.buf.length) check(true);
      finish({ kind: "error", code: e.code ?? e.message });
    });
    const ready = ep.tls ? "secureConnect" : "connect";
    s.once(ready, () => {
      s.write(raw, () => {
        if (!done) s.end();
      });
    });
  });
}
