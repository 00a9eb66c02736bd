/**
 * Input limits that keep the work of one request bounded, so no credential — not even a read-only one —
 * can tie up the single workerd thread, memory or disk. Each refusal names the limit it hit.
 */

/**
 * Characters in a quantity. apimachinery documents that "no quantity may represent a number greater than
 * 2^63-1 in magnitude, nor may it have more than 3 decimal places" (kubernetes/kubernetes
 * staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go, the Quantity type's comment), and the HPA
 * reads every value as an int64 MilliValue: 19 integer digits, 3 decimals, a sign, a point and a suffix or
 * exponent fit in well under 64 characters. Longer input can only be padding, and parsing it costs CPU
 * in proportion to its length.
 */
export const MAX_QUANTITY_CHARS = 64;

/** Nesting of a JSON write body: a batch array, its sample objects, their label objects — 3 levels suffice. */
export const MAX_JSON_DEPTH = 8;

export function quantityLengthProblem(text: string): string | null {
  return text.length > MAX_QUANTITY_CHARS
    ? `quantity is ${text.length} characters long; at most ${MAX_QUANTITY_CHARS} are accepted (apimachinery quantities are bounded by 2^63-1 with 3 decimals)`
    : null;
}

/**
 * The deepest nesting of arrays and objects in a JSON text, scanning at most up to `max + 1` levels (strings
 * are skipped, so brackets inside them do not count). Linear in the text, no allocation.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}
