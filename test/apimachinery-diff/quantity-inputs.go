// Quantity inputs: hand-picked edge cases, then grammar-aware random strings built the way
// parseQuantityString reads them (sign, leading zeros, integer digits, '.', fraction digits, suffix),
// with every suffix and exponent form, very long digit runs, and a share of junk: spaces, stray characters,
// unicode look-alikes, truncation.
package main

import (
	"strconv"
	"strings"
)

// Every quantity literal in kubernetes/kubernetes
// staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go (v0.37.2), then our own corners:
// int32/int64 exponent wraparound, the 18-digit fast-path limit, nano rounding, the BinarySI cap and the
// |v| < 1024 BinarySI rule, the cached-string rules, and inputs that fail each way.
var quantityEdgeCases = []string{
	" 1", "-0", "-1", "-1.0000000000000000001E", "-1.000000000000000001E", "-1.025", "-1.025Ti", "-1.0E",
	"-10.0000000000000000001E", "-10.000000000000000001E", "-10.0E", "-1000000000000000000",
	"-1000000000000000000.0", "-1000000000000000000.1", "-10000000000000000000", "-10000000000000000000.0",
	"-10000000000000000000.1", "-10000000000000000000000m", "-10000000000000000000100m", "-10000000000000000001",
	"-1000000000000000000100m", "-1000000000000000001", "-10E", "-1E", "-3.01e-", "-3.01i", "-9.01", "-9010m",
	"-92233720368547758.09", "-922337203685477580.9", "-9223372036854775807", "-9223372036854775807.0",
	"-9223372036854775807.1", "-9223372036854775807000m", "-9223372036854775807100m", "-9223372036854775808",
	"-9223372036854775808.0", "-9223372036854775808.1", "-9223372036854775808000m", "-9223372036854775808100m",
	"-9223372036854775809", "-9223372036854775809.0", "-9223372036854775809.1", "-92233720368547758090",
	"-922337203685477580900", "-9223372036854775809000m", "-9223372036854775809100m", "-999999999999999999",
	"-999999999999999999.0", "-999999999999999999.1", "-999999999999999999100m", "-9999999999999999999",
	"-9999999999999999999.0", "-9999999999999999999.1", "-9999999999999999999000m", "-9999999999999999999100m",
	".000000000001Ki", ".000000001Ki", ".000001Ki", ".0001k", ".001", ".001Ki", ".001e12", ".5i", "0",
	"0.000000000001Ki", "0.0000000001", "0.0000000005", "0.00000000050", "0.00000012345", "0.00000012354",
	"0.00050k", "0.0005k", "0.001", "0.001T", "0.001e0", "0.004", "0.005", "0.00500", "0.025", "0.025Ti", "0.03",
	"0.05", "0.05000", "0.05Gi", "0.1", "0.1am", "0.1mi", "0.5", "0.50000", "0.5Mi", "0.5e-1", "0.5e-2", "0.5e-9",
	"0.5e0", "0.9n", "00", "025", "0G", "0Gi", "0Ki", "0M", "0Mi", "0T", "0Ti", "0k", "0m", "0n", "0u", "1 ", "1",
	"1+1.0M", "1.", "1.0000000000000000001E", "1.000000000000000001E", "1.01E", "1.025", "1.025Ti", "1.08", "1.0E",
	"1.1.M", "1.1E-9", "1.1Ki", "1.2e3", "1.3E+6", "1.40e9", "1.53E12", "1.6e15", "1.7E18", "1.G", "10",
	"10.0000000000000000001E", "10.000000000000000001E", "10.035M", "10.0E", "100.035Ki", "100.035k",
	"1000000000000000000", "1000000000000000000.0", "1000000000000000000.1", "10000000000000000000",
	"10000000000000000000.0", "10000000000000000000.1", "10000000000000000000000m", "10000000000000000000100m",
	"10000000000000000001", "1000000000000000000100m", "1000000000000000001", "10000T", "1000M", "1000e-12",
	"1000m", "1000u", "1001Gi", "100Gi", "100Ti", "100m", "1024Gi", "1024Mi", "1024m", "1024n", "1024u", "1025",
	"1025024Mi", "1048576m", "1080000000n", "1080m", "1080n", "1080u", "10E", "10Ti", "1234", "1234567M",
	"1234567m", "1234k", "12E", "1E", "1E-3", "1E12", "1E18", "1E6", "1G", "1Gi", "1Ki", "1Mi", "1T", "1Ti",
	"1e-3", "1e-9", "1e12", "1e13", "1e14", "1e15", "1e3", "1e6", "1e9", "1i", "1k", "1m", "1n", "1u", "2", "2.5P",
	"200m", "2Gi", "2Ki", "2P", "2n", "3.001n", "300.2T", "300M", "300Mi", "300T", "300e6", "307200Ki", "3Ei",
	"3e3", "3k", "3m", "40.1T", "40T", "4Pi", "4u", "5", "5.444T", "500", "5000m", "500m", "50k", "50m", "5T",
	"5Ti", "5n", "6.987654321G", "6G", "6Gi", "6Ki", "7.123456M", "7M", "7Mi", "8.1k", "8000", "80e-3", "80m",
	"80n", "80u", "8Ki", "8k", "9", "9.01", "92233720368547758.08", "922337203685477580.8", "9223372036854775806",
	"9223372036854775806.0", "9223372036854775806.1", "9223372036854775806000m", "9223372036854775806100m",
	"9223372036854775807", "9223372036854775807.0", "9223372036854775807.1", "9223372036854775807000m",
	"9223372036854775807100m", "9223372036854775807Ki", "9223372036854775808", "9223372036854775808.0",
	"9223372036854775808.1", "92233720368547758080", "922337203685477580800", "9223372036854775808000m",
	"9223372036854775808100m", "999999999999999999", "999999999999999999.0", "999999999999999999.1",
	"999999999999999999100m", "9999999999999999999", "9999999999999999999.0", "9999999999999999999.1",
	"9999999999999999999000m", "9999999999999999999100m", "9Ei", "-", "+", "-.", ".", "Ti", "aoeu", "invalid",

	// ours
	"", "+0", "+-1", "--1", "0.", ".0", "-.0", "0e0", "0Ei", "Ei", ".Ki", ".e-10", "e3", "m", "Ki", "k", "E", "e",
	"1e", "1e+", "1e-", "1E+", "1e+3", "1e-3", "1e03", "1e003", "1E3", "1e2147483647", "1e2147483646",
	"1e4294967296", "1e4294967297", "1e4294967299", "1e9223372036854775807", "1e9223372036854775808",
	"1e-9223372036854775808", "1e-9223372036854775809", "5e-4294967296", "1e-9", "1e-10", "1e-11", "9e-10",
	"-1e-10", "0.1n", "-0.1n", "-3.001n", "1.0000000001", "-1.0000000001", "0.0000000015", "-0.0000000015",
	"0.0015", "-0.0015", "-0.0015000000000000000000", "1.5", "-1.5", "1.500", "01", "+1", "1000E", "1000P",
	"999E", "1000000E", "1023", "1024", "-1023", "-1024", "1023.999", "1023.999999999", "1024.5", "1.5Gi",
	"1.5Ki", "1.25Ki", "0.5Ki", "-0.5Ki", "1536Mi", "8Ei", "7.99Ei", "8191Pi", "8192Pi", "-8Ei", "-9Ei",
	"16Ei", "1.0Ei", "7Ei", "8Ki", "9Ki", "15Ki", "16Ki", "1Ki ", " 1Ki", "1 Ki", "1K", "1ki", "1KI", "1Kii",
	"1KiB", "1mi", "1MB", "1Mb", "1.5.5", "1..5", "1,5", "1_000", "1e3.5", "1e3k", "1k3", "1ee3", "1eE3",
	"1e3e3", "1m3", "1µ", "1\u00b5", "١", "１", "1\u00a0", "\u00a01", "1\t", "\n1", "1\x00", "0x10", "0b1",
	"1/2", "Infinity", "NaN", "-Infinity", "nan", "1e-1000", "1e1000", "123456789012345678e9",
	"1234567890123456789", "123456789012345678.9", "12345678901234567.89", "1.23456789012345678",
	"100000000000000000000000000000000000000", "0.000000000000000000000000000000000000001",
	"-0.000000000000000000000000000000000000001", "99999999999999999999999999999999999999Ei",
	"1.5e-2147483648", "15e-2147483648", "1.5e2147483648", "1.000000000000000000e100",
	"000000000000000000000000000001", "0000000000000000000000000000.5", "1000000000000000000000m",
	"1.000", "1.000000", "12e6", "1200000", "1.2e6", "0.3e1", "30e-1", "3000m", "3e0", "3e-0", "3e+0", "-0e3",
	"0e2147483647", "0.000e-5", "1000n", "1000000000n", "1000000000000n", "999999999999999999n",
	"9223372036854775807n", "9223372036854775807u", "9223372036854775807m", "9223372036854775807k",
	"9223372036854775807e-9", "9223372036854775807e-10", "922337203685477580.7e1", "4611686018427387904Ki",
	"9007199254740993", "9007199254740993m", "18446744073709551616", "-18446744073709551616",
}

