/** Write tokens for tests and benchmarks, made exactly as `cli token create` makes them (cli/token.ts). */
import { createToken } from "../../cli/token";
import type { Operation } from "../../src/auth/tokens";

export interface TokenDef {
  name: string;
  namespaces: string[];
  metrics?: string[];
  operations?: Operation[];
}

export interface Tokens {
  /** Bearer token by name. */
  token: Record<string, string>;
  /** The WRITE_TOKENS JSON array (hashes only). */
  writeTokens: string;
}

export async function makeTokens(defs: TokenDef[]): Promise<Tokens> {
  const token: Record<string, string> = {};
  const entries = [];
  for (const d of defs) {
    const t = await createToken(d);
    token[d.name] = t.token;
    entries.push(t.entry);
  }
  return { token, writeTokens: JSON.stringify(entries) };
}
