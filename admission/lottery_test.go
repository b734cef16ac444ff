package admission

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"edubureau/fault"
)

// The worked example of docs/lottery.md. The keys were computed outside Go with
//
//	printf '%s\0%s' "长宁2026-730194" 2026001 | sha256sum
const exampleSeed = "长宁2026-730194"

var exampleIDs = []string{"2026001", "2026002", "2026003", "2026004", "2026005", "2026006"}

var exampleKeys = map[string]string{
	"2026001": "2c1dcdc37fd03c476117a92089538c4fca363726f5dc1ba63012f16712970a74",
	"2026006": "3765dd8733399ee7fae2c7479e4e571c00fb6aefc43f0bfdfaebcad9b69d78fc",
	"2026005": "564d4c54111fa7ce2045134b7bd58a9ad04b261dfae04fc5fa94e0d847dbfd42",
	"2026002": "974b73fc13cc923d1e60e2ff78976bb39ad97e3fb7fcaed7ea63233179281f4b",
	"2026003": "c09e08c06d0c62fd8734e7ccdb19554b22854c324241c9ff811f63f8a54b8819",
	"2026004": "e2b2b7b0d988c9715cb345bd4040afcb235d64e21132dc31baf77536b35ce1dd",
}

// independentKey builds the hashed message byte by byte and hashes it
// through the streaming interface: a different path from LotteryKey's.
func independentKey(seed, id string) string {
	var msg []byte
	for i := 0; i < len(seed); i++ {
		msg = append(msg, seed[i])
	}
	msg = append(msg, 0x00)
	for i := 0; i < len(id); i++ {
		msg = append(msg, id[i])
	}
	h := sha256.New()
	for _, b := range msg { // one byte at a time
		h.Write([]byte{b})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestLotteryKeyIsThePublishedAlgorithm(t *testing.T) {
	for _, id := range exampleIDs {
		k := LotteryKey(exampleSeed, id)
		got := hex.EncodeToString(k[:])
		if got != exampleKeys[id] {
			t.Errorf("LotteryKey(%q, %q) = %s, sha256sum says %s", exampleSeed, id, got, exampleKeys[id])
		}
		if ind := independentKey(exampleSeed, id); got != ind {
			t.Errorf("LotteryKey(%q, %q) = %s, independent computation %s", exampleSeed, id, got, ind)
		}
	}
	// The zero byte separates seed and id: moving a character across it changes the key.
	if LotteryKey("ab", "c") == LotteryKey("a", "bc") {
		t.Error("the separator does not separate")
	}
}

func TestDrawRecomputedIndependently(t *testing.T) {
	// Shuffled input: the order of the list must not matter.
	ids := []string{"2026004", "2026002", "2026006", "2026001", "2026005", "2026003"}
	ts, err := Draw(exampleSeed, ids, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Recompute: sort the ids by their independently computed hex keys
	// (lowercase hex of equal length sorts like the bytes).
	want := slices.Clone(ids)
	sort.Slice(want, func(i, j int) bool {
		return independentKey(exampleSeed, want[i]) < independentKey(exampleSeed, want[j])
	})
	if !slices.Equal(want, []string{"2026001", "2026006", "2026005", "2026002", "2026003", "2026004"}) {
		t.Fatalf("independent ranking %v", want)
	}
	for i, tk := range ts {
		if tk.ID != want[i] || tk.Rank != i+1 || tk.Admitted != (i < 3) || tk.KeyHex() != exampleKeys[tk.ID] {
			t.Errorf("ticket %d = %+v, want id %s rank %d admitted %v", i, tk, want[i], i+1, i < 3)
		}
	}
}

func TestDrawEdges(t *testing.T) {
	ts, err := Draw("s", []string{"a", "b"}, 5) // more places than applicants
	if err != nil || len(ts) != 2 || !ts[0].Admitted || !ts[1].Admitted {
		t.Errorf("places > applicants: %+v %v", ts, err)
	}
	ts, err = Draw("s", nil, 0)
	if err != nil || len(ts) != 0 {
		t.Errorf("empty draw: %+v %v", ts, err)
	}
	ts, err = Draw("s", []string{"a", "b"}, 0)
	if err != nil || ts[0].Admitted || ts[1].Admitted {
		t.Errorf("no places: %+v %v", ts, err)
	}
	bad := []struct {
		seed   string
		ids    []string
		places int
		field  string
		index  int
	}{
		{"", []string{"a"}, 1, "seed", -1},
		{"s\x00", []string{"a"}, 1, "seed", -1},
		{"s\xff", []string{"a"}, 1, "seed", -1},
		{"s", []string{"a"}, -1, "places", -1},
		{"s", []string{"a", ""}, 1, "id", 1},
		{"s", []string{"a", "b", "a"}, 1, "id", 2},
		{"s", []string{"a\nb"}, 1, "id", 0},
	}
	for _, b := range bad {
		_, err := Draw(b.seed, b.ids, b.places)
		var le *LotteryError
		if !errors.As(err, &le) || le.Field != b.field || le.Index != b.index {
			t.Errorf("Draw(%q, %q, %d) = %v, want a %s error at %d", b.seed, b.ids, b.places, err, b.field, b.index)
			continue
		}
		if fault.KindOf(err) != fault.Invalid {
			t.Errorf("kind %s", fault.KindOf(err))
		}
	}
}

func TestVerifyDraw(t *testing.T) {
	ts, _ := Draw(exampleSeed, exampleIDs, 3)
	published := func(edit func([]Ticket) []Ticket) []Ticket {
		p := slices.Clone(ts)
		for i := range p {
			p[i].Key = [32]byte{} // a results file carries no keys
		}
		return edit(p)
	}
	if m, err := VerifyDraw(exampleSeed, exampleIDs, 3, published(func(p []Ticket) []Ticket { return p })); m != nil || err != nil {
		t.Fatalf("the draw itself does not verify: %+v %v", m, err)
	}
	tests := []struct {
		name  string
		edit  func([]Ticket) []Ticket
		index int
		msg   string
	}{
		{"swapped", func(p []Ticket) []Ticket { p[2], p[3] = p[3], p[2]; return p }, 2, "published id=2026002"},
		{"admitted flag", func(p []Ticket) []Ticket { p[3].Admitted = true; return p }, 3, "admitted=true"},
		{"rank", func(p []Ticket) []Ticket { p[5].Rank = 7; return p }, 5, "rank=7"},
		{"short", func(p []Ticket) []Ticket { return p[:5] }, 5, "missing"},
		{"long", func(p []Ticket) []Ticket { return append(p, Ticket{ID: "x", Rank: 7}) }, 6, "extra"},
	}
	for _, tt := range tests {
		m, err := VerifyDraw(exampleSeed, exampleIDs, 3, published(tt.edit))
		if err != nil || m == nil || m.Index != tt.index || !strings.Contains(m.Msg.EN, tt.msg) {
			t.Errorf("%s: got %+v %v, want a mismatch at %d mentioning %q", tt.name, m, err, tt.index, tt.msg)
		}
	}
	// Another seed gives another draw.
	if m, _ := VerifyDraw("another seed", exampleIDs, 3, published(func(p []Ticket) []Ticket { return p })); m == nil {
		t.Error("a draw verified under a different seed")
	}
}

func TestApplicantListDigest(t *testing.T) {
	// printf '%s\n' 2026001 … 2026006 | LC_ALL=C sort | sha256sum
	const want = "47d648af7fea894b9d39cbce810152d4a0c6dc14da3bfb5fa78d3d5e5dfd5201"
	a := ApplicantListDigest(exampleIDs)
	b := ApplicantListDigest([]string{"2026006", "2026005", "2026004", "2026003", "2026002", "2026001"})
	if a != b {
		t.Error("the digest depends on the order of the list")
	}
	var msg strings.Builder
	for _, id := range exampleIDs {
		msg.WriteString(id + "\n")
	}
	if sum := sha256.Sum256([]byte(msg.String())); a != sum {
		t.Errorf("digest %x, want %x", a, sum)
	}
	if got := hex.EncodeToString(a[:]); got != want {
		t.Errorf("digest %s, sha256sum says %s", got, want)
	}
}

func TestAssignZone(t *testing.T) {
	schools := []ZoneSchool{{"S1", 1}, {"S2", 2}}
	children := []ZoneChild{
		{"2026001", []string{"S1", "S2"}},
		{"2026002", []string{"S1"}},
		{"2026003", []string{"S2", "S1"}},
		{"2026004", []string{"S1", "S2"}},
		{"2026005", []string{"S2", "S1"}},
		{"2026006", []string{"S1", "S2"}},
	}
	got, err := AssignZone(exampleSeed, schools, children)
	if err != nil {
		t.Fatal(err)
	}
	// Rank order 001, 006, 005, 002, 003, 004 (see TestDrawRecomputedIndependently):
	// 001 takes S1; 006 finds S1 full and takes S2; 005 takes S2's last place;
	// 002 (S1 only), 003 and 004 find everything full: the waiting list.
	want := []string{"2026001:S1", "2026006:S2", "2026005:S2", "2026002:", "2026003:", "2026004:"}
	for i, s := range got {
		if s.ID+":"+s.School != want[i] || s.Rank != i+1 {
			t.Errorf("seat %d = %s:%s rank %d, want %s", i, s.ID, s.School, s.Rank, want[i])
		}
	}
	bad := []struct {
		name     string
		schools  []ZoneSchool
		children []ZoneChild
		field    string
	}{
		{"school outside the zone", schools, []ZoneChild{{"a", []string{"S9"}}}, "prefs"},
		{"school twice in prefs", schools, []ZoneChild{{"a", []string{"S1", "S1"}}}, "prefs"},
		{"duplicate child", schools, []ZoneChild{{"a", nil}, {"a", nil}}, "id"},
		{"negative places", []ZoneSchool{{"S1", -1}}, nil, "places"},
		{"duplicate school", []ZoneSchool{{"S1", 1}, {"S1", 1}}, nil, "school"},
	}
	for _, b := range bad {
		_, err := AssignZone(exampleSeed, b.schools, b.children)
		var le *LotteryError
		if !errors.As(err, &le) || le.Field != b.field {
			t.Errorf("%s: got %v, want a %s error", b.name, err, b.field)
		}
	}
	if _, err := AssignZone("", schools, children); err == nil {
		t.Error("empty seed accepted")
	}
}

// TestLotteryDocIsTheCode keeps docs/lottery.md's worked example true.
func TestLotteryDocIsTheCode(t *testing.T) {
	doc, err := os.ReadFile("../docs/lottery.md")
	if err != nil {
		t.Skip("docs/lottery.md not found:", err)
	}
	text := string(doc)
	if !strings.Contains(text, "Seed `"+exampleSeed+"`") {
		t.Errorf("the doc's seed is not %q", exampleSeed)
	}
	ts, _ := Draw(exampleSeed, exampleIDs, 3)
	for _, tk := range ts {
		row := fmt.Sprintf("| %s | `%s` | %d | %v |", tk.ID, tk.KeyHex(), tk.Rank, tk.Admitted)
		if !strings.Contains(text, row) {
			t.Errorf("the doc lacks the row %s", row)
		}
	}
	var results strings.Builder
	if err := WriteTickets(&results, ts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "```\n"+results.String()+"```") {
		t.Errorf("the doc lacks the results file:\n%s", results.String())
	}
	d := ApplicantListDigest(exampleIDs)
	if !strings.Contains(text, hex.EncodeToString(d[:])) {
		t.Error("the doc lacks the list digest")
	}
	seats, _ := AssignZone(exampleSeed, []ZoneSchool{{"S1", 1}, {"S2", 2}}, []ZoneChild{
		{"2026001", []string{"S1", "S2"}}, {"2026002", []string{"S1"}}, {"2026003", []string{"S2", "S1"}},
		{"2026004", []string{"S1", "S2"}}, {"2026005", []string{"S2", "S1"}}, {"2026006", []string{"S1", "S2"}},
	})
	for _, s := range seats {
		prefix := fmt.Sprintf("| %d | %s |", s.Rank, s.ID)
		i := strings.Index(text, prefix)
		if i < 0 {
			t.Errorf("the doc's zone table lacks %s", prefix)
			continue
		}
		line := text[i : i+strings.IndexByte(text[i:], '\n')]
		want := "waiting list"
		if s.School != "" {
			want = "| " + s.School
		}
		if !strings.Contains(line, want) {
			t.Errorf("zone table line %q, want %q", line, want)
		}
	}
}
