/**
 * A strict protobuf wire reader for the decoders that walk messages by hand (remote write, the hot path),
 * and the error plumbing every binary decoder shares.
 *
 * Why by hand for remote write rather than the generated code's `fromBinary`: (1) the staleness marker is a
 * NaN bit pattern, and ECMA-262 leaves NaN payloads to the engine: V8 quiets the marker (a signalling NaN)
 * to 0x7ff8000000000002 as soon as it is stored in a double array (observed in workerd), and although
 * `fromBinary` in @bufbuild/protobuf 2.17 happened to keep it in a message field, nothing guarantees that,
 * so the marker is read from the 8 wire bytes; (2) `fromBinary` ignores a field's wire type (a double sent as a varint decodes as 8
 * unrelated bytes) and does not check that a sub-message ends at its declared length, so a side pass over
 * the raw bytes could not be kept in step with it on malformed input; (3) a UTF-8 error must name the series
 * it is in, which `fromBinary` cannot report. This reader checks every wire type and boundary, reads 64-bit
 * integers straight into numbers (no BigInt per sample), and decodes strings leniently while recording
 * whether they were valid UTF-8, so the caller can say which label was not. The generated code remains the
 * schema of record: the tests encode with it and check the hand-written decoders against it.
 */
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { MetricsError } from "../domain/errors";

/** A malformed wire structure; decoders catch it and rethrow as BadRequest with their context. */
export class WireError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const WIRE_NAMES = ["varint", "i64", "len", "group start", "group end", "i32", "6", "7"];

/** Prometheus' staleness marker, little-endian as it travels in a protobuf double. */
const STALE_NAN_LE = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  field = 0;
  wireType = 0;
  /** Whether the last string() was valid UTF-8 (if not, it was decoded with U+FFFD replacements). */
  utf8Valid = true;
  private readonly view: DataView;
  // The two halves of the last varint, so 64-bit values need no BigInt.
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length, view?: DataView) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    // Sub-message readers share their parent's view: a DataView per message costs more than the message.
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** Reads the next field's tag into `field` and `wireType`. */
  tag(): void {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0) throw new WireError(`field tag at byte ${at} overflows 32 bits`);
    const tag = this.lo >>> 0;
    this.field = tag >>> 3;
    this.wireType = tag & 7;
    if (this.field === 0) throw new WireError(`field number 0 at byte ${at}`);
  }

  /** Throws unless the current field has the wire type its schema declares. */
  expect(wireType: number, name: string): void {
    if (this.wireType !== wireType) {
      throw new WireError(`field ${name} (${this.field}) has wire type ${WIRE_NAMES[this.wireType]}, expected ${WIRE_NAMES[wireType]}`);
    }
  }

  private varint(): void {
    let lo = 0;
    let hi = 0;
    const buf = this.buf;
    let pos = this.pos;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= this.end) throw new WireError(`truncated varint at byte ${this.pos}`);
      const b = buf[pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        if (shift === 63 && b > 1) throw new WireError(`varint at byte ${this.pos} overflows 64 bits`);
        this.pos = pos;
        this.lo = lo;
        this.hi = hi;
        return;
      }
    }
    throw new WireError(`varint at byte ${this.pos} is longer than 10 bytes`);
  }

  /** uint32 / enum / bool: the low 32 bits of the varint, as protobuf truncates them. */
  uint32(): number {
    this.varint();
    return this.lo >>> 0;
  }

  /** int64 as a number (exact within ±2^53, which every millisecond timestamp is). */
  int64(): number {
    this.varint();
    return (this.hi | 0) * 4294967296 + (this.lo >>> 0);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError(`truncated double at byte ${this.pos}`);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Whether the 8 bytes at the read position are the staleness marker (call before double()). */
  atStaleMarker(): boolean {
    if (this.pos + 8 > this.end) return false;
    for (let i = 0; i < 8; i++) if (this.buf[this.pos + i] !== STALE_NAN_LE[i]) return false;
    return true;
  }

  /** A length-delimited field's extent; the reader moves past it. */
  len(): { start: number; end: number } {
    const at = this.pos;
    const n = this.uint32();
    if (this.hi !== 0 || n > this.end - this.pos) throw new WireError(`length-delimited field at byte ${at} runs past the end of its message`);
    const start = this.pos;
    this.pos += n;
    return { start, end: this.pos };
  }

  /** A reader over the current length-delimited field (a sub-message). */
  message(): ProtoReader {
    const { start, end } = this.len();
    return new ProtoReader(this.buf, start, end, this.view);
  }

  string(): string {
    const { start, end } = this.len();
    return this.decodeString(start, end);
  }

  /**
   * Like string(), but returns `previous` when the bytes equal `previous`'s ASCII bytes: remote write 1.0
   * repeats the same label names and many values in every series, and comparing bytes is cheaper than
   * building the same string again.
   */
  stringLike(previous: string): string {
    const { start, end } = this.len();
    const n = end - start;
    if (n === previous.length) {
      const buf = this.buf;
      let i = 0;
      while (i < n && buf[start + i] < 0x80 && buf[start + i] === previous.charCodeAt(i)) i++;
      if (i === n) {
        this.utf8Valid = true;
        return previous;
      }
    }
    return this.decodeString(start, end);
  }

  private decodeString(start: number, end: number): string {
    const buf = this.buf;
    this.utf8Valid = true;
    if (end - start <= 64) {
      const codes = new Array<number>(end - start);
      let i = start;
      for (; i < end && buf[i] < 0x80; i++) codes[i - start] = buf[i];
      if (i === end) return String.fromCharCode.apply(null, codes);
    }
    const bytes = buf.subarray(start, end);
    try {
      return strictUtf8.decode(bytes);
    } catch {
      this.utf8Valid = false;
      return lenientUtf8.decode(bytes);
    }
  }

  /** Packed (len) or unpacked (varint) repeated uint32, appended to `into`. */
  repeatedUint32(into: number[], name: string): void {
    if (this.wireType === WIRE_VARINT) {
      into.push(this.uint32());
      return;
    }
    this.expect(WIRE_LEN, name);
    const { start, end } = this.len();
    const packed = new ProtoReader(this.buf, start, end, this.view);
    while (packed.more()) into.push(packed.uint32());
  }

  /** Skips the current field's value. Groups (proto2 only) are refused: no schema here uses them. */
  skip(): void {
    switch (this.wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw new WireError(`truncated i64 at byte ${this.pos}`);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.len();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw new WireError(`truncated i32 at byte ${this.pos}`);
        this.pos += 4;
        return;
      default:
        throw new WireError(`field ${this.field} has wire type ${WIRE_NAMES[this.wireType]}, which proto3 messages do not use`);
    }
  }
}

/**
 * `fromBinary` with every failure (truncation, bad tags, invalid UTF-8 in a proto3 string, recursion
 * limit) turned into a BadRequest that names the message expected.
 */
export function decodeMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array, what: string): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (e) {
    throw new MetricsError("BadRequest", `the body is not a valid ${what} protobuf message: ${errorText(e)}`);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
