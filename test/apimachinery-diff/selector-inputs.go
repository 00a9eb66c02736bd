// Selector inputs: label keys and values (valid, at the length limits, malformed, unicode), and selector
// strings built from the grammar labels.Parse reads — every operator, set lists from empty to very long,
// odd whitespace between tokens — plus "k=v" lists in the shape ConvertSelectorToLabelsMap accepts, and a
// share of junk edits.
package main

import (
	"strconv"
	"strings"
)

const (
	alnum      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// Keys many inputs share, so that requirements collide, sort and match; some are JavaScript property names.
var commonKeys = []string{
	"app", "tier", "env", "version", "a", "b", "x", "k", "k8s.io/app", "example.com/role", "app.kubernetes.io/name",
	"10", "9", "A", "Z", "constructor", "toString", "hasOwnProperty", "valueOf", "in", "notin", "_", "__proto__",
}

var commonValues = []string{
	"", "a", "b", "prod", "dev", "web", "v1", "1", "0", "5", "-5", "+5", "05", "10", "9", "in", "notin",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"1e3", "0x10", "1_0", "constructor", "__proto__", "true", "null",
}

// strconv.ParseInt(s, 10, 64) accepts a sign and leading zeros, nothing else, and only within int64.
var integerValues = []string{
	"0", "1", "5", "-5", "+5", "05", "10", "9", "-0", "+0", "007", "9223372036854775807", "-9223372036854775808",
	"9223372036854775806", "-9223372036854775807", "4294967296", "2147483648",
	"9223372036854775808", "-9223372036854775809", "1e3", "0x10", "1_0", "1.5", "", "++5",
}

var badKeys = []string{
	"", "-a", "a-", "_a", "a_", ".a", "a.", "a/b/c", "/a", "a/", "//", "Example.com/a", "exa_mple.com/a",
	"-example.com/a", "example-.com/a", "example..com/a", "ключ", "ä", "a\u00a0b", "日本/a", "a/日本",
	"a\x00b", "a@b", "a:b", "a*", "a\u200bb", "\ufeffa", "😀", "a<b", "a&b", "\u0378", "\u00ad",
}

var badValues = []string{
	"-a", "a-", "_a", "a_", ".a", "a.", "a/b", "a:b", "ä", "値", "a\u00a0", "a\x00", "a\u200b", "@", "*",
	"a~b", "\u0085", "\ufeff", "a<b", "a&b>", "\u2028", "😀", "a\"b", "a\\b", "\x7f", "\u0600", "\U000e0001",
	"\u00ad", "\u0378", "\x01", "\t", "a\nb",
}

// Name and label pieces: random strings drawn from a few words compress far better than uniform noise and
// still put every character class at the start, middle and end; rare single characters add the rest.
var nameWords = []string{"app", "web", "db", "x", "a", "b", "A", "Z", "z", "0", "9", "v1", "my", "name", "k8s", "io", "prod", "Test", "42"}
var dnsWords = []string{"a", "b", "x", "z", "0", "9", "k8s", "io", "com", "example", "dns", "v1", "my-name", "123-abc"}

func wordsUpTo(r *rng, words []string, seps, edge string, n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 && r.percent(40) {
			b.WriteString(r.runs(seps, 1))
		}
		if r.percent(10) {
			b.WriteString(r.runs(edge, 1))
		} else {
			b.WriteString(r.pick(words))
		}
	}
	out := b.String()[:n]
	// start and end with a character the grammar allows there
	if strings.ContainsAny(out[:1], seps) {
		out = r.runs(edge, 1) + out[1:]
	}
	if strings.ContainsAny(out[len(out)-1:], seps) {
		out = out[:len(out)-1] + r.runs(edge, 1)
	}
	return out
}

func randomName(r *rng, maxLen int) string {
	return wordsUpTo(r, nameWords, "-_.", alnum, r.between(1, maxLen))
}

func randomDNSLabel(r *rng, maxLen int) string {
	return wordsUpTo(r, dnsWords, "-", lowerAlnum, r.between(1, maxLen))
}

