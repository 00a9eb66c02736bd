/**
 * Counters served as per-second rates, computed the way PromQL's `rate()` computes them, so a counter pushed
 * here reads as `rate(x[window])` would in Prometheus. Port of prometheus/prometheus promql/functions.go
 * extrapolatedRate for float counters (v0.316.0), without start timestamps (no sender here gives them for
 * float samples we keep): the increase over the points in (at − range, at], counter resets added back (a
 * drop means the counter restarted from zero), extrapolated towards the range's edges as upstream does —
 * all the way when the first or last point is within 1.1 average intervals of the edge, half an interval
 * otherwise, and never below the counter's zero.
 *
 * The adapter evaluates it when a point arrives, at that point's time, so `at` is the newest point and the end
 * of the range needs no extrapolation. Limits, as in PromQL: fewer than two points in the range give no rate
 * (the first point of a series; a gap longer than the range).
 */
export type Point = readonly [timestampMs: number, value: number];

export interface RateResult {
  readonly perSecond: number;
  /** The span the points covered (last − first), in ms: the window the value was computed over. */
  readonly spanMs: number;
}

/** Naming of the rate of a counter, prometheus-adapter's convention: `x_total` → `x_per_second`. */
export function rateMetricName(counter: string): string {
  return `${counter.endsWith("_total") ? counter.slice(0, -"_total".length) : counter}_per_second`;
}

/** rate() at `at` over `rangeMs`; `points` must be in time order. */
export function promRate(points: readonly Point[], at: number, rangeMs: number): RateResult | null {
  const rangeStart = at - rangeMs;
  let first = 0;
  while (first < points.length && points[first]![0] <= rangeStart) first++;
  let end = points.length;
  while (end > first && points[end - 1]![0] > at) end--;
  const n = end - first;
  if (n < 2) return null;
  const firstT = points[first]![0];
  const firstV = points[first]![1];
  const lastT = points[end - 1]![0];
  let result = points[end - 1]![1] - firstV;
  for (let i = first + 1; i < end; i++) {
    const prev = points[i - 1]![1];
    if (points[i]![1] < prev) result += prev;
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (at - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  // Counters cannot be negative: do not extrapolate past the point where this one would have been zero.
  let durationToZero = durationToStart;
  if (result > 0 && firstV >= 0) durationToZero = sampledInterval * (firstV / result);
  if (durationToZero < durationToStart) durationToStart = durationToZero;
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  factor /= rangeMs / 1000;
  return { perSecond: result * factor, spanMs: lastT - firstT };
}
