/** Loopback helpers shared by the CLI, the node tests and the benches. */
import { connect as netConnect, createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** `n` distinct TCP ports on 127.0.0.1 that were free a moment ago (all held open until each is known). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<ReturnType<typeof createServer>>((res, rej) => {
        const s = createServer();
        s.on("error", rej);
        s.listen(0, "127.0.0.1", () => res(s));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Whether something accepts TCP connections on host:port (default 127.0.0.1). */
export function tcpOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((res) => {
    const s = netConnect({ host, port }, () => {
      s.destroy();
      res(true);
    });
    s.on("error", () => res(false));
  });
}

/**
 * Whether host:port can be bound right now ("in use" when something listens there). Any other failure
 * (an address this machine does not have) is thrown: it is a different mistake with a different fix.
 */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? res(false) : rej(e)));
    s.listen({ host, port, exclusive: true }, () => s.close(() => res(true)));
  });
}
