import { exports } from "cloudflare:workers";
import { it, expect } from "vitest";
it("answers", async () => { expect(await (await exports.default.fetch("https://x/")).text()).toBe("ok"); });
