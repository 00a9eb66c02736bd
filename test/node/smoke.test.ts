import { it, expect } from "vitest";
it("node works", () => { expect(process.version.startsWith("v20")).toBe(true); });
