/**
 * An OTLP AnyValue as a label value, the way Prometheus' OTLP receiver writes it (it calls pdata's
 * `Value.AsString()`, go.opentelemetry.io/collector/pdata pcommon/value.go): strings as they are, booleans
 * and integers in decimal, doubles as ECMAScript would print them (NaN, Infinity, -Infinity), bytes in
 * standard base64, arrays and key-value lists as compact JSON (object keys sorted, as Go's encoding/json
 * sorts map keys; a non-finite double inside makes Go's encoder fail, which AsString turns into "").
 * Nesting deeper than 32 levels is refused: no sender means it, and it would let a body recurse the decoder.
 */
import type { AnyValue, KeyValue } from "../gen/opentelemetry-proto/opentelemetry/proto/common/v1/common_pb";

export const MAX_VALUE_DEPTH = 32;

export class ValueTooDeep extends Error {}

export function anyValueToString(v: AnyValue | undefined): string {
  const value = v?.value;
  switch (value?.case) {
    case "stringValue":
      return value.value;
    case "boolValue":
      return value.value ? "true" : "false";
    case "intValue":
      return value.value.toString();
    case "doubleValue":
      return String(value.value);
    case "bytesValue":
      return base64(value.value);
    case "arrayValue":
    case "kvlistValue": {
      const json = toJson(v, 0);
      return json ?? "";
    }
    default:
      // Unset, or string_value_strindex (a profiling-only reference that other signals must treat as absent).
      return "";
  }
}

// Compact JSON of AnyValue.AsRaw(), or null where Go's encoder would fail (a NaN or infinite double).
function toJson(v: AnyValue | undefined, depth: number): string | null {
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeep(`an attribute value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const value = v?.value;
  switch (value?.case) {
    case "stringValue":
      return jsonString(value.value);
    case "boolValue":
      return value.value ? "true" : "false";
    case "intValue":
      return value.value.toString();
    case "doubleValue":
      return Number.isFinite(value.value) ? JSON.stringify(value.value) : null;
    case "bytesValue":
      return jsonString(base64(value.value));
    case "arrayValue": {
      const parts: string[] = [];
      for (const item of value.value.values) {
        const part = toJson(item, depth + 1);
        if (part === null) return null;
        parts.push(part);
      }
      return `[${parts.join(",")}]`;
    }
    case "kvlistValue": {
      // Go maps: the last of repeated keys wins, keys are written sorted.
      const entries = new Map<string, AnyValue | undefined>();
      for (const kv of value.value.values as KeyValue[]) entries.set(kv.key, kv.value);
      const parts: string[] = [];
      for (const key of [...entries.keys()].sort()) {
        const part = toJson(entries.get(key), depth + 1);
        if (part === null) return null;
        parts.push(`${jsonString(key)}:${part}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      return "null";
  }
}

// JSON.stringify, plus the two escapes Go's encoder always applies (U+2028, U+2029).
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(binary);
}