func randomSubdomain(r *rng, parts, maxLabel int) string {
	labels := make([]string, parts)
	for i := range labels {
		labels[i] = randomDNSLabel(r, maxLabel)
	}
	return strings.Join(labels, ".")
}

// atLength returns a valid name of exactly n bytes.
func atLength(r *rng, n int) string {
	if n <= 0 {
		return ""
	}
	return wordsUpTo(r, nameWords, "-_.", alnum, n)
}

func randomLabelKey(r *rng) string {
	switch r.weighted(35, 30, 15, 4, 2, 5, 3) {
	case 0:
		return r.pick(commonKeys)
	case 1:
		return randomName(r, 12)
	case 2:
		return randomSubdomain(r, r.between(1, 3), 8) + "/" + randomName(r, 12)
	case 3:
		return atLength(r, r.between(62, 65))
	case 4: // prefix near its 253-byte limit
		p := randomSubdomain(r, 4, 63)
		for len(p) < 256 {
			p += "." + randomDNSLabel(r, 63)
		}
		return p[:r.between(251, 255)] + "/" + randomName(r, 8)
	case 5:
		return r.pick(badKeys)
	}
	return addJunk(r, randomName(r, 10), []string{"/", ".", "-", "_", "A", "é", "日", "\x00", "\t", "~"})
}

func randomLabelValue(r *rng) string {
	switch r.weighted(35, 30, 4, 8, 10, 5, 3) {
	case 0:
		return r.pick(commonValues)
	case 1:
		return randomName(r, 10)
	case 2:
		return atLength(r, r.between(62, 65))
	case 3:
		return ""
	case 4:
		return strconv.FormatInt(int64(r.next()>>uint(r.between(1, 63))), 10)
	case 5:
		return r.pick(badValues)
	}
	return addJunk(r, randomName(r, 8), []string{"/", "-", "_", "é", "\x00", "~", ":", "A"})
}

// Whitespace between tokens: the four the lexer skips, and a few it does not (they become identifier bytes).
func randomSpace(r *rng) string {
	switch r.weighted(70, 18, 6, 2, 1, 3) {
	case 0:
		return ""
	case 1:
		return " "
	case 2:
		return r.pick([]string{"  ", "\t", "\n", "\r", "\r\n", " \t "})
	case 3:
		return strings.Repeat(" ", r.between(3, 40))
	case 4:
		return r.pick([]string{"\u00a0", "\v", "\f", "\u2003"})
	}
	return r.runs(" \t\r\n", r.between(1, 5))
}

func randomValueList(r *rng, valid bool) string {
	var n int
	switch r.weighted(80, 400, 300, 150, 40, 4) {
	case 0:
		n = 0
	case 1:
		n = 1
	case 2:
		n = r.between(2, 4)
	case 3:
		n = r.between(5, 20)
	case 4:
		n = r.between(21, 150)
	default:
		n = r.between(151, 2500)
	}
	vals := make([]string, n)
	for i := range vals {
		switch {
		case i > 0 && r.percent(10):
			vals[i] = vals[r.intn(i)] // duplicates
		case n > 20 && r.percent(95): // long lists: mostly short valid values, so errors stay readable
			vals[i] = "v" + strconv.Itoa(r.intn(3*n))
		case valid:
			vals[i] = validValue(r)
		default:
			vals[i] = randomLabelValue(r)
		}
	}
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(randomSpace(r) + "," + randomSpace(r))
		}
		b.WriteString(v)
	}
	if r.percent(5) {
		return r.pick([]string{",", ",,", " , "}) + b.String()
	}
	if r.percent(5) {
		return b.String() + r.pick([]string{",", ",,", " , "})
	}
	return b.String()
}

// Keys and values that pass validation, for selectors that should parse as a whole.
func validKey(r *rng) string {
	switch r.weighted(50, 30, 20) {
	case 0:
		return r.pick(commonKeys[:21])
	case 1:
		return randomName(r, 12)
	}
	return randomSubdomain(r, r.between(1, 3), 8) + "/" + randomName(r, 12)
}

func validValue(r *rng) string {
	if r.percent(50) {
		return r.pick(commonValues[:9])
	}
	return randomName(r, 12)
}

