// Quantity inputs derived from others: JSON texts for json.Unmarshal (strings, numbers, literals,
// structures, and texts that are not JSON), and pairs for Cmp — mostly the same or a nearly equal value
// written another way (exponent form, another SI or binary suffix, one unit in the last place apart,
// negated), since equal-but-differently-written values are where a comparison goes wrong.
package main

import (
	"math/big"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

func jsonSpace(r *rng) string {
	if r.percent(75) {
		return ""
	}
	return r.runs(" \t\r\n", r.between(1, 3))
}

func randomJSONNumber(r *rng) string {
	var b strings.Builder
	if r.percent(30) {
		b.WriteString("-")
	}
	switch r.weighted(25, 65, 5, 5) {
	case 0:
		b.WriteString("0")
	case 1:
		b.WriteString(r.runs("123456789", 1) + r.runs(digitChars, r.between(0, 24)))
	case 2:
		b.WriteString("0" + r.runs(digitChars, r.between(1, 3))) // leading zero: not JSON
	case 3:
		b.WriteString(r.pick([]string{"", "+", "Infinity", "NaN", "0x1"}))
	}
	if r.percent(30) {
		b.WriteString("." + r.runs(digitChars, r.between(0, 20)))
	}
	if r.percent(30) {
		b.WriteString(r.pick([]string{"e", "E"}) + r.pick([]string{"", "+", "-"}))
		if r.percent(10) {
			b.WriteString(r.runs(digitChars, 10))
		} else {
			b.WriteString(r.runs(digitChars, r.between(0, 3)))
		}
	}
	return b.String()
}

// randomQuantityJSON returns the raw text handed to json.Unmarshal.
func randomQuantityJSON(r *rng) string {
	var v string
	switch r.weighted(50, 20, 6, 5, 10, 5, 4) {
	case 0:
		inner := randomQuantity(r)
		if r.percent(15) {
			pad := r.pick([]string{" ", "  ", "\u00a0", "\u2003", "\u0085", "\ufeff", "\t", "\n"})
			if r.percent(50) {
				inner = pad + inner
			} else {
				inner += pad
			}
		}
		v = `"` + inner + `"`
	case 1:
		v = randomJSONNumber(r)
	case 2:
		v = r.pick([]string{"null", "true", "false", "nul", "NULL", "True", "nil", "undefined"})
	case 3:
		v = r.pick([]string{"{}", "[]", `{"a":"1"}`, `["1Gi"]`, "[1]", `{"q":1}`, `[null]`, `{"":""}`, "[[]]"})
	case 4:
		v = randomQuantity(r)
	case 5:
		q := randomQuantity(r)
		v = r.pick([]string{`"` + q, q + `"`, `'` + q + `'`, `"` + q + `""`, `"` + q + `" "1"`, `""` + q, q + " " + q})
	default:
		v = addJunk(r, r.pick(quantityJSONEdgeCases), []string{`"`, " ", ",", "{", "]", "1", "e", "\u00a0"})
	}
	return jsonSpace(r) + v + jsonSpace(r)
}

// decimalText writes u × 10^e in plain positional notation ("-12.5", "300"), or nil when |e| is too large
// to be worth spelling out.
func decimalText(u *big.Int, e int64) (string, bool) {
	if e > 400 || e < -400 {
		return "", false
	}
	sign := ""
	digits := new(big.Int).Abs(u).String()
	if u.Sign() < 0 {
		sign = "-"
	}
	if e >= 0 {
		return sign + digits + strings.Repeat("0", int(e)), true
	}
	point := len(digits) + int(e)
	if point <= 0 {
		return sign + "0." + strings.Repeat("0", -point) + digits, true
	}
	return sign + digits[:point] + "." + digits[point:], true
}

var siExponents = map[int64]string{-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}

// quantityVariant writes the value of a (or a value next to it) another way.
func quantityVariant(r *rng, a string) string {
	if !quantityParseIsBounded(a) {
		return a
	}
	q, err := resource.ParseQuantity(a)
	if err != nil {
		return randomQuantity(r)
	}
	unscaled, scale := decParts(q)
	exp := -scale
	switch r.weighted(15, 10, 20, 20, 15, 10, 10) {
	case 0:
		return q.String()
	case 1:
		c := q.DeepCopy()
		n, s := c.CanonicalizeBytes(nil)
		return string(n) + string(s)
	case 2:
		return unscaled.String() + "e" + strconv.FormatInt(exp, 10)
	case 3:
		k := []int64{-9, -6, -3, 0, 3, 6, 9, 12, 15, 18}[r.intn(10)]
		if t, ok := decimalText(unscaled, exp-k); ok {
			return t + siExponents[k]
		}
	case 4: // one unit in the last place above or below, one digit further down
		u := new(big.Int).Mul(unscaled, bigTen)
		u.Add(u, big.NewInt(int64(r.pick2(-1, 1))))
		return u.String() + "e" + strconv.FormatInt(exp-1, 10)
	case 5:
		if strings.HasPrefix(a, "-") {
			return a[1:]
		}
		return "-" + strings.TrimPrefix(a, "+")
	case 6: // value / 1024^j with a binary suffix (2^-10j is a finite decimal: 5^10j × 10^-10j)
		j := r.between(1, 6)
		u := new(big.Int).Mul(unscaled, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(10*j)), nil))
		if t, ok := decimalText(u, exp-int64(10*j)); ok {
			if strings.Contains(t, ".") {
				t = strings.TrimRight(strings.TrimRight(t, "0"), ".")
			}
			return t + binarySuffixes[j-1]
		}
	}
	return q.String()
}

func (r *rng) pick2(a, b int) int {
	if r.percent(50) {
		return a
	}
	return b
}

func randomQuantityPair(r *rng) (string, string) {
	a := randomQuantity(r)
	var b string
	switch r.weighted(25, 10, 65) {
	case 0:
		b = randomQuantity(r)
	case 1:
		b = a
	default:
		b = quantityVariant(r, a)
	}
	if r.percent(50) {
		return b, a
	}
	return a, b
}