const digitChars = "0123456789"

// quantityJunk: characters that are not part of the grammar, or look as if they were.
var quantityJunk = []string{
	" ", " ", "\t", "\n", "\r", "\x00", ",", "_", "x", "#", "/", "'", "*", "(", "i", "e", "E", "+", "-", ".",
	"0", "9", "µ", "\u00b5", "٣", "１", "е", "Е", "\u00a0", "\u2003", "\u3000", "😀", "ﬀ", "Ｋ", "ⅰ", "\u200b",
	"\ufeff", "\x7f", "\u0085", "\u2028", "ǅ", "ß",
}

var decimalSuffixes = []string{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"}
var binarySuffixes = []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
var badSuffixes = []string{
	"K", "ki", "mi", "gi", "KI", "Kii", "KiB", "i", "ee", "eE3", "Ei3", "m3", "mm", "nm", "Mi+", "e3i", "Ki-",
	"u+", "kk", "EE", "Pi2", "ei", "Ie", "Mu", "B", "b", "g", "mK", "e+-3", "e--3", "e3-", "e 3", "E_3", "e0x3",
}

// Exponent digit strings, weighted towards the int32 and int64 boundaries where Go wraps or refuses.
var boundaryExponents = []string{
	"2147483647", "2147483648", "2147483646", "2147483649", "4294967295", "4294967296", "4294967297",
	"4294967305", "6442450944", "9223372036854775807", "9223372036854775808", "9223372036854775806",
	"18446744073709551615", "18446744073709551616", "2147483657", "2147483638", "4294967287",
}

var boundaryMantissas = []string{
	"9223372036854775807", "9223372036854775808", "9223372036854775806", "922337203685477580",
	"999999999999999999", "1000000000000000000", "100000000000000000", "123456789012345678",
	"8388608", "1099511627776", "1125899906842624", "1152921504606846976", "4503599627370496",
	"1023", "1024", "1025", "2047", "2048", "4096", "8191", "8192", "1000", "999", "1",
}

func randomDigits(r *rng, n int) string {
	if n == 0 {
		return ""
	}
	switch r.weighted(60, 12, 8, 8, 6, 6) {
	case 1: // digits then a run of zeros (the "000" and factor-of-ten rules)
		z := r.between(0, n)
		return r.runs(digitChars, n-z) + strings.Repeat("0", z)
	case 2:
		return strings.Repeat("9", n)
	case 3:
		return "1" + strings.Repeat("0", n-1)
	case 4:
		m := r.pick(boundaryMantissas)
		if len(m) > n {
			return m[:n]
		}
		return m + strings.Repeat("0", n-len(m))
	case 5:
		return strings.Repeat("0", n)
	}
	return r.runs(digitChars, n)
}

func randomDigitCount(r *rng) int {
	switch r.weighted(16, 50, 40, 30, 16, 20, 16, 4, 1) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return r.between(2, 3)
	case 3:
		return r.between(4, 9)
	case 4:
		return r.between(10, 17)
	case 5:
		return r.between(18, 20)
	case 6:
		return r.between(21, 40)
	case 7:
		return r.between(41, 120)
	}
	return r.between(121, 1200)
}

