// A small seeded random source of our own (SplitMix64), so that a seed names the same corpus on every Go
// version: math/rand's derived helpers (Intn, Shuffle, …) are not promised to keep their output across
// releases, while these few lines cannot change under us.
package main

import "hash/fnv"

type rng struct{ state uint64 }

// newRNG gives every corpus file its own stream, so growing one generator leaves the other files unchanged.
func newRNG(seed uint64, stream string) *rng {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return &rng{state: seed ^ h.Sum64()}
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n). The modulo bias is irrelevant for test inputs.
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic("intn: n <= 0")
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// percent is true with probability p/100.
func (r *rng) percent(p int) bool { return r.intn(100) < p }

func (r *rng) pick(xs []string) string { return xs[r.intn(len(xs))] }

// weighted picks an index with the given relative weights.
func (r *rng) weighted(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.intn(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// runs returns n characters drawn from alphabet (a string of single-byte or multi-byte characters).
func (r *rng) runs(alphabet string, n int) string {
	chars := []rune(alphabet)
	out := make([]rune, n)
	for i := range out {
		out[i] = chars[r.intn(len(chars))]
	}
	return string(out)
}
