// What k8s.io/apimachinery/pkg/api/resource returns for each quantity input: ParseQuantity's error or the
// Quantity's String(), CanonicalizeBytes, Format, backing (int64Amount or inf.Dec), MilliValue and AsInt64;
// json.Unmarshal into a Quantity; Cmp of pairs.
//
// Kept out of the corpus (never recorded, counted in the manifest under "excluded"):
//   - inputs whose parse would take Go's inf.Dec path with a decimal exponent beyond ±1000: upstream then
//     rescales to nano precision with a 10^|exponent| big.Int, strips factors of ten from it one division
//     at a time when formatting (quadratic), and near 2^31 effectively never returns (the trade-off named
//     first in the header of src/apimachinery/quantity.ts);
//   - zero values kept as int64Amount with a scale above 10^6: MilliValue and AsInt64 multiply the zero by
//     ten once per unit of scale (math.go positiveScaleInt64), seconds per call near 2^31;
//   - pairs whose exponents differ by more than 2000: Cmp rescales one side by 10^difference.
package main

import (
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

const maxCheapExponent = 1000

// quantityRecord is one line of quantity.jsonl.gz. With err set, nothing else is.
type quantityRecord struct {
	In        string `json:"in"`
	Err       string `json:"err,omitempty"`
	String    string `json:"string,omitempty"`    // Quantity.String() of the parsed value (the cached input or canonical)
	Canonical string `json:"canonical,omitempty"` // CanonicalizeBytes: number + suffix, ignoring the cache
	Format    string `json:"format,omitempty"`
	Dec       bool   `json:"dec,omitempty"` // held in an inf.Dec rather than an int64Amount
	// MilliValue(), only where the exact ceil-away-from-zero value fits an int64; absent where Go's
	// int64 would wrap (the port returns an exact bigint there instead).
	Milli *string `json:"milli,omitempty"`
	Int64 *string `json:"int64,omitempty"` // AsInt64() when it reports ok
}

// quantityParseIsBounded decides, from the text alone, whether ParseQuantity finishes quickly (see header).
func quantityParseIsBounded(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && s[i] == '0' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	num := max(i-start, 1) // parseQuantityString turns an empty numerator into "0"
	denom := 0
	if i < len(s) && s[i] == '.' {
		i++
		from := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		denom = i - from
	}
	suffix := s[i:]
	if len(suffix) < 2 || (suffix[0] != 'e' && suffix[0] != 'E') {
		return true // SI and binary suffixes stay within 10^18 and 2^60; anything else is an error
	}
	v, err := strconv.ParseInt(suffix[1:], 10, 64)
	if err != nil {
		return true // ErrSuffix or ErrFormatWrong before any arithmetic
	}
	e := int32(v) // suffix.go interpret: int32(parsed)
	if e >= -maxCheapExponent && e <= maxCheapExponent {
		return true
	}
	// Only the int64Amount fast path is safe with such an exponent: at most 18 digits and a scale, after
	// the int32 shift by the fraction length, of at least Nano.
	return num+denom <= 18 && e-int32(denom) >= -9
}

// holdsDec reports whether q keeps its value in an inf.Dec (Quantity.d.Dec != nil).
func holdsDec(q resource.Quantity) bool {
	return !reflect.ValueOf(q).FieldByName("d").FieldByName("Dec").IsNil()
}

// decParts returns q = unscaled × 10^-scale without touching q (AsDec converts its receiver in place).
func decParts(q resource.Quantity) (*big.Int, int64) {
	c := q.DeepCopy()
	d := c.AsDec()
	return new(big.Int).Set(d.UnscaledBig()), int64(d.Scale())
}

var (
	bigTen      = big.NewInt(10)
	minInt64Big = big.NewInt(-1 << 63)
	maxInt64Big = big.NewInt(1<<63 - 1)
)

// exactMilli is q × 1000 rounded away from zero, computed with big.Int; ok is false when it cannot fit int64.
func exactMilli(unscaled *big.Int, scale int64) (*big.Int, bool) {
	if unscaled.Sign() == 0 {
		return new(big.Int), true
	}
	shift := 3 - scale // milli = unscaled × 10^shift
	digits := int64(len(new(big.Int).Abs(unscaled).String()))
	if shift >= 0 {
		if digits+shift > 20 {
			return nil, false
		}
		v := new(big.Int).Mul(unscaled, new(big.Int).Exp(bigTen, big.NewInt(shift), nil))
		return v, v.Cmp(minInt64Big) >= 0 && v.Cmp(maxInt64Big) <= 0
	}
	if -shift > digits { // 0 < |value × 1000| < 1
		return big.NewInt(int64(unscaled.Sign())), true
	}
	q, m := new(big.Int).QuoRem(unscaled, new(big.Int).Exp(bigTen, big.NewInt(-shift), nil), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(int64(unscaled.Sign())))
	}
	return q, q.Cmp(minInt64Big) >= 0 && q.Cmp(maxInt64Big) <= 0
}

