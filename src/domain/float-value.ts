/**
 * A float64 from an ingestion protocol as the Kubernetes quantity the HPA will read. The HPA reads every
 * value as an int64 MilliValue (k8s.io/kubernetes pkg/controller/podautoscaler/replica_calculator.go), so the
 * value is rounded to the nearest milli-unit (half away from zero) and written canonically: 0.25 → "250m",
 * 1e6 → "1M", 1.0005 → "1001m". Magnitudes beyond 2^53 milli-units (about 9e12) are integers in float64
 * already and are written from their exact decimal expansion. NaN and ±Inf have no quantity: null.
 */
import { formatQuantity, newDecimalQuantity, newMilliQuantity } from "../apimachinery/quantity";

const SAFE_MILLI = 2 ** 53;

export function quantityFromFloat(v: number): string | null {
  if (!Number.isFinite(v)) return null;
  const milli = v * 1000;
  if (Math.abs(milli) < SAFE_MILLI) {
    const rounded = Math.sign(milli) * Math.round(Math.abs(milli));
    return formatQuantity(newMilliQuantity(BigInt(rounded === 0 ? 0 : rounded), "DecimalSI"));
  }
  return formatQuantity(newDecimalQuantity(BigInt(Math.round(v)), 0, "DecimalSI"));
}
