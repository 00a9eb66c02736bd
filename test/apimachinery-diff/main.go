// Command apimachinery-diff writes a seeded, deterministic corpus of inputs and of what the real
// k8s.io/apimachinery (the version pinned in go.mod) returns for them, for
// test/node/apimachinery-diff.test.ts to replay against the TypeScript ports in src/apimachinery/.
//
//	go run . -seed 1 -out corpus
//
// One gzipped JSON Lines file per surface, and manifest.json with the seed, the apimachinery version, the
// line count and SHA-256 of each file's uncompressed lines, and how many generated inputs were kept out
// (the reasons are in the headers of quantity.go and selector.go). The same seed gives the same bytes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// How many lines each file gets (hand-picked cases first, then random ones up to the count).
const (
	quantityCount      = 120_000
	quantityJSONCount  = 20_000
	quantityCmpCount   = 25_000
	selectorCount      = 30_000
	labelSelectorCount = 6_000
	matchCount         = 12_000
	validationCount    = 8_000
)

type manifest struct {
	Seed         uint64                 `json:"seed"`
	Apimachinery string                 `json:"apimachinery"`
	Files        map[string]fileSummary `json:"files"`
	Excluded     map[string]int         `json:"excluded"`
}

type generator struct {
	seed     uint64
	dir      string
	files    map[string]fileSummary
	excluded map[string]int
}

func main() {
	seed := flag.Uint64("seed", 1, "seed of the random inputs")
	out := flag.String("out", "corpus", "directory to write the corpus to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	g := &generator{seed: *seed, dir: *out, files: map[string]fileSummary{}, excluded: map[string]int{}}
	g.quantities()
	g.quantityJSON()
	g.quantityCmp()
	g.selectors()
	g.labelSelectors()
	g.matches()
	g.validation()
	m := manifest{Seed: *seed, Apimachinery: apimachineryVersion(), Files: g.files, Excluded: g.excluded}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "apimachinery-diff:", err)
	os.Exit(1)
}

func apimachineryVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/apimachinery" {
				return dep.Version
			}
		}
	}
	fail(fmt.Errorf("cannot read the k8s.io/apimachinery version from the build info"))
	return ""
}

// file opens name, runs fill with a write function, and records the summary.
func (g *generator) file(name string, fill func(write func(any))) {
	w, err := createJSONL(g.dir, name)
	if err != nil {
		fail(err)
	}
	fill(w.write)
	sum, err := w.close()
	if err != nil {
		fail(err)
	}
	g.files[name] = sum
}

func (g *generator) exclude(reason string) { g.excluded[reason]++ }

func (g *generator) quantities() {
	r := newRNG(g.seed, "quantity")
	g.file("quantity.jsonl.gz", func(write func(any)) {
		n := 0
		emit := func(s string) {
			if rec, ok := recordQuantity(s); ok {
				write(rec)
				n++
			} else {
				g.exclude("quantity: " + excludedQuantityReason(s))
			}
		}
		for _, s := range quantityEdgeCases {
			emit(s)
		}
		for n < quantityCount {
			emit(randomQuantity(r))
		}
	})
}

func excludedQuantityReason(s string) string {
	if quantityParseIsBounded(s) {
		return "zero with a scale above 10^6"
	}
	return "inf.Dec path with an exponent beyond ±1000"
}

var quantityJSONEdgeCases = []string{
	`null`, ` null `, "\tnull\n", `"null"`, `true`, `false`, `{}`, `[]`, `{"a":"1"}`, `["1Gi"]`, `[1]`, `""`, `" "`,
	`"1"`, `"1Gi"`, `" 1Gi "`, "\"\u00a01Gi\u00a0\"", "\"\u20281\"", "\"\ufeff1\"", "\"\u00851\"", `"1 Gi"`, `1`,
	`-1`, `1.5`, `-0`, `0`, `1e3`, `1E3`, `1e-3`, `1.5e+3`, `12345678901234567890`, `0.0000000001`, `1e400`,
	`-1e-400`, `1Gi`, `+1`, `01`, `.5`, `1.`, `1e`, `-`, `"1`, `1"`, `'1'`, `"1""`, `"1" "2"`, ``, `   `, `NaN`,
	`Infinity`, `nul`, `NULL`, `True`, "\"1\t\"", "\"\n1\"", "\"1\x00\"", `"1e2147483647"`, `1e2147483647`,
	`"9223372036854775807Ki"`, `"0.1n"`, `"-0.0015"`, `"1.500"`, `"+1"`, `"1E3"`, `[`, `{`, `{"a":}`,
}

func (g *generator) quantityJSON() {
	r := newRNG(g.seed, "quantity-json")
	g.file("quantity-json.jsonl.gz", func(write func(any)) {
		n := 0
		emit := func(s string) {
			if rec, ok := recordQuantityJSON(s); ok {
				write(rec)
				n++
			} else {
				g.exclude("quantity-json: inf.Dec path with an exponent beyond ±1000, or a slow zero")
			}
		}
		for _, s := range quantityJSONEdgeCases {
			emit(s)
		}
		for n < quantityJSONCount {
			if s := randomQuantityJSON(r); !escapedString(s) {
				emit(s)
			}
		}
	})
}

// escapedString: a top-level JSON string with a backslash. Go's UnmarshalJSON strips the quotes and parses
// the escapes literally, the port unescapes first (the parseQuantityJSON trade-off in quantity.ts); such
// inputs are never generated.
func escapedString(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), `"`) && strings.Contains(s, `\`)
}

func (g *generator) quantityCmp() {
	r := newRNG(g.seed, "quantity-cmp")
	g.file("quantity-cmp.jsonl.gz", func(write func(any)) {
		for n := 0; n < quantityCmpCount; {
			a, b := randomQuantityPair(r)
			if rec, ok := recordQuantityCmp(a, b); ok {
				write(rec)
				n++
			}
		}
	})
}

func (g *generator) selectors() {
	r := newRNG(g.seed, "selector")
	g.file("selector.jsonl.gz", func(write func(any)) {
		n := 0
		emit := func(s string) {
			if rec, ok := recordSelector(s); ok {
				write(rec)
				n++
			} else if len(s) > maxSelectorBytes {
				g.exclude("selector: longer than 16384 bytes")
			} else {
				g.exclude("selector: more than 12 requirements with a repeated key")
			}
		}
		for _, s := range selectorEdgeCases() {
			emit(s)
		}
		for n < selectorCount {
			emit(randomSelector(r))
		}
	})
}

func (g *generator) labelSelectors() {
	r := newRNG(g.seed, "label-selector")
	g.file("label-selector.jsonl.gz", func(write func(any)) {
		for n := 0; n < labelSelectorCount; n++ {
			write(recordLabelSelector(r, randomLabelSelector(r)))
		}
	})
}

func (g *generator) matches() {
	r := newRNG(g.seed, "match")
	g.file("match.jsonl.gz", func(write func(any)) {
		for n := 0; n < matchCount; {
			// Mostly selectors that parse, so that Matches is reached.
			s := randomSelector(r)
			if rec, ok := recordMatch(r, s); ok {
				write(rec)
				n++
			}
		}
	})
}

func (g *generator) validation() {
	r := newRNG(g.seed, "validation")
	g.file("validation.jsonl.gz", func(write func(any)) {
		for n := 0; n < validationCount; n++ {
			write(recordValidation(randomValidationInput(r)))
		}
	})
}
