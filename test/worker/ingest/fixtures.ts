// Shared builders for the ingestion decoder tests: bodies encoded with the generated code (the schema of
// record), snappy via snappyjs (an independent implementation of the format), NaN bit patterns written into
// the wire bytes, hand-written wire fields, and a seeded PRNG for the fuzz passes.
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import snappy from "snappyjs";
import { expect } from "vitest";
import { MetricsError, type MetricsErrorReason } from "../../../src/domain/errors";
import { WriteRequestSchema } from "../../../src/ingest/gen/prometheus/remote_pb";
import { RequestSchema } from "../../../src/ingest/gen/prometheus/io/prometheus/write/v2/types_pb";

export const STALE_NAN_BITS = 0x7ff0000000000002n;

/**
 * Replaces, in an encoded body, every little-endian double equal to `sentinel` with the 64-bit pattern
 * `bits`. Needed because a NaN's payload cannot be carried through JavaScript reliably: V8 canonicalises
 * NaNs stored in double arrays (observed in workerd), so a fixture encodes a sentinel and writes the NaN
 * bits into the wire bytes afterwards. Throws if the sentinel is absent, so a test cannot pass vacuously.
 */
export function patchDouble(body: Uint8Array, sentinel: number, bits: bigint): Uint8Array {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, sentinel, true);
  view.setBigUint64(8, bits, true);
  const from = new Uint8Array(view.buffer, 0, 8);
  const to = new Uint8Array(view.buffer, 8, 8);
  const out = body.slice();
  let found = 0;
  for (let i = 0; i + 8 <= out.length; i++) {
    if (from.every((b, k) => out[i + k] === b)) {
      out.set(to, i);
      found++;
    }
  }
  if (found === 0) throw new Error(`sentinel ${sentinel} not found in the body`);
  return out;
}

export function compress(bytes: Uint8Array): Uint8Array {
  return snappy.compress(bytes);
}

export function writeRequestV1(init: MessageInitShape<typeof WriteRequestSchema>): Uint8Array {
  return toBinary(WriteRequestSchema, create(WriteRequestSchema, init));
}

export function requestV2(init: MessageInitShape<typeof RequestSchema>): Uint8Array {
  return toBinary(RequestSchema, create(RequestSchema, init));
}

/** Interns strings into a remote write 2.0 symbols table that starts with "" as the spec asks. */
export function symbolTable() {
  const symbols = [""];
  const index = new Map<string, number>([["", 0]]);
  const ref = (s: string) => {
    let k = index.get(s);
    if (k === undefined) {
      k = symbols.length;
      symbols.push(s);
      index.set(s, k);
    }
    return k;
  };
  const refs = (labels: Record<string, string>) => Object.entries(labels).flatMap(([n, v]) => [ref(n), ref(v)]);
  return { symbols, ref, refs };
}

/** Concatenates byte arrays (hand-written wire fixtures). */
export function bytes(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  const flat: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") flat.push(p);
    else flat.push(...p);
  }
  return new Uint8Array(flat);
}

export const utf8 = (s: string) => new TextEncoder().encode(s);

/** A protobuf length-delimited field: tag (field << 3 | 2), varint length, payload. */
export function lenField(field: number, payload: Uint8Array | number[]): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  return bytes(varint((field << 3) | 2), varint(body.length), body);
}

export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

/** Runs `f` and returns the MetricsError it throws, failing the test if it throws anything else or nothing. */
export function refusal(f: () => unknown, reason: MetricsErrorReason = "BadRequest"): MetricsError {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MetricsError)) throw e;
    expect(e.reason, e.message).toBe(reason);
    return e;
  }
  throw new Error("expected a MetricsError, nothing was thrown");
}

/** mulberry32: small, seeded, good enough to make fuzz inputs reproducible. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  /** Flips, overwrites, inserts, deletes or duplicates a few bytes of `body`. */
  const mutate = (body: Uint8Array): Uint8Array => {
    const out = Array.from(body);
    const edits = 1 + int(4);
    for (let e = 0; e < edits; e++) {
      const at = int(out.length + 1);
      switch (int(5)) {
        case 0:
          if (at < out.length) out[at] ^= 1 << int(8);
          break;
        case 1:
          if (at < out.length) out[at] = int(256);
          break;
        case 2:
          out.splice(at, 0, int(256));
          break;
        case 3:
          out.splice(at, 1 + int(8));
          break;
        default:
          out.splice(at, 0, ...out.slice(int(out.length + 1), int(out.length + 1)));
      }
    }
    return Uint8Array.from(out);
  };
  return { next, int, randomBytes, mutate };
}

/** Decodes with `f` and fails unless it returns or throws a MetricsError. */
export function onlyMetricsErrors(f: () => unknown): "ok" | "refused" {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof MetricsError) return "refused";
    throw new Error(`a decoder threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a MetricsError`);
  }
}
