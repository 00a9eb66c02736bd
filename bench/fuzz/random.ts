/**
 * The fuzz's random source: one seeded PRNG (bench/lib/random.ts) for the whole request sequence, so a run is
 * replayed exactly from its printed FUZZ_SEED.
 */
import { seededRandom } from "../lib/random";

let next = seededRandom(0);

export function reseed(seed: number): void {
  next = seededRandom(seed);
}

export const rand = () => next();
export const int = (n: number) => Math.floor(rand() * n);
export const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
export const chance = (p: number) => rand() < p;
export const randBytes = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
};
export const randAscii = (n: number, alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&'()*+,;=:@%") =>
  Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join("");