// slowZero: an int64Amount zero with a scale so large that MilliValue/AsInt64 loop (see header).
func slowZero(q resource.Quantity) bool {
	if holdsDec(q) || !q.IsZero() {
		return false
	}
	_, scale := decParts(q)
	return -scale > 1_000_000
}

// recordQuantity parses s and describes the result; ok is false when s is kept out of the corpus.
func recordQuantity(s string) (quantityRecord, bool) {
	rec := quantityRecord{In: s}
	if !quantityParseIsBounded(s) {
		return rec, false
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		rec.Err = err.Error()
		return rec, true
	}
	if slowZero(q) {
		return rec, false
	}
	describeQuantity(&rec, q)
	return rec, true
}

func describeQuantity(rec *quantityRecord, q resource.Quantity) {
	rec.Dec = holdsDec(q)
	rec.Format = string(q.Format)
	// Each call gets its own copy: AsDec (reached from Cmp and friends) converts its receiver in place.
	c1, c2, c3 := q.DeepCopy(), q.DeepCopy(), q.DeepCopy()
	number, suffix := c1.CanonicalizeBytes(nil)
	rec.Canonical = string(number) + string(suffix)
	unscaled, scale := decParts(q)
	if _, fits := exactMilli(unscaled, scale); fits {
		m := strconv.FormatInt(c2.MilliValue(), 10)
		rec.Milli = &m
	}
	if v, ok := c3.AsInt64(); ok {
		i := strconv.FormatInt(v, 10)
		rec.Int64 = &i
	}
	rec.String = q.String()
}

// quantityJSONRecord is one line of quantity-json.jsonl.gz: json.Unmarshal(in, &q).
type quantityJSONRecord struct {
	In string `json:"in"`
	// JSONError: json.Unmarshal refused the text itself (*json.SyntaxError) before Quantity.UnmarshalJSON ran.
	JSONError bool   `json:"jsonError,omitempty"`
	Err       string `json:"err,omitempty"`
	// Null: the value was JSON null, which leaves the zero Quantity (Format "", String() "0").
	Null   bool   `json:"null,omitempty"`
	String string `json:"string,omitempty"`
	Format string `json:"format,omitempty"`
}

func recordQuantityJSON(raw string) (quantityJSONRecord, bool) {
	rec := quantityJSONRecord{In: raw}
	// What ParseQuantity will be handed: the JSON value without its surrounding whitespace, and for a string
	// its contents, trimmed (the inputs never hold escapes, so unquoting and stripping the quotes agree).
	text := strings.Trim(raw, " \t\r\n")
	var inner string
	if json.Unmarshal([]byte(text), &inner) == nil {
		text = strings.TrimSpace(inner)
	}
	if !quantityParseIsBounded(text) {
		return rec, false
	}
	var q resource.Quantity
	err := json.Unmarshal([]byte(raw), &q)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		rec.JSONError = true
	case err != nil:
		rec.Err = err.Error()
	case q.Format == "":
		rec.Null = true
		rec.String = q.String()
	default:
		if slowZero(q) {
			return rec, false
		}
		rec.Format = string(q.Format)
		rec.String = q.String()
	}
	return rec, true
}

// quantityCmpRecord is one line of quantity-cmp.jsonl.gz: ParseQuantity(a).Cmp(ParseQuantity(b)).
type quantityCmpRecord struct {
	A   string `json:"a"`
	B   string `json:"b"`
	Cmp int    `json:"cmp"`
}

func recordQuantityCmp(a, b string) (quantityCmpRecord, bool) {
	if !quantityParseIsBounded(a) || !quantityParseIsBounded(b) {
		return quantityCmpRecord{}, false
	}
	qa, errA := resource.ParseQuantity(a)
	qb, errB := resource.ParseQuantity(b)
	if errA != nil || errB != nil {
		return quantityCmpRecord{}, false
	}
	_, sa := decParts(qa)
	_, sb := decParts(qb)
	if sa-sb > 2*maxCheapExponent || sb-sa > 2*maxCheapExponent {
		return quantityCmpRecord{}, false
	}
	return quantityCmpRecord{A: a, B: b, Cmp: qa.Cmp(qb)}, true
}
