// The util/validation name checks (IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue),
// each run on every input: strings built around each check's rules and its length limit in bytes.
package main

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// randomValidationInput: a string to run through IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName and
// IsValidLabelValue, built around each one's rules and length limits.
func randomValidationInput(r *rng) string {
	switch r.weighted(14, 14, 10, 12, 12, 8, 8, 8, 6, 8) {
	case 0:
		return randomDNSLabel(r, 20)
	case 1:
		return randomDNSLabel(r, 70)
	case 2: // 62–64 bytes, sometimes with a multi-byte character to make bytes and characters differ
		s := wordsUpTo(r, dnsWords, "-", lowerAlnum, r.between(60, 64))
		if r.percent(30) {
			s = s[:len(s)-2] + r.pick([]string{"é", "日", "😀"})
		}
		return s
	case 3:
		return randomSubdomain(r, r.between(1, 6), 20)
	case 4: // around 253 bytes
		s := randomSubdomain(r, 4, 63)
		for len(s) < 256 {
			s += "." + randomDNSLabel(r, 63)
		}
		return s[:r.between(250, 256)]
	case 5:
		return randomLabelKey(r)
	case 6:
		return randomLabelValue(r)
	case 7:
		return strings.Repeat("/", r.between(0, 1)) + randomSubdomain(r, r.between(0, 3), 10) + strings.Repeat("/", r.between(0, 3)) + randomName(r, 70)
	case 8:
		return r.pick([]string{"", "-", ".", "a", "A", "0", "a.b", "a..b", ".a", "a.", "-a", "a-", "a_b", "a/b",
			"/", "a/", "/a", "A.b", "a.B", "例え", "a b", " a", "a\n", "1.2.3.4", "xn--bcher-kva.example"})
	}
	return addJunk(r, randomSubdomain(r, r.between(1, 3), 12), []string{"_", "A", ".", "-", "/", "é", " ", "..", "\x00"})
}

// validationRecord is one line of validation.jsonl.gz: the messages of each validator (empty when valid).
type validationRecord struct {
	In            string   `json:"in"`
	DNS1123Label  []string `json:"dns1123Label"`
	DNS1123Domain []string `json:"dns1123Subdomain"`
	QualifiedName []string `json:"qualifiedName"`
	LabelValue    []string `json:"labelValue"`
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func recordValidation(s string) validationRecord {
	return validationRecord{
		In:            s,
		DNS1123Label:  nonNil(validation.IsDNS1123Label(s)),
		DNS1123Domain: nonNil(validation.IsDNS1123Subdomain(s)),
		QualifiedName: nonNil(validation.IsQualifiedName(s)),
		LabelValue:    nonNil(validation.IsValidLabelValue(s)),
	}
}