func randomExponentSuffix(r *rng) string {
	var b strings.Builder
	b.WriteString(r.pick([]string{"e", "E"}))
	b.WriteString([]string{"", "+", "-"}[r.weighted(50, 15, 35)])
	switch r.weighted(45, 15, 10, 8, 6, 5, 5, 4, 2) {
	case 0:
		b.WriteString(strconv.Itoa(r.between(0, 30)))
	case 1:
		b.WriteString(strconv.Itoa(r.between(0, 1500)))
	case 2:
		b.WriteString(r.pick(boundaryExponents))
	case 3:
		e, _ := strconv.Atoi(r.pick(boundaryExponents)[:9])
		b.WriteString(strconv.Itoa(e + r.between(-20, 20)))
	case 4:
		b.WriteString(r.runs(digitChars, r.between(9, 10)))
	case 5:
		b.WriteString(r.runs(digitChars, r.between(11, 25)))
	case 6:
		b.WriteString(strings.Repeat("0", r.between(1, 30)) + strconv.Itoa(r.between(0, 40)))
	case 7:
		b.WriteString(strconv.Itoa(r.between(1000, 99999)))
	}
	return b.String()
}

func randomQuantitySuffix(r *rng) string {
	switch r.weighted(20, 22, 16, 30, 7, 5) {
	case 1:
		return r.pick(decimalSuffixes)
	case 2:
		return r.pick(binarySuffixes)
	case 3:
		return randomExponentSuffix(r)
	case 4:
		return r.pick(badSuffixes)
	case 5:
		s := r.runs("eEinumkKMGTP", r.between(1, 4))
		if r.percent(50) {
			s += []string{"", "+", "-"}[r.intn(3)] + r.runs(digitChars, r.between(0, 3))
		}
		return s
	}
	return ""
}

