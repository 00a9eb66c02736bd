/**
 * The byte-level half of the text exposition parser (prometheus/common expfmt/text_parse.go v0.63.0):
 * reading the input a byte at a time as bufio.Reader.ReadByte does (at the end the byte is 0 and the error
 * io.EOF), the token readers, and ParseError with upstream's message format. The state machine in
 * exposition-text-parser.ts drives it; the two share state through protected fields, like the single Go
 * struct they come from.
 *
 * Tokens are collected as bytes and read out as byte strings (one char per byte, see go-bytes.ts).
 */
import { bytesToByteString, goCharOfByte, goQuote } from "./go-bytes";

/** io.EOF. */
export const EOF = Symbol("io.EOF");

/** expfmt.ParseError. */
export class ParseError extends Error {
  constructor(line: number, msg: string) {
    super(`text format parsing error in line ${line}: ${msg}`);
  }
}

export const isBlankOrTab = (b: number) => b === 0x20 || b === 0x09;
const isValidLabelNameStart = (b: number) =>
  (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f || b === 0x22;
// In upstream the quoted case is `utf8.ValidString(string(b))` of a byte, which is always true.
const isValidLabelNameContinuation = (b: number, quoted: boolean) =>
  isValidLabelNameStart(b) || (b >= 0x30 && b <= 0x39) || quoted;
const isValidMetricNameStart = (b: number) => isValidLabelNameStart(b) || b === 0x3a;
const isValidMetricNameContinuation = (b: number, quoted: boolean) =>
  isValidLabelNameContinuation(b, quoted) || b === 0x3a;

/** currentToken: a reusable byte buffer, read out as a byte string. */
class Token {
  private buf = new Uint8Array(64);
  length = 0;
  reset() {
    this.length = 0;
  }
  push(b: number) {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
  }
  toString(): string {
    return bytesToByteString(this.buf.subarray(0, this.length));
  }
}

export class TextLexer {
  private pos = 0;
  private currentByte = 0;
  protected err: Error | typeof EOF | null = null;
  protected lineCount = 0;
  protected readonly currentToken = new Token();

  constructor(private readonly input: Uint8Array) {}

  protected readByte() {
    if (this.pos < this.input.length) {
      this.currentByte = this.input[this.pos++];
      this.err = null;
    } else {
      this.currentByte = 0;
      this.err = EOF;
    }
  }

  /** The most recent byte read (a method, so TypeScript does not narrow it across reads). */
  protected byte(): number {
    return this.currentByte;
  }

  protected parseError(msg: string) {
    this.err = new ParseError(this.lineCount, msg);
  }


  protected skipBlankTab() {
    do this.readByte();
    while (this.err === null && isBlankOrTab(this.byte()));
  }

  protected skipBlankTabIfCurrentBlankTab() {
    if (isBlankOrTab(this.byte())) this.skipBlankTab();
  }

  /** From the current byte up to (not including) a blank, tab or newline, which is left current. */
  protected readTokenUntilWhitespace() {
    this.currentToken.reset();
    while (this.err === null && !isBlankOrTab(this.byte()) && this.byte() !== 0x0a) {
      this.currentToken.push(this.byte());
      this.readByte();
    }
  }

  /**
   * From the current byte up to the newline. With escapes, `\\`, `\n` and `\"` are recognised and any
   * other is an error; without, a backslash is dropped (upstream behaviour for TYPE lines and the rest
   * of a sample line after its timestamp).
   */
  protected readTokenUntilNewline(recognizeEscapeSequence: boolean) {
    this.currentToken.reset();
    let escaped = false;
    while (this.err === null) {
      const b = this.byte();
      if (recognizeEscapeSequence && escaped) {
        if (b === 0x5c || b === 0x22) this.currentToken.push(b);
        else if (b === 0x6e) this.currentToken.push(0x0a);
        else {
          this.parseError(`invalid escape sequence '\\${goCharOfByte(b)}'`);
          return;
        }
        escaped = false;
      } else if (b === 0x0a) {
        return;
      } else if (b === 0x5c) {
        escaped = true;
      } else {
        this.currentToken.push(b);
      }
      this.readByte();
    }
  }

  protected readTokenAsMetricName() {
    this.readTokenAsName("metric name", isValidMetricNameStart, isValidMetricNameContinuation, 0x20);
  }

  protected readTokenAsLabelName() {
    this.readTokenAsName("label name", isValidLabelNameStart, isValidLabelNameContinuation, 0x3d);
  }

  /**
   * readTokenAsMetricName / readTokenAsLabelName: a legacy name, or a name in double quotes with `\\`,
   * `\n` and `\"` escapes. The byte after the name is left current.
   */
  private readTokenAsName(
    what: string,
    isStart: (b: number) => boolean,
    isContinuation: (b: number, quoted: boolean) => boolean,
    unquotedStop: number,
  ) {
    this.currentToken.reset();
    let quoted = false;
    let escaped = false;
    if (!isStart(this.byte())) return;
    while (this.err === null) {
      const b = this.byte();
      if (escaped) {
        if (b === 0x5c || b === 0x22) this.currentToken.push(b);
        else if (b === 0x6e) this.currentToken.push(0x0a);
        else {
          this.parseError(`invalid escape sequence '\\${goCharOfByte(b)}'`);
          return;
        }
        escaped = false;
      } else if (b === 0x22) {
        quoted = !quoted;
        if (!quoted) {
          this.readByte();
          return;
        }
      } else if (b === 0x0a) {
        this.parseError(`${what} ${goQuote(this.currentToken.toString())} contains unescaped new-line`);
        return;
      } else if (b === 0x5c) {
        escaped = true;
      } else {
        this.currentToken.push(b);
      }
      this.readByte();
      if (!isContinuation(this.byte(), quoted) || (!quoted && this.byte() === unquotedStop)) return;
    }
  }

  /** The bytes after the opening quote (the current byte) up to the closing quote, which is left current. */
  protected readTokenAsLabelValue() {
    this.currentToken.reset();
    let escaped = false;
    for (;;) {
      this.readByte();
      if (this.err !== null) return;
      const b = this.byte();
      if (escaped) {
        if (b === 0x22 || b === 0x5c) this.currentToken.push(b);
        else if (b === 0x6e) this.currentToken.push(0x0a);
        else {
          // Upstream also drops the line's label pairs here; parsing ends with this error either way.
          this.parseError(`invalid escape sequence '\\${goCharOfByte(b)}'`);
          return;
        }
        escaped = false;
        continue;
      }
      if (b === 0x22) return;
      if (b === 0x0a) {
        this.parseError(`label value ${goQuote(this.currentToken.toString())} contains unescaped new-line`);
        return;
      }
      if (b === 0x5c) escaped = true;
      else this.currentToken.push(b);
    }
  }

}
