// What k8s.io/apimachinery returns for selector inputs: labels.Parse (String() or the error),
// metav1.ParseToLabelSelector, labels.ConvertSelectorToLabelsMap, metav1.LabelSelectorAsSelector and
// Selector.Matches.
//
// Kept out of the corpus (counted in the manifest under "excluded"):
//   - selectors over 16384 bytes, our cap (MAX_SELECTOR_BYTES in src/apimachinery/labels.ts); the
//     comparison holds a few hand-picked ones just over it that must be refused;
//   - parsed selectors with more than 12 requirements of which two share a key: sort.Sort is an insertion
//     sort (stable) up to 12 elements and pdqsort (unstable) beyond, the port always sorts stably, and only
//     the order of same-key requirements in String() can tell;
//   - metav1.LabelSelector values with more than one invalid matchLabels entry: LabelSelectorAsSelector
//     visits the map in Go's random order, so which error it reports is not even stable in Go (the port
//     takes keys in sorted order).
package main

import (
	"encoding/json"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

const maxSelectorBytes = 16384

// selectorRecord is one line of selector.jsonl.gz.
type selectorRecord struct {
	In               string          `json:"in"`
	Err              string          `json:"err,omitempty"`              // labels.Parse error
	String           *string         `json:"string,omitempty"`           // labels.Parse(in).String()
	LabelSelector    json.RawMessage `json:"labelSelector,omitempty"`    // metav1.ParseToLabelSelector, as JSON
	LabelSelectorErr string          `json:"labelSelectorErr,omitempty"` // its error
	Map              json.RawMessage `json:"map,omitempty"`              // labels.ConvertSelectorToLabelsMap, as JSON
	MapErr           string          `json:"mapErr,omitempty"`           // its error
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// unstableOrder: more than 12 requirements and a key that appears twice (see header).
func unstableOrder(sel labels.Selector) bool {
	reqs, _ := sel.Requirements()
	if len(reqs) <= 12 {
		return false
	}
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Key() == reqs[i-1].Key() {
			return true
		}
	}
	return false
}

func recordSelector(s string) (selectorRecord, bool) {
	rec := selectorRecord{In: s}
	if len(s) > maxSelectorBytes {
		return rec, false
	}
	sel, err := labels.Parse(s)
	if err != nil {
		rec.Err = err.Error()
	} else {
		if unstableOrder(sel) {
			return rec, false
		}
		str := sel.String()
		rec.String = &str
	}
	if ls, err := metav1.ParseToLabelSelector(s); err != nil {
		rec.LabelSelectorErr = err.Error()
	} else {
		rec.LabelSelector = mustJSON(ls)
	}
	if m, err := labels.ConvertSelectorToLabelsMap(s); err != nil {
		rec.MapErr = err.Error()
	} else {
		rec.Map = mustJSON(m)
	}
	return rec, true
}

// matchRecord is one line of match.jsonl.gz: labels.Parse(selector).Matches(labels.Set(labels)).
type matchRecord struct {
	Selector string            `json:"selector"`
	Labels   map[string]string `json:"labels"`
	Match    bool              `json:"match"`
}

// labelsFor builds a label set near a selector: its keys, present or not, with one of its values, an
// integer around a gt/lt bound, or something else; plus unrelated and prototype-named keys.
func labelsFor(r *rng, sel labels.Selector) labels.Set {
	set := labels.Set{}
	reqs, _ := sel.Requirements()
	for _, req := range reqs {
		if !r.percent(75) {
			continue
		}
		vals := req.Values().List()
		switch {
		case (req.Operator() == selection.GreaterThan || req.Operator() == selection.LessThan) && r.percent(70):
			near := []string{"0", "-1", "1", "+5", "05", " 5", "5 ", "x", "9223372036854775807", "-9223372036854775808",
				"9223372036854775808", vals[0]}
			if bound, err := strconv.ParseInt(vals[0], 10, 64); err == nil {
				for _, d := range []int64{-1, 1, -1000, 1000} {
					if v := bound + d; (v > bound) == (d > 0) { // no int64 wraparound
						near = append(near, strconv.FormatInt(v, 10))
					}
				}
			}
			set[req.Key()] = r.pick(near)
		case len(vals) > 0 && r.percent(65):
			set[req.Key()] = r.pick(vals)
		default:
			set[req.Key()] = randomLabelValue(r)
		}
	}
	for n := r.weighted(50, 30, 20); n > 0; n-- {
		set[randomLabelKey(r)] = randomLabelValue(r)
	}
	return set
}

func recordMatch(r *rng, s string) (matchRecord, bool) {
	if len(s) > maxSelectorBytes {
		return matchRecord{}, false
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return matchRecord{}, false
	}
	set := labelsFor(r, sel)
	return matchRecord{Selector: s, Labels: set, Match: sel.Matches(set)}, true
}

// labelSelectorRecord is one line of label-selector.jsonl.gz: metav1.LabelSelectorAsSelector(in).
type labelSelectorRecord struct {
	In     json.RawMessage   `json:"in"` // a metav1.LabelSelector as JSON, or null
	Err    string            `json:"err,omitempty"`
	String *string           `json:"string,omitempty"`
	Empty  bool              `json:"empty,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	Match  bool              `json:"match,omitempty"` // Matches(labels)
}

var labelSelectorOperators = []string{"In", "NotIn", "Exists", "DoesNotExist"}
var badLabelSelectorOperators = []string{"Gt", "Lt", "in", "notin", "Equals", "", "exists", "NotIn ", "ö\x01", "=", "!"}

func randomLabelSelector(r *rng) *metav1.LabelSelector {
	if r.percent(3) {
		return nil
	}
	ls := &metav1.LabelSelector{}
	nLabels, nExprs := r.between(0, 4), r.between(0, 4)
	if nLabels > 0 {
		ls.MatchLabels = map[string]string{}
	}
	bad := false // at most one invalid matchLabels entry (see header)
	for i := 0; i < nLabels; i++ {
		k, v := r.pick(commonKeys[:21]), r.pick(commonValues[1:9])
		if r.percent(40) {
			k, v = randomLabelKey(r), randomLabelValue(r)
		}
		if _, err := labels.NewRequirement(k, selection.Equals, []string{v}); err != nil {
			if bad {
				continue
			}
			bad = true
		}
		ls.MatchLabels[k] = v
	}
	for i := 0; i < nExprs; i++ {
		e := metav1.LabelSelectorRequirement{Key: r.pick(commonKeys[:21])}
		if r.percent(40) {
			e.Key = randomLabelKey(r)
		}
		if r.percent(95) {
			e.Operator = metav1.LabelSelectorOperator(r.pick(labelSelectorOperators))
		} else {
			e.Operator = metav1.LabelSelectorOperator(r.pick(badLabelSelectorOperators))
		}
		n := r.weighted(10, 50, 33, 7)
		if n == 3 {
			n = r.between(3, 30)
		}
		if e.Operator == metav1.LabelSelectorOpExists || e.Operator == metav1.LabelSelectorOpDoesNotExist {
			if r.percent(85) {
				n = 0
			}
		}
		for j := 0; j < n; j++ {
			v := r.pick(commonValues[1:9])
			if r.percent(30) {
				v = randomLabelValue(r)
			}
			e.Values = append(e.Values, v)
		}
		ls.MatchExpressions = append(ls.MatchExpressions, e)
	}
	return ls
}

func recordLabelSelector(r *rng, ls *metav1.LabelSelector) labelSelectorRecord {
	rec := labelSelectorRecord{In: mustJSON(ls)}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		rec.Err = err.Error()
		return rec
	}
	str := sel.String()
	rec.String = &str
	rec.Empty = sel.Empty()
	rec.Labels = labelsFor(r, sel)
	rec.Match = sel.Matches(labels.Set(rec.Labels))
	return rec
}
