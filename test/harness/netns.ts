/**
 * A test host with an address of its own: a network namespace joined to this one by a veth pair, for what
 * refuses loopback addresses (an EndpointSlice). Processes run inside with `ip netns exec NAME …` (the
 * `wrapper` of startWorkerd); this side reaches them at `peer`, and they reach this side at `local`.
 *
 * The addresses come from 198.18.0.0/15 (RFC 2544, set aside for benchmarking tests), one /30 per namespace,
 * picked at random among those no interface here uses, so concurrent runs do not collide. Needs root and
 * iproute2. `remove()` deletes the namespace, which takes the veth pair with it; it runs at cleanup too.
 */
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";

export interface NetnsHost {
  name: string;
  /** The address inside the namespace. */
  peer: string;
  /** This side's address of the veth pair. */
  local: string;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const live = new Set<NetnsHost>();
process.on("exit", () => {
  for (const h of live) h.remove();
});

export function createNetnsHost(label: string): NetnsHost {
  if (process.getuid?.() !== 0) throw new Error("a network namespace test host needs root (ip netns add)");
  try {
    ip("-V");
  } catch {
    throw new Error("iproute2 is required for a network namespace test host (Debian: apt-get install iproute2)");
  }
  const used = ip("-o", "-4", "addr", "show");
  const at = (offset: number) => `198.${18 + (offset >> 16)}.${(offset >> 8) & 255}.${offset & 255}`;
  let offset = 0;
  for (let i = 0; i < 50 && (offset === 0 || used.includes(` ${at(offset + 1)}/`)); i++) offset = randomInt(1, 1 << 15) * 4; // a /30, never the first
  const [local, peer] = [at(offset + 1), at(offset + 2)];
  const id = `${process.pid % 100000}${randomInt(100, 1000)}`;
  const name = `ema-${label}-${id}`;
  const [hostIf, nsIf] = [`emh${id}`, `emn${id}`]; // interface names: at most 15 characters
  const host: NetnsHost = {
    name,
    peer,
    local,
    remove() {
      if (!live.delete(host)) return;
      try {
        ip("netns", "del", name);
      } catch {
        /* already gone */
      }
      try {
        ip("link", "del", hostIf);
      } catch {
        /* removed with the namespace */
      }
    },
  };
  live.add(host);
  try {
    ip("netns", "add", name);
    ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
    ip("link", "set", nsIf, "netns", name);
    ip("addr", "add", `${local}/30`, "dev", hostIf);
    ip("link", "set", hostIf, "up");
    ip("-n", name, "addr", "add", `${peer}/30`, "dev", nsIf);
    ip("-n", name, "link", "set", nsIf, "up");
    ip("-n", name, "link", "set", "lo", "up");
  } catch (e) {
    host.remove();
    throw new Error(`could not create the network namespace ${name}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  return host;
}
