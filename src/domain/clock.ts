/** Injected time, so freshness and alarms are tested by moving a clock rather than by sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

let lastSecond = NaN;
let lastText = "";

/** metav1.Time's JSON form: RFC 3339 in UTC at second precision ("2006-01-02T15:04:05Z"). */
export function formatKubeTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  // Most values of an answer share a second: format it once.
  if (second !== lastSecond) [lastSecond, lastText] = [second, new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")];
  return lastText;
}
