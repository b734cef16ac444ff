package student

import (
	"fmt"
	"strconv"
	"strings"

	"edubureau/i18n"
	"edubureau/school"
)

// Grade is a year of schooling: K1–K3 for the kindergarten's 小班, 中班 and
// 大班 (stored as -2, -1, 0), then 1–12 (一年级 … 高三). Numbers run on across
// levels, so grade 7 is the first junior year whatever the school.
type Grade int

const (
	K1 Grade = -2 // 小班
	K2 Grade = -1 // 中班
	K3 Grade = 0  // 大班
)

// Span is the grades a school type teaches, first to last.
type Span struct{ First, Last Grade }

// Has reports whether g is in the span.
func (s Span) Has(g Grade) bool { return s.First <= g && g <= s.Last }

// System is the split of the nine compulsory years between primary and
// junior school: 六三制 (6 + 3, the national default) or 五四制 (5 + 4:
// Shanghai, parts of Shandong, Heilongjiang…). Grade numbers do not change:
// under 五四制, grade 6 is the first junior year.
type System string

const (
	SixThree System = "6-3"
	FiveFour System = "5-4"
)

// gradeTable is which grades each school type teaches, under each system.
// Types not listed (adult, senior-citizen schools, training institutions)
// keep no student status records.
var gradeTable = []struct {
	Type     school.Type
	SixThree Span
	FiveFour Span
}{
	{school.Kindergarten, Span{K1, K3}, Span{K1, K3}},
	{school.Primary, Span{1, 6}, Span{1, 5}},
	{school.Junior, Span{7, 9}, Span{6, 9}},
	{school.NineYear, Span{1, 9}, Span{1, 9}},
	{school.Senior, Span{10, 12}, Span{10, 12}},
	{school.CompleteSecondary, Span{7, 12}, Span{6, 12}},
	{school.TwelveYear, Span{1, 12}, Span{1, 12}},
	{school.Vocational, Span{10, 12}, Span{10, 12}},
	{school.Special, Span{1, 9}, Span{1, 9}},
}

// Grades returns the span of grades a school type teaches under system, and
// false when the type keeps no student records.
func (sys System) Grades(t school.Type) (Span, bool) {
	for _, row := range gradeTable {
		if row.Type == t {
			if sys == FiveFour {
				return row.FiveFour, true
			}
			return row.SixThree, true
		}
	}
	return Span{}, false
}

// lastPrimary is the last primary grade under the system.
func (sys System) lastPrimary() Grade {
	if sys == FiveFour {
		return 5
	}
	return 6
}

// Level is the stage of education a student is at, as the statistics count it.
type Level string

const (
	Preschool  Level = "preschool"
	Primary    Level = "primary"
	Junior     Level = "junior"
	Senior     Level = "senior"
	Vocational Level = "vocational"
	Special    Level = "special"
)

// Levels lists the levels with their names, in the statistics' order.
var Levels = []struct {
	Level Level
	Name  i18n.Text
}{
	{Preschool, i18n.T("学前教育", "Preschool")},
	{Primary, i18n.T("小学", "Primary")},
	{Junior, i18n.T("初中", "Junior secondary")},
	{Senior, i18n.T("普通高中", "General senior secondary")},
	{Vocational, i18n.T("中等职业教育", "Secondary vocational")},
	{Special, i18n.T("特殊教育", "Special education")},
}

// LevelName is the level's name.
func LevelName(l Level) i18n.Text {
	for _, x := range Levels {
		if x.Level == l {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(l), EN: string(l)}
}

// LevelOf is the level of a student in grade g of a school of type t:
// kindergartens are preschool, special-education schools special, vocational
// schools vocational; otherwise the grade decides (primary up to grade 6,
// or 5 under 五四制; junior to 9; senior after).
func (sys System) LevelOf(t school.Type, g Grade) Level {
	switch t {
	case school.Kindergarten:
		return Preschool
	case school.Special:
		return Special
	case school.Vocational:
		return Vocational
	}
	switch {
	case g <= K3:
		return Preschool
	case g <= sys.lastPrimary():
		return Primary
	case g <= 9:
		return Junior
	}
	return Senior
}

var (
	kgNames    = [3]i18n.Text{i18n.T("小班", "K1 (nursery)"), i18n.T("中班", "K2"), i18n.T("大班", "K3")}
	cnNumerals = []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}
)

// Name is the grade as the bureau writes it: 小班, 三年级, 初一 is 七年级,
// 高一 … (grades 10–12 are 高一–高三; vocational schools call them 一年级–三年级
// of their own, see NameAt).
func (g Grade) Name() i18n.Text {
	switch {
	case g >= K1 && g <= K3:
		return kgNames[g-K1]
	case g >= 1 && g <= 9:
		return i18n.Text{ZH: cnNumerals[g] + "年级", EN: fmt.Sprintf("Grade %d", int(g))}
	case g >= 10 && g <= 12:
		return i18n.Text{ZH: "高" + cnNumerals[g-9], EN: fmt.Sprintf("Grade %d", int(g))}
	}
	return i18n.T("年级 %d", "grade %d", int(g))
}