// randomRequirement returns one requirement; valid ones use valid keys and values and lexer whitespace only.
func randomRequirement(r *rng, valid bool, keySuffix string) string {
	key := randomLabelKey(r)
	value := func() string { return randomLabelValue(r) }
	sp := func() string { return randomSpace(r) }
	weights := []int{15, 12, 38, 25, 3, 3}
	if valid {
		key = validKey(r) + keySuffix
		value = func() string { return validValue(r) }
		sp = func() string { return r.pick([]string{"", "", "", " ", "\t", "\n", "\r", "  "}) }
		weights = []int{15, 12, 40, 33, 0, 0}
	}
	switch r.weighted(weights...) {
	case 0:
		return key
	case 1:
		return "!" + sp() + key
	case 2:
		op := r.pick([]string{"=", "==", "!=", ">", "<"})
		v := value()
		if (op == ">" || op == "<") && (valid || r.percent(75)) {
			v = r.pick(integerValues[:17]) // the ones strconv.ParseInt accepts
			if !valid {
				v = r.pick(integerValues)
			}
		}
		return key + sp() + op + sp() + v
	case 3:
		return key + " " + sp() + r.pick([]string{"in", "notin"}) + sp() + "(" + sp() + randomValueList(r, valid) + sp() + ")"
	case 4: // operators the lexer does not know, or knows in another place
		return key + sp() + r.pick([]string{"=!", "<>", ">=", "<=", "===", "!==", "!!", "=<", "in", "notin", "(", "IN", "=>"}) + sp() + value()
	}
	return key + sp() + r.pick([]string{"in", "notin"}) + sp() + r.pick([]string{"()", "(", ")", "((a))", "(a", "a)", "(a)(b)", "(a,(b))", "(,)", "( )", "(,,)", "(a,,b)"})
}

var selectorJunk = []string{
	"(", ")", ",", "=", "!", "<", ">", " ", "in", "notin", "\x00", "&", "|", "'", "\"", "é", "日本", "\u00a0",
	"\v", "!=", "==", ",,", "/", "\\", "\u2028",
}

// randomSelector returns a selector string; about one in seven has the ConvertSelectorToLabelsMap shape.
// Beyond 12 requirements, repeated keys are kept out of the corpus (see selector.go), so most long valid
// selectors get distinct keys.
func randomSelector(r *rng) string {
	if r.percent(14) {
		return randomLabelsMapString(r)
	}
	var n int
	switch r.weighted(3, 45, 30, 15, 4, 3) {
	case 0:
		n = 0
	case 1:
		n = 1
	case 2:
		n = r.between(2, 3)
	case 3:
		n = r.between(4, 8)
	case 4:
		n = r.between(9, 12)
	default:
		n = r.between(13, 30)
	}
	// Two in five are built to parse, so that long valid selectors (and their sorting) are common too.
	valid := r.percent(40)
	distinct := n > 12 && r.percent(85)
	var b strings.Builder
	b.WriteString(randomSpace(r))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(randomSpace(r) + "," + randomSpace(r))
		}
		suffix := ""
		if distinct {
			suffix = strconv.Itoa(i)
		}
		b.WriteString(randomRequirement(r, valid, suffix))
	}
	b.WriteString(randomSpace(r))
	s := b.String()
	if r.percent(8) {
		s = addJunk(r, s, selectorJunk)
	}
	return s
}

// randomLabelsMapString: "k=v,k2=v2" with the spaces TrimSpace removes, repeated keys, and its near misses.
func randomLabelsMapString(r *rng) string {
	n := r.between(0, 6)
	parts := make([]string, n)
	for i := range parts {
		sp := func() string {
			if r.percent(70) {
				return ""
			}
			return r.pick([]string{" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u0085", "\ufeff", "\u200b", "\u3000"})
		}
		sep := "="
		if r.percent(10) {
			sep = r.pick([]string{"==", "!=", "", "=a=", " in "})
		}
		parts[i] = sp() + randomLabelKey(r) + sp() + sep + sp() + randomLabelValue(r) + sp()
	}
	s := strings.Join(parts, ",")
	if r.percent(8) {
		s = addJunk(r, s, []string{",", "=", " ", ",,", "!"})
	}
	return s
}

