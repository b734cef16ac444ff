package idno

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"edubureau/fault"
)

var today = time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

// msgOf returns the error's message in both languages, checking it is a
// well-formed fault.Invalid.
func msgOf(t *testing.T, err error) (zh, en string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is %T, want *fault.Error", err, err)
	}
	if fe.Kind != fault.Invalid {
		t.Errorf("kind %s, want invalid", fe.Kind)
	}
	for _, m := range []string{fe.Msg.ZH, fe.Msg.EN} {
		if m == "" || strings.Contains(m, "%!") {
			t.Errorf("bad message %q", m)
		}
	}
	return fe.Msg.ZH, fe.Msg.EN
}

func TestCheckChar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"34052419800101001", 'X'},
		{"43040520100315001", CheckChar("43040520100315001")},
		{"1101051949123100", 0},   // 16
		{"110105194912310021", 0}, // 18
		{"1101051949123100a", 0},
		{"", 0},
	} {
		if got := CheckChar(tc.in); got != tc.want {
			t.Errorf("CheckChar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every residue maps to the published table: sum mod 11 = 0..10 → 1 0 X 9 8 7 6 5 4 3 2.
	// 17 zeros except one digit at a weight-1 position (index 7) gives sum = d.
	want := "10X98765432"
	for d := 0; d <= 9; d++ {
		s := []byte("00000000000000000")
		s[7] = byte('0' + d)
		if got := CheckChar(string(s)); got != want[d] {
			t.Errorf("sum %d: %q, want %q", d, got, want[d])
		}
	}
	// sum 10: weight 10 at index 2, digit 1.
	if got := CheckChar("00100000000000000"); got != '2' {
		t.Errorf("sum 10: %q, want '2'", got)
	}
}

func TestParseResidentIDValid(t *testing.T) {
	for _, tc := range []struct {
		in, number, area, birth string
		male                    bool
	}{
		{"11010519491231002X", "11010519491231002X", "110105", "1949-12-31", false},
		{"34052419800101001X", "34052419800101001X", "340524", "1980-01-01", true},
		{"11010519491231002x", "11010519491231002X", "110105", "1949-12-31", false},
		{"  11010519491231002X\t", "11010519491231002X", "110105", "1949-12-31", false},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", "110105", "1949-12-31", false},
		{MakeResidentID("430405", date(2000, 2, 29), 11), "", "430405", "2000-02-29", true},
		{MakeResidentID("810000", date(2010, 1, 1), 2), "", "810000", "2010-01-01", false},
		{MakeResidentID("710000", date(2010, 1, 1), 2), "", "710000", "2010-01-01", false},
		{MakeResidentID("650102", today, 1), "", "650102", "2025-09-01", true}, // born today
	} {
		id, err := ParseResidentID(tc.in, today)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if tc.number == "" {
			tc.number = tc.in
		}
		if id.Number != tc.number || id.Area != tc.area || id.BirthDate() != tc.birth || id.Male != tc.male {
			t.Errorf("%q: got %+v", tc.in, id)
		}
		if g := id.Gender(); (g == Male) != tc.male {
			t.Errorf("%q: gender %s", tc.in, g)
		}
	}
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestParseResidentIDErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		reason   Reason
		zh, en   string // substrings the messages must contain
	}{
		{"empty", "  ", ReasonEmpty, "身份证号为空", "ID number is empty"},
		{"short", "11010519491231002", ReasonLength, "应为 18 位，实为 17 位", "should have 18 characters, not 17"},
		{"long", "11010519491231002X1", ReasonLength, "实为 19 位", "not 19"},
		{"15-digit", "110105491231002", ReasonLength, "实为 15 位", "not 15"},
		{"letter", "1101051949A231002X", ReasonChar, "第 11 位应为数字，实为“A”", `character 11 of the ID number should be a digit, not "A"`},
		{"X inside", "110105194912310X2X", ReasonChar, "第 16 位应为数字", "character 16"},
		{"bad last", "11010519491231002Y", ReasonChar, "第 18 位应为数字或 X，实为“Y”", `should be a digit or X, not "Y"`},
		{"cjk", "11010519491231002中", ReasonChar, "第 18 位", `not "中"`},
		{"checksum", "110105194912310021", ReasonChecksum, "身份证号校验位应为 X，实为 1", "check character of the ID number should be X, not 1"},
		{"checksum digit", "340524198001010013", ReasonChecksum, "应为 X，实为 3", "should be X, not 3"},
		{"31 Feb", fix("110105200102310010"), ReasonDate, "2001 年 2 月没有 31 日", "February 2001 has no day 31"},
		{"29 Feb non-leap", fix("110105190002290010"), ReasonDate, "1900 年 2 月没有 29 日", "February 1900 has no day 29"},
		{"month 13", fix("110105200113010010"), ReasonDate, "出生月份“13”无效", `birth month "13"`},
		{"month 00", fix("110105200100010010"), ReasonDate, "出生月份“00”无效", `birth month "00"`},
		{"day 00", fix("110105200101000010"), ReasonDate, "1 月没有 0 日", "January 2001 has no day 0"},
		{"before 1900", fix("110105189912310010"), ReasonDate, "早于 1900 年", "before 1900"},
		{"tomorrow", MakeResidentID("110105", today.AddDate(0, 0, 1), 1), ReasonFuture, "2025-09-02 晚于今天", "2025-09-02 in the ID number is in the future"},
		{"future", fix("110105209901010010"), ReasonFuture, "晚于今天", "future"},
		{"province 00", fix("000105200001010010"), ReasonArea, "前两位“00”不是有效的省级行政区代码", `"00", are not a province code`},
		{"province 83", fix("830000200001010010"), ReasonArea, "“83”", `"83"`},
		{"province 16", fix("160105200001010010"), ReasonArea, "“16”", `"16"`},
		{"province 72", fix("720105200001010010"), ReasonArea, "“72”", `"72"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResidentID(tc.in, today)
			if err == nil {
				t.Fatalf("%q accepted", tc.in)
			}
			if r := ReasonOf(err); r != tc.reason {
				t.Errorf("reason %q, want %q (%v)", r, tc.reason, err)
			}
			if !errors.Is(err, tc.reason) {
				t.Errorf("errors.Is(err, %q) false", tc.reason)
			}
			zh, en := msgOf(t, err)
			if !strings.Contains(zh, tc.zh) || !strings.Contains(en, tc.en) {
				t.Errorf("messages\n zh %q\n en %q\nwant %q / %q", zh, en, tc.zh, tc.en)
			}
		})
	}
}

// fix replaces the check character so only the rule under test fails.
func fix(s string) string { return s[:17] + string(CheckChar(s[:17])) }

func TestProvinces(t *testing.T) {
	ok := map[string]bool{}
	for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}, {71, 71}, {81, 82}} {
		for p := r[0]; p <= r[1]; p++ {
			ok[string(rune('0'+p/10))+string(rune('0'+p%10))] = true
		}
	}
	for p := 0; p <= 99; p++ {
		code := string(rune('0'+p/10)) + string(rune('0'+p%10))
		_, err := ParseResidentID(MakeResidentID(code+"0101", date(2000, 1, 1), 1), today)
		if (err == nil) != ok[code] {
			t.Errorf("province %s: err %v, want accepted=%v", code, err, ok[code])
		}
	}
	if name, ok := ProvinceOf("430405"); !ok || name.ZH != "湖南" {
		t.Errorf("ProvinceOf(430405) = %v %v", name, ok)
	}
}

func TestFutureUsesNowsCalendarDay(t *testing.T) {
	// 2025-09-02 00:30 in Beijing is still 2025-09-01 in UTC: a child born on
	// 2025-09-02 is valid by the Beijing calendar day.
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2025, 9, 2, 0, 30, 0, 0, cst)
	id := MakeResidentID("430405", date(2025, 9, 2), 2)
	if _, err := ParseResidentID(id, now); err != nil {
		t.Errorf("born today (Beijing): %v", err)
	}
	if _, err := ParseResidentID(id, now.UTC()); ReasonOf(err) != ReasonFuture {
		t.Errorf("born tomorrow (UTC): %v", err)
	}
}

func TestConsistentWith(t *testing.T) {
	id, err := ParseResidentID("11010519491231002X", today)
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name   string
		birth  time.Time
		male   bool
		reason Reason
		zh, en string
	}{
		{"agree", date(1949, 12, 31), false, "", "", ""},
		{"agree other zone", time.Date(1949, 12, 31, 23, 0, 0, 0, cst), false, "", "", ""},
		{"birth", date(1949, 12, 30), false, ReasonBirthMismatch, "出生日期 1949-12-31 与填写的 1949-12-30 不一致", "birth date 1949-12-31 differs from the stated 1949-12-30"},
		{"gender", date(1949, 12, 31), true, ReasonGenderMismatch, "性别为女，与填写的男不一致", "indicates female, but male was stated"},
		{"both", date(1950, 1, 1), true, ReasonBirthMismatch, "性别（女）与填写的（男）也不一致", "its gender (female) from the stated (male)"},
	} {
		err := ConsistentWith(id, tc.birth, tc.male)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if ReasonOf(err) != tc.reason {
			t.Errorf("%s: reason %q (%v)", tc.name, ReasonOf(err), err)
			continue
		}
		zh, en := msgOf(t, err)
		if !strings.Contains(zh, tc.zh) || !strings.Contains(en, tc.en) {
			t.Errorf("%s: messages %q / %q", tc.name, zh, en)
		}
	}
}

func TestValidateID(t *testing.T) {
	for _, tc := range []struct {
		typ    IDType
		in     string
		want   string
		reason Reason
	}{
		{ResidentIDCard, "11010519491231002x", "11010519491231002X", ""},
		{ResidentIDCard, "110105194912310021", "", ReasonChecksum},
		{HMTResidence, fix("810000199001010010"), fix("810000199001010010"), ""},
		{HMTResidence, fix("820000199001010010"), fix("820000199001010010"), ""},
		{HMTResidence, fix("830000199001010010"), fix("830000199001010010"), ""},
		{HMTResidence, "11010519491231002X", "", ReasonArea},
		{HMTResidence, fix("810100199001010010"), "", ReasonArea},
		{HMTResidence, "810000199001010011", "", ReasonChecksum},
		{HMTResidence, fix("810000199002300010"), "", ReasonDate},
		{HKMacaoPermit, "H12345678", "H12345678", ""},
		{HKMacaoPermit, "m1234567801", "M1234567801", ""},
		{HKMacaoPermit, "", "", ReasonEmpty},
		{HKMacaoPermit, "X12345678", "", ReasonPrefix},
		{HKMacaoPermit, "H1234567", "", ReasonLength},
		{HKMacaoPermit, "H123456789", "", ReasonLength},
		{HKMacaoPermit, "H1234567A", "", ReasonChar},
		{TaiwanPermit, "12345678", "12345678", ""},
		{TaiwanPermit, "1234567", "", ReasonLength},
		{TaiwanPermit, "1234567A", "", ReasonChar},
		{Passport, "e12345678", "E12345678", ""},
		{Passport, "AB123", "AB123", ""},
		{Passport, "AB12", "", ReasonLength},
		{Passport, strings.Repeat("A", 21), "", ReasonLength},
		{Passport, "AB-12345", "", ReasonChar},
		{"driving_licence", "123", "", ReasonType},
	} {
		got, err := ValidateID(tc.typ, tc.in, today)
		if tc.reason == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s %q: %q, %v; want %q", tc.typ, tc.in, got, err, tc.want)
			}
			continue
		}
		if ReasonOf(err) != tc.reason {
			t.Errorf("%s %q: reason %q (%v), want %q", tc.typ, tc.in, ReasonOf(err), err, tc.reason)
			continue
		}
		msgOf(t, err)
	}
	for _, typ := range IDTypes {
		if got, err := ParseIDType(string(typ)); got != typ || err != nil {
			t.Errorf("ParseIDType(%q) = %q, %v", typ, got, err)
		}
		if typ.Label().ZH == "未知证件类型" {
			t.Errorf("%s has no label", typ)
		}
	}
	if _, err := ParseIDType("x"); ReasonOf(err) != ReasonType {
		t.Errorf("ParseIDType(x): %v", err)
	}
}

func TestParseStudentNumber(t *testing.T) {
	j := "J" + MakeResidentID("430405", date(2015, 6, 1), 7)
	for _, tc := range []struct {
		in     string
		kind   StudentKind
		birth  string
		male   bool
		reason Reason
		zh, en string
	}{
		{"G11010519491231002X", StudentFormal, "1949-12-31", false, "", "", ""},
		{"g11010519491231002x", StudentFormal, "1949-12-31", false, "", "", ""},
		{j, StudentNoID, "2015-06-01", true, "", "", ""},
		{"L" + MakeResidentID("310105", date(2016, 2, 29), 8), StudentTemporary, "2016-02-29", false, "", "", ""},
		{"", "", "", false, ReasonEmpty, "学籍号为空", "student number is empty"},
		{"11010519491231002X", "", "", false, ReasonLength, "实为 18 位", "not 18"},
		{"K11010519491231002X", "", "", false, ReasonPrefix, "应以 G、J 或 L 开头，实为“K”", `not "K"`},
		{"中11010519491231002X", "", "", false, ReasonPrefix, "实为“中”", `not "中"`},
		{"G1101051949123100AX", "", "", false, ReasonChar, "学籍号第 18 位应为数字", "character 18 of the student number"},
		{"G110105194912310021", "", "", false, ReasonChecksum, "学籍号校验位应为 X，实为 1", "should be X, not 1"},
		{"J" + fix("430405201502300010"), "", "", false, ReasonDate, "2 月没有 30 日", "February 2015 has no day 30"},
		{"L" + fix("990405201501010010"), "", "", false, ReasonArea, "“99”", `"99"`},
		{"J" + MakeResidentID("430405", today.AddDate(1, 0, 0), 1), "", "", false, ReasonFuture, "晚于今天", "future"},
	} {
		n, err := ParseStudentNumber(tc.in, today)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
				continue
			}
			if n.Kind != tc.kind || n.Birth().Format(time.DateOnly) != tc.birth || n.Body.Male != tc.male ||
				n.Number != strings.ToUpper(tc.in) || n.Number[1:] != n.Body.Number {
				t.Errorf("%q: %+v", tc.in, n)
			}
			if _, ok := n.ResidentID(); ok != (tc.kind == StudentFormal) {
				t.Errorf("%q: ResidentID ok=%v", tc.in, ok)
			}
			continue
		}
		if ReasonOf(err) != tc.reason {
			t.Errorf("%q: reason %q (%v), want %q", tc.in, ReasonOf(err), err, tc.reason)
			continue
		}
		zh, en := msgOf(t, err)
		if !strings.Contains(zh, tc.zh) || !strings.Contains(en, tc.en) {
			t.Errorf("%q: messages %q / %q", tc.in, zh, en)
		}
	}
}

func TestMakeResidentIDPanics(t *testing.T) {
	for _, f := range []func(){
		func() { MakeResidentID("43040", date(2000, 1, 1), 1) },
		func() { MakeResidentID("43040a", date(2000, 1, 1), 1) },
		func() { MakeResidentID("430405", date(2000, 1, 1), 1000) },
		func() { MakeResidentID("430405", date(2000, 1, 1), -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

var validAreas = []string{"110105", "310105", "430405", "430481", "440305", "540102", "650102", "710000", "810000", "820000"}

// TestProperty: generated IDs validate and carry what went in; changing any
// one character makes them fail (the mod-11 check detects every single
// substitution because 11 is prime and no weight is 0 mod 11).
func TestProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	first := date(1900, 1, 1)
	days := int(today.Sub(first).Hours() / 24)
	for range 2000 {
		area := validAreas[rng.IntN(len(validAreas))]
		birth := first.AddDate(0, 0, rng.IntN(days+1))
		seq := rng.IntN(1000)
		s := MakeResidentID(area, birth, seq)
		id, err := ParseResidentID(s, today)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if id.Area != area || !id.Birth.Equal(birth) || id.Seq != seq || id.Male != (seq%2 == 1) {
			t.Fatalf("%s: %+v", s, id)
		}
		if _, err := ParseStudentNumber("G"+s, today); err != nil {
			t.Fatalf("G%s: %v", s, err)
		}
		pos := rng.IntN(18)
		b := []byte(s)
		old := b[pos]
		for b[pos] == old {
			if pos == 17 {
				b[pos] = "0123456789X"[rng.IntN(11)]
			} else {
				b[pos] = byte('0' + rng.IntN(10))
			}
		}
		if _, err := ParseResidentID(string(b), today); err == nil {
			t.Fatalf("%s (from %s, position %d) accepted", b, s, pos+1)
		}
	}
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "34052419800101001X", "11010519491231002x", "", "110105200102310010", "１１０１０５１９４９１２３１００２ｘ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseResidentID(s, today)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("%q: error without reason: %v", s, err)
			}
			return
		}
		again, err := ParseResidentID(id.Number, today)
		if err != nil || again != id {
			t.Fatalf("%q → %+v does not re-validate: %v", s, id, err)
		}
		if len(id.Number) != 18 || id.Number[:17] != MakeResidentID(id.Area, id.Birth, id.Seq)[:17] {
			t.Fatalf("%q: inconsistent %+v", s, id)
		}
		for _, typ := range IDTypes {
			ValidateID(typ, s, today)
		}
	})
}

func FuzzParseStudentNumber(f *testing.F) {
	for _, s := range []string{"G11010519491231002X", "J34052419800101001X", "L11010519491231002x", "", "G", "K11010519491231002X", "中11010519491231002X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseStudentNumber(s, today)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("%q: error without reason: %v", s, err)
			}
			return
		}
		again, err := ParseStudentNumber(n.Number, today)
		if err != nil || again != n {
			t.Fatalf("%q → %+v does not re-validate: %v", s, n, err)
		}
		if len(n.Number) != 19 || string(n.Kind) != n.Number[:1] || n.Body.Number != n.Number[1:] {
			t.Fatalf("%q: inconsistent %+v", s, n)
		}
	})
}