// NameAt is the grade's name at a school of type t: a vocational school's
// grade 10 is its 一年级.
func (g Grade) NameAt(t school.Type) i18n.Text {
	if t == school.Vocational && g >= 10 && g <= 12 {
		return i18n.Text{ZH: "中职" + cnNumerals[g-9] + "年级", EN: fmt.Sprintf("Vocational year %d", int(g-9))}
	}
	return g.Name()
}

// String is the grade's code as forms and files write it: K1, K2, K3, 1 … 12.
func (g Grade) String() string {
	if g >= K1 && g <= K3 {
		return fmt.Sprintf("K%d", g-K1+1)
	}
	return strconv.Itoa(int(g))
}

// ParseGrade reads a grade as people write it: "K1"–"K3", 小班/中班/大班,
// "1"–"12", 一年级 … 九年级, 初一–初三 (7–9), 高一–高三 (10–12), "Grade 3".
func ParseGrade(s string) (Grade, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	up := strings.ToUpper(s)
	switch up {
	case "K1", "小班":
		return K1, true
	case "K2", "中班":
		return K2, true
	case "K3", "大班":
		return K3, true
	}
	up = strings.TrimSpace(strings.TrimPrefix(up, "GRADE"))
	if n, err := strconv.Atoi(up); err == nil {
		if n >= 1 && n <= 12 {
			return Grade(n), true
		}
		return 0, false
	}
	num := func(t string) int {
		for i := len(cnNumerals) - 1; i >= 1; i-- {
			if t == cnNumerals[i] {
				return i
			}
		}
		return 0
	}
	switch {
	case strings.HasSuffix(s, "年级"):
		if n := num(strings.TrimSuffix(s, "年级")); n >= 1 && n <= 9 {
			return Grade(n), true
		}
	case strings.HasPrefix(s, "初"):
		if n := num(strings.TrimPrefix(s, "初")); n >= 1 && n <= 3 {
			return Grade(n + 6), true
		}
	case strings.HasPrefix(s, "高"):
		if n := num(strings.TrimPrefix(s, "高")); n >= 1 && n <= 3 {
			return Grade(n + 9), true
		}
	}
	return 0, false
}

// DefaultClassLimits are the class-size limits by level: primary 45 and
// junior 50 (DOMAIN §3, the national standard-class sizes); senior and
// vocational 50; kindergarten 35 (the 大班 limit of the 幼儿园工作规程, which
// sets 25/30/35 by grade: see ClassLimit); special education 12.
var DefaultClassLimits = map[Level]int{
	Preschool: 35, Primary: 45, Junior: 50, Senior: 50, Vocational: 50, Special: 12,
}

// Rules are the registry's rules that vary by province or year: the grade
// system, the class-size limits and the ages of compulsory education.
type Rules struct {
	System System
	// ClassLimits are the default size limits by level; a class may carry its own.
	ClassLimits map[Level]int
	// CompulsoryFrom and CompulsoryTo are the ages (in full years, inclusive)
	// of compulsory education: a child of these ages who leaves school without
	// a transfer goes on the follow-up list.
	CompulsoryFrom, CompulsoryTo int
}

// DefaultRules are the national defaults: 六三制, DefaultClassLimits, ages 6–15.
func DefaultRules() Rules {
	limits := make(map[Level]int, len(DefaultClassLimits))
	for k, v := range DefaultClassLimits {
		limits[k] = v
	}
	return Rules{System: SixThree, ClassLimits: limits, CompulsoryFrom: 6, CompulsoryTo: 15}
}

// ClassLimit is the size limit of a class of grade g at a school of type t
// whose own limit is own (0 for the default): kindergarten classes 25 (小班),
// 30 (中班) and 35 (大班) unless configured otherwise.
func (r Rules) ClassLimit(t school.Type, g Grade, own int) int {
	if own > 0 {
		return own
	}
	lvl := r.System.LevelOf(t, g)
	if lvl == Preschool && r.ClassLimits[Preschool] == DefaultClassLimits[Preschool] {
		switch g {
		case K1:
			return 25
		case K2:
			return 30
		}
	}
	return r.ClassLimits[lvl]
}

// CheckPlacement says whether grade g exists at a school of type t (nil when
// it does): the message names the grades the school has.
func (r Rules) CheckPlacement(t school.Type, g Grade) *i18n.Text {
	span, ok := r.System.Grades(t)
	if !ok {
		m := i18n.Text{ZH: fmt.Sprintf("%s不登记学籍", school.TypeName(t).ZH),
			EN: fmt.Sprintf("a %s keeps no student status records", strings.ToLower(school.TypeName(t).EN))}
		return &m
	}
	if !span.Has(g) {
		m := i18n.Text{
			ZH: fmt.Sprintf("%s没有%s：只有%s至%s", school.TypeName(t).ZH, g.NameAt(t).ZH, span.First.NameAt(t).ZH, span.Last.NameAt(t).ZH),
			EN: fmt.Sprintf("a %s has no %s: only %s to %s", strings.ToLower(school.TypeName(t).EN), g.NameAt(t).EN, span.First.NameAt(t).EN, span.Last.NameAt(t).EN),
		}
		return &m
	}
	return nil
}