// selectorEdgeCases: the selector literals of kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/labels
// selector_test.go (TestSelectorParse, TestSetSelectorParser) and labels_test.go (TestLabelSelectorParse),
// then our own: NUL bytes, keywords as keys and values, Go's whitespace set, unicode, and one selector of
// exactly 16384 bytes (the port's cap; one byte more is refused there, see the comparison test).
func selectorEdgeCases() []string {
	cases := []string{
		"x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5", "x=a||y=b",
		"x==a==b", "!x=a", "x<a", "\rx", "this-is-a-dns.domain.com/key-with-dash",
		"this-is-another-dns.domain.com/key-with-dash in (so,what)", "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
		"foo  in\t (abc)", "x notin\n (abc)", "x  notin\t\t\t(abc,def)", "x in (abc,def)", "x in (abc,)", "x in (abc,abc)",
		"x in ()", "x in (a,,)", "x in (a,,,)", "x in (a,,,,,,)", "x in (a,,a,,a,,a,,)", "x notin (abc,,def),bar,z in (),w",
		"x,y in (a)", "x=a", "x<7", "x=a,y!=b", "x=a,y!=b,z in (h,i,j)", "x,,y", ",x,y", "x nott in (y)",
		"x notin ( )", "x notin (, a)", "a in (xyz),", "a in (xyz)b notin ()", "a ", "a in (x,y,notin, z,in)",
		"a in (xyz abc)", "a notin(", "a (", "(", " x = a , y = b , z = c ", "color=green,env=test,service=front",
		"color=green, env=test, service=front", ",", "x", "x,y", "x=$y", "x==y",
		// ours
		"x=a\x00,y=b", "\x00", "x\x00=a", "x in (a\x00b)", "in", "notin", "in in (in)", "notin notin (notin)",
		"in=notin", "x in (in,notin)", "!in", "x\v=a", "x\f", "x\u00a0=a", "x=\u00a0", "x=é", "é=x", "x in (é)",
		"x>9223372036854775807", "x>9223372036854775808", "x<-9223372036854775808", "x<-9223372036854775809",
		"x>+5", "x>05", "x>", "x<", "x>a", "x> 5", "x>>5", "x<<5", "x=>5", "x!5", "!!x", "! x", "!x,!y", "!x=",
		"x!=", "x!==a", "x===a", "x=a=b", "x=(a)", "x in a", "x in (a", "x in a)", "x in ((a))", "x in (a)(b)",
		"x in (a,(b))", "x in (,)", "x in ( )", "x in (,,)", "x in (a,,b)", "x notin ()", "x=a,", ",", ",,",
		"x=a,,y=b", " ", "\t\n\r", "x ,y", "x, y", "x ,", "k8s.io/app=web", "a/b/c=d", "/a=b", "a/=b",
		"Example.com/a=b", "__proto__=x", "constructor", "!toString", "x=a,x=b", "x=b,x=a", "x in (b,a),x in (a,b)",
		"b=1,a=2,c=3,a=1", "z,y,x,w,v,u,t,s,r,q,p,o", "z,y,x,w,v,u,t,s,r,q,p,o,n,m,l,k",
		strings.Repeat("a", 63) + "=" + strings.Repeat("b", 63), strings.Repeat("a", 64) + "=b", "a=" + strings.Repeat("b", 64),
		strings.Repeat("a.", 126) + "a/b=c", strings.Repeat("a.", 127) + "a/b=c",
	}
	// Exactly maxSelectorBytes: "x in (v0000,v0001,…)" padded with spaces before the closing parenthesis.
	var b strings.Builder
	b.WriteString("x in (")
	for i := 0; b.Len() < maxSelectorBytes-20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("v" + strconv.Itoa(10000+i))
	}
	atCap := b.String() + strings.Repeat(" ", maxSelectorBytes-1-b.Len()) + ")"
	return append(cases, atCap)
}
