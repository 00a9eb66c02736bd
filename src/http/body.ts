/**
 * Reads a request body as text with a hard byte limit that also applies after gzip decompression (so a
 * small compressed bomb cannot exhaust memory), answering 413/415 Status for what it cannot take.
 */
import { MetricsError } from "../domain/errors";

export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return "";
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  let stream: ReadableStream<Uint8Array> = request.body;
  if (encoding === "gzip" || encoding === "x-gzip") stream = stream.pipeThrough(new DecompressionStream("gzip"));
  else if (encoding === "deflate") stream = stream.pipeThrough(new DecompressionStream("deflate"));
  else if (encoding !== "identity" && encoding !== "") {
    throw new MetricsError("UnsupportedMediaType", `unsupported Content-Encoding "${encoding}": use gzip, deflate or none`);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof MetricsError) throw e;
    throw new MetricsError("BadRequest", `the request body could not be read${encoding !== "identity" ? ` as ${encoding}` : ""}: ${(e as Error).message}`);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new MetricsError("BadRequest", "the request body is not valid UTF-8");
  }
}

function tooLarge(maxBytes: number): MetricsError {
  return new MetricsError("RequestEntityTooLarge", `the request body exceeds ${maxBytes} bytes (after decompression); split it into smaller batches`);
}
