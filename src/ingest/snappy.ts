/**
 * Snappy block-format decompression (google/snappy format_description.txt), bounded before any work: the
 * uncompressed length in the block's varint header is checked against the caller's limit first, the output
 * buffer is allocated at exactly that length, and every element is checked against it, so a small body can
 * never expand beyond the limit nor run for longer than a pass over its own bytes (each element writes at
 * most 64 bytes).
 *
 * Why not snappyjs' `uncompress` (a dependency, used by the tests to compress): 0.7.0 never checks that the
 * output fills exactly the declared length (short or overlong streams decode silently, truncated or
 * zero-padded), and a literal whose 4-byte length is negative moves its read position backwards, so a
 * 6-byte body loops forever. This decoder follows golang/snappy `decode_other.go` (the reference Go
 * implementation Prometheus' receiver relies on), plus the 4-byte-offset copy the format defines.
 */
import { MetricsError } from "../domain/errors";

/** The framing format's stream identifier chunk (framing_format.txt, section 4.1). */
const FRAMED_MAGIC = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59];

function corrupt(detail: string): MetricsError {
  return new MetricsError("BadRequest", `snappy: corrupt input (${detail}); the body must be one snappy block-format buffer`);
}

/** The uncompressed length the block header declares, and the header's size in bytes. */
export function snappyDecodedLength(src: Uint8Array): { length: number; headerBytes: number } {
  // A little-endian base-128 varint of at most 32 bits (golang/snappy decodedLen: > 0xffffffff is corrupt).
  let length = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= src.length) throw corrupt("the length header is truncated");
    const b = src[i];
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length > 0xffffffff) throw corrupt("the length header exceeds 32 bits");
      return { length, headerBytes: i + 1 };
    }
  }
  throw corrupt("the length header exceeds 32 bits");
}

/**
 * Decompresses one snappy block. Throws RequestEntityTooLarge when the declared length exceeds `maxBytes`
 * (nothing is allocated), BadRequest when the block is corrupt.
 */
export function decompressSnappy(src: Uint8Array, maxBytes: number): Uint8Array {
  if (src.length >= FRAMED_MAGIC.length && FRAMED_MAGIC.every((b, i) => src[i] === b)) {
    throw new MetricsError(
      "BadRequest",
      "snappy: the body uses the framed (stream) format; remote write requires the block format (Content-Encoding: snappy)",
    );
  }
  const { length, headerBytes } = snappyDecodedLength(src);
  if (length > maxBytes) {
    throw new MetricsError(
      "RequestEntityTooLarge",
      `snappy: the body decompresses to ${length} bytes, more than the limit of ${maxBytes} bytes; send smaller batches`,
    );
  }
  const dst = new Uint8Array(length);
  let s = headerBytes;
  let d = 0;
  while (s < src.length) {
    const tag = src[s];
    if ((tag & 0x03) === 0) {
      // Literal: the length minus one is in the tag's upper six bits, or in the 1-4 bytes after it.
      let n = tag >>> 2;
      if (n < 60) {
        s += 1;
      } else {
        const extra = n - 59;
        if (s + 1 + extra > src.length) throw corrupt(`a literal's length runs past the end at byte ${s}`);
        n = 0;
        for (let i = extra; i >= 1; i--) n = n * 256 + src[s + i];
        s += 1 + extra;
      }
      const len = n + 1;
      if (len > length - d) throw corrupt(`a literal at byte ${s} writes past the declared length ${length}`);
      if (len > src.length - s) throw corrupt(`a literal at byte ${s} runs past the end of the input`);
      dst.set(src.subarray(s, s + len), d);
      d += len;
      s += len;
      continue;
    }
    let len: number;
    let offset: number;
    switch (tag & 0x03) {
      case 1:
        if (s + 2 > src.length) throw corrupt(`a copy at byte ${s} is truncated`);
        len = 4 + ((tag >>> 2) & 0x07);
        offset = ((tag & 0xe0) << 3) | src[s + 1];
        s += 2;
        break;
      case 2:
        if (s + 3 > src.length) throw corrupt(`a copy at byte ${s} is truncated`);
        len = 1 + (tag >>> 2);
        offset = src[s + 1] | (src[s + 2] << 8);
        s += 3;
        break;
      default:
        if (s + 5 > src.length) throw corrupt(`a copy at byte ${s} is truncated`);
        len = 1 + (tag >>> 2);
        // >>> 0 keeps the 32-bit offset unsigned.
        offset = (src[s + 1] | (src[s + 2] << 8) | (src[s + 3] << 16) | (src[s + 4] << 24)) >>> 0;
        s += 5;
    }
    if (offset === 0 || offset > d) throw corrupt(`a copy at byte ${s} refers to offset ${offset} before the start of the output`);
    if (len > length - d) throw corrupt(`a copy at byte ${s} writes past the declared length ${length}`);
    if (offset >= len) {
      dst.copyWithin(d, d - offset, d - offset + len);
      d += len;
    } else {
      // Overlapping copy: a run that repeats the last `offset` bytes, which must be copied forwards.
      for (const end = d + len; d < end; d++) dst[d] = dst[d - offset];
    }
  }
  if (d !== length) throw corrupt(`the block holds ${d} bytes but its header declares ${length}`);
  return dst;
}
