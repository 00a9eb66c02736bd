/**
 * Label sets as the store keeps them in text columns, and one memo to turn that text back into objects.
 * Two encodings exist on disk and both stay readable: metric labels in canonical pair form
 * (`[["k","v"]]`, domain/metric.ts canonicalLabels — order-independent, the series identity) and object
 * labels as a JSON object (`{"k":"v"}`). Pods of one workload share a handful of label sets, so parsing once
 * per distinct text keeps a thousand-pod read from parsing a thousand times. Results are shared: never mutate.
 */
import type { Labels } from "../domain/metric";

export class LabelTextMemo {
  readonly #parsed = new Map<string, Labels>();
  constructor(private readonly capacity = 20_000) {}

  parse(text: string): Labels {
    let labels = this.#parsed.get(text);
    if (labels === undefined) {
      labels = parseLabelText(text);
      if (this.#parsed.size >= this.capacity) this.#parsed.clear();
      this.#parsed.set(text, labels);
    }
    return labels;
  }
}

export function parseLabelText(text: string): Labels {
  if (text.startsWith("[")) {
    const out: Record<string, string> = {};
    for (const [k, v] of JSON.parse(text) as [string, string][]) out[k] = v;
    return out;
  }
  return JSON.parse(text) as Labels;
}

/** Object labels' stored form. */
export const objectLabelText = (labels: Labels): string => JSON.stringify(labels);