// randomQuantity returns one input; clean inputs follow the grammar (and mostly parse), the rest carry junk.
func randomQuantity(r *rng) string {
	var b strings.Builder
	switch r.weighted(70, 18, 8, 2) {
	case 1:
		b.WriteString("-")
	case 2:
		b.WriteString("+")
	case 3:
		b.WriteString(r.pick([]string{"--", "+-", "-+", "++"}))
	}
	if r.percent(8) {
		b.WriteString(strings.Repeat("0", r.between(1, 25)))
	}
	b.WriteString(randomDigits(r, randomDigitCount(r)))
	if r.percent(35) {
		b.WriteString(".")
		if r.percent(85) {
			b.WriteString(randomDigits(r, randomDigitCount(r)))
		}
	}
	b.WriteString(randomQuantitySuffix(r))
	s := b.String()
	if r.percent(15) {
		s = addJunk(r, s, quantityJunk)
	}
	return s
}

// addJunk applies one or two small edits at rune boundaries: insert, replace, delete, truncate, pad.
func addJunk(r *rng, s string, junk []string) string {
	for n := r.between(1, 2); n > 0; n-- {
		rs := []rune(s)
		at := 0
		if len(rs) > 0 {
			at = r.intn(len(rs) + 1)
		}
		switch r.weighted(40, 20, 15, 10, 15) {
		case 0:
			s = string(rs[:at]) + r.pick(junk) + string(rs[at:])
		case 1:
			if at < len(rs) {
				s = string(rs[:at]) + r.pick(junk) + string(rs[at+1:])
			}
		case 2:
			if at < len(rs) {
				s = string(rs[:at]) + string(rs[at+1:])
			}
		case 3:
			s = string(rs[:at])
		case 4:
			pad := r.pick([]string{" ", "\t", "\n", "\r\n", "\u00a0", "  "})
			if r.percent(50) {
				s = pad + s
			} else {
				s += pad
			}
		}
	}
	return s
}
