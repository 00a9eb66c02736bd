/**
 * Request bodies, read with a hard byte budget that holds *while* decompressing: a 1 MiB gzip body that
 * would expand to 1 GiB is refused after at most the budget (plus one small step) has been produced, never
 * after materialising the rest.
 *
 * Why not the runtime's DecompressionStream: workerd's implementation inflates whatever it is given ahead
 * of the reader, ignoring backpressure, so cancelling at the budget comes too late (a 1 MiB bomb took the
 * process past 1.3 GB RSS in a probe). fflate's synchronous inflaters are fed here in small slices instead;
 * deflate's maximum expansion (about 1032:1, RFC 1951 §3.2.5 block limits) bounds what one slice can produce.
 *
 * Refusals are Status errors: 413 naming the limit, 415 for an encoding we do not take, 400 for a body that
 * is not what its Content-Encoding says.
 */
import { Gunzip, Unzlib } from "fflate";
import { badRequest, MetricsError } from "../domain/errors";

/** Compressed bytes handed to the inflater per step: at most ~4 MiB of output per step. */
const INFLATE_SLICE = 4096;

export type BodyEncoding = "identity" | "gzip" | "deflate";

/** The Content-Encoding of a request, or a 415 naming the ones accepted. */
export function bodyEncoding(request: Request): BodyEncoding {
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return "identity";
  if (encoding === "gzip" || encoding === "x-gzip") return "gzip";
  if (encoding === "deflate") return "deflate";
  throw new MetricsError("UnsupportedMediaType", `unsupported Content-Encoding "${encoding}": use gzip, deflate or none`);
}

export function tooLarge(maxBytes: number, what = "the request body"): MetricsError {
  return new MetricsError("RequestEntityTooLarge", `${what} exceeds ${maxBytes} bytes (after decompression); split it into smaller requests`);
}

/** Reads the raw (still encoded) body, refusing as soon as it passes `maxBytes`. */
export async function readRawBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  if (Number.isFinite(declared)) {
    // A declared length within the limit: the runtime enforces it, so one native read is both safe and cheap.
    try {
      return new Uint8Array(await request.arrayBuffer());
    } catch (e) {
      throw badRequest(`the request body could not be read: ${(e as Error).message}`);
    }
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof MetricsError) throw e;
    throw badRequest(`the request body could not be read: ${(e as Error).message}`);
  }
  return concat(chunks, total);
}

/** Inflates `data` (gzip or zlib-wrapped deflate), refusing once the output passes `maxBytes`. */
export function inflateBounded(data: Uint8Array, encoding: "gzip" | "deflate", maxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const onData = (chunk: Uint8Array) => {
    total += chunk.byteLength;
    if (total > maxBytes) over = true;
    else chunks.push(chunk);
  };
  const inflater = encoding === "gzip" ? new Gunzip(onData) : new Unzlib(onData);
  try {
    if (data.byteLength === 0) inflater.push(data, true);
    for (let i = 0; i < data.byteLength && !over; i += INFLATE_SLICE) {
      const end = Math.min(i + INFLATE_SLICE, data.byteLength);
      inflater.push(data.subarray(i, end), end === data.byteLength);
    }
  } catch (e) {
    throw badRequest(`the request body is not valid ${encoding} data: ${(e as Error).message}`);
  }
  if (over) throw tooLarge(maxBytes);
  return concat(chunks, total);
}

/** The decoded body bytes: raw body under the budget, then inflated under the same budget. */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const encoding = bodyEncoding(request);
  const raw = await readRawBody(request, maxBytes);
  return encoding === "identity" ? raw : inflateBounded(raw, encoding, maxBytes);
}

/** The decoded body as UTF-8 text (a leading BOM is dropped, as TextDecoder does by default). */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(request, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest("the request body is not valid UTF-8");
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
