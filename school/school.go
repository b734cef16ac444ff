// Package school is the registry of every institution the bureau manages:
// kindergartens to senior-citizen schools and off-campus training institutions.
// A school is known by its 10-digit identifier (学校标识码); nothing is ever
// deleted: a renamed school keeps its former names with dates, a closed school
// keeps its closing date, and every change is kept as a version in history.
package school

import (
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/fault"
	"edubureau/i18n"
)

// Type is a kind of institution.
type Type string

const (
	Kindergarten      Type = "kindergarten"
	Primary           Type = "primary"
	Junior            Type = "junior"
	Senior            Type = "senior"
	NineYear          Type = "nine_year"
	TwelveYear        Type = "twelve_year"
	CompleteSecondary Type = "complete_secondary"
	Vocational        Type = "vocational"
	Special           Type = "special"
	Adult             Type = "adult"
	SeniorCitizen     Type = "senior_citizen"
	Training          Type = "training"
)

// TypeInfo describes a Type: its names and the identifier prefixes it may carry.
type TypeInfo struct {
	Type Type
	Name i18n.Text
	// Prefixes are the allowed first two digits of the identifier: the MOE
	// school-type group (学校(机构)代码管理办法, 2011): 11 kindergarten, 21 primary,
	// 22 adult primary, 31 general junior (and nine-year schools, 312),
	// 33 adult junior, 34 general senior (complete secondary 341, twelve-year
	// 345), 35 adult senior, 36 secondary vocational, 51 special education.
	// Senior-citizen schools and off-campus training institutions have no MOE
	// group; edubureau gives them 91 and 92 (other institutions).
	Prefixes []string
	// Grades are the grades (1–12) the type teaches; kindergartens and
	// non-diploma institutions have none.
	FirstGrade, LastGrade int
}

// Types lists every type in the order the bureau's statistics use.
var Types = []TypeInfo{
	{Kindergarten, i18n.T("幼儿园", "Kindergarten"), []string{"11"}, 0, 0},
	{Primary, i18n.T("小学", "Primary school"), []string{"21"}, 1, 6},
	{Junior, i18n.T("初级中学", "Junior secondary school"), []string{"31"}, 7, 9},
	{NineYear, i18n.T("九年一贯制学校", "Nine-year school"), []string{"31"}, 1, 9},
	{Senior, i18n.T("高级中学", "Senior secondary school"), []string{"34"}, 10, 12},
	{CompleteSecondary, i18n.T("完全中学", "Complete secondary school"), []string{"34"}, 7, 12},
	{TwelveYear, i18n.T("十二年一贯制学校", "Twelve-year school"), []string{"34"}, 1, 12},
	{Vocational, i18n.T("中等职业学校", "Secondary vocational school"), []string{"36"}, 10, 12},
	{Special, i18n.T("特殊教育学校", "Special education school"), []string{"51"}, 1, 9},
	{Adult, i18n.T("成人学校", "Adult school"), []string{"22", "33", "35"}, 0, 0},
	{SeniorCitizen, i18n.T("老年学校", "Senior citizens' school"), []string{"91"}, 0, 0},
	{Training, i18n.T("校外培训机构", "Off-campus training institution"), []string{"92"}, 0, 0},
}

// Info returns the description of t.
func (t Type) Info() (TypeInfo, bool) {
	for _, ti := range Types {
		if ti.Type == t {
			return ti, true
		}
	}
	return TypeInfo{}, false
}

// Ownership says who runs a school.
type Ownership string

const (
	Public  Ownership = "public"
	Private Ownership = "private"
)

// Ownerships lists the ownerships with their names.
var Ownerships = []struct {
	Ownership Ownership
	Name      i18n.Text
}{
	{Public, i18n.T("公办", "Public")},
	{Private, i18n.T("民办", "Private")},
}

// Status is where a school stands in its life.
type Status string

const (
	Preparing Status = "preparing"
	Active    Status = "active"
	Suspended Status = "suspended"
	Closed    Status = "closed"
)

// Statuses lists the statuses with their names.
var Statuses = []struct {
	Status Status
	Name   i18n.Text
}{
	{Preparing, i18n.T("筹建", "Preparing")},
	{Active, i18n.T("办学中", "Active")},
	{Suspended, i18n.T("停办", "Suspended")},
	{Closed, i18n.T("已撤销", "Closed")},
}

// School is one institution.
type School struct {
	Code             string    `json:"code"`
	Name             string    `json:"name"`
	NameEN           string    `json:"name_en"`
	Type             Type      `json:"type"`
	Ownership        Ownership `json:"ownership"`
	County           string    `json:"county"`
	Township         string    `json:"township,omitempty"`
	Address          string    `json:"address"`
	Lng              *float64  `json:"lng,omitempty"`
	Lat              *float64  `json:"lat,omitempty"`
	Status           Status    `json:"status"`
	OpenedOn         string    `json:"opened_on,omitempty"`
	ClosedOn         string    `json:"closed_on,omitempty"`
	Headmaster       string    `json:"headmaster"`
	Capacity         int       `json:"capacity"`
	LicenceNo        string    `json:"licence_no,omitempty"`
	LicenceIssuedOn  string    `json:"licence_issued_on,omitempty"`
	LicenceExpiresOn string    `json:"licence_expires_on,omitempty"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`

	// Filled by Get for display; not stored in the school row.
	CountyName   string `json:"county_name,omitempty"`
	TownshipName string `json:"township_name,omitempty"`
}

// Normalize trims the text fields.
func (s *School) Normalize() {
	for _, p := range []*string{&s.Code, &s.Name, &s.NameEN, &s.County, &s.Township, &s.Address, &s.OpenedOn,
		&s.ClosedOn, &s.Headmaster, &s.LicenceNo, &s.LicenceIssuedOn, &s.LicenceExpiresOn} {
		*p = strings.TrimSpace(*p)
	}
	s.Type = Type(strings.TrimSpace(string(s.Type)))
	s.Ownership = Ownership(strings.TrimSpace(string(s.Ownership)))
	s.Status = Status(strings.TrimSpace(string(s.Status)))
}

// ParseDate checks a 'YYYY-MM-DD' date (a real calendar date).
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// ValidateCode checks a school identifier against the school's type and, when
// known, the province of its county: 10 digits = 2-digit type group + 2-digit
// province + 6-digit sequence.
func ValidateCode(code string, t Type, county string) *i18n.Text {
	bad := func(zh, en string, args ...any) *i18n.Text { m := i18n.T(zh, en, args...); return &m }
	if len(code) != 10 {
		return bad("学校标识码应为 10 位数字，实为 %d 位", "the school identifier must be 10 digits, not %d", utf8.RuneCountInString(code))
	}
	for i, r := range code {
		if r < '0' || r > '9' {
			return bad("学校标识码第 %d 位不是数字", "character %d of the school identifier is not a digit", i+1)
		}
	}
	if ti, ok := t.Info(); ok {
		allowed := false
		for _, p := range ti.Prefixes {
			allowed = allowed || strings.HasPrefix(code, p)
		}
		if !allowed {
			return bad("学校标识码前两位 %s 与办学类型“%s”不符（应为 %s）", "the identifier's type digits %s do not match the type %s (expected %s)",
				code[:2], ti.Name.ZH, strings.Join(ti.Prefixes, "/"))
		}
	}
	if _, ok := area.Lookup(code[2:4]); !ok {
		return bad("学校标识码第 3–4 位 %s 不是省级行政区划代码", "identifier digits 3–4 (%s) are not a province code", code[2:4])
	}
	if len(county) >= 2 && code[2:4] != county[:2] {
		return bad("学校标识码第 3–4 位 %s 与所在县区的省份 %s 不符", "identifier digits 3–4 (%s) do not match the county's province %s", code[2:4], county[:2])
	}
	return nil
}

// Validate checks every rule that needs no database; the registry adds those
// that do (the county is in the jurisdiction, the identifier is free).
func (s *School) Validate(now time.Time) error {
	var v fault.Validation
	if msg := ValidateCode(s.Code, s.Type, s.County); msg != nil {
		v.AddText("code", *msg)
	}
	if s.Name == "" {
		v.Add("name", "请填写学校名称", "the school's name is required")
	} else if utf8.RuneCountInString(s.Name) > 100 {
		v.Add("name", "学校名称不能超过 100 个字", "the name must be at most 100 characters")
	}
	if utf8.RuneCountInString(s.NameEN) > 200 {
		v.Add("name_en", "英文名称不能超过 200 个字符", "the English name must be at most 200 characters")
	}
	if _, ok := s.Type.Info(); !ok {
		v.Add("type", "办学类型 %q 无效", "unknown school type %q", s.Type)
	}
	if s.Ownership != Public && s.Ownership != Private {
		v.Add("ownership", "举办者类型应为 public（公办）或 private（民办），而不是 %q", "ownership must be public or private, not %q", s.Ownership)
	}
	switch s.Status {
	case Preparing, Active, Suspended, Closed:
	default:
		v.Add("status", "办学状态 %q 无效", "unknown status %q", s.Status)
	}
	if c, ok := area.Lookup(s.County); !ok || c.Level != area.County {
		v.Add("county", "所在县区 %q 不是县级行政区划代码", "county %q is not a county-level division code", s.County)
	}
	if s.Township != "" {
		if tw, ok := area.Lookup(s.Township); !ok || tw.Level != area.Township {
			v.Add("township", "乡镇（街道）%q 不是乡级行政区划代码", "township %q is not a township code", s.Township)
		} else if tw.Parent != s.County {
			v.Add("township", "乡镇（街道）%s %s 不在所选县区内", "township %s %s is not in the chosen county", tw.Code, tw.Name)
		}
	}
	if utf8.RuneCountInString(s.Address) > 200 {
		v.Add("address", "地址不能超过 200 个字", "the address must be at most 200 characters")
	}
	if (s.Lng == nil) != (s.Lat == nil) {
		v.Add("lng", "经度和纬度须同时填写", "longitude and latitude go together")
	} else if s.Lng != nil {
		// China lies within 73–136°E, 3–54°N.
		if *s.Lng < 73 || *s.Lng > 136 {
			v.Add("lng", "经度 %.6f 不在中国境内（73–136）", "longitude %.6f is outside China (73–136)", *s.Lng)
		}
		if *s.Lat < 3 || *s.Lat > 54 {
			v.Add("lat", "纬度 %.6f 不在中国境内（3–54）", "latitude %.6f is outside China (3–54)", *s.Lat)
		}
	}
	today := now.Format(time.DateOnly)
	opened, okOpened := ParseDate(s.OpenedOn)
	if s.OpenedOn != "" && !okOpened {
		v.Add("opened_on", "开办日期 %q 不是有效日期（YYYY-MM-DD）", "opening date %q is not a valid date (YYYY-MM-DD)", s.OpenedOn)
	}
	closed, okClosed := ParseDate(s.ClosedOn)
	switch {
	case s.ClosedOn != "" && !okClosed:
		v.Add("closed_on", "撤销日期 %q 不是有效日期（YYYY-MM-DD）", "closing date %q is not a valid date (YYYY-MM-DD)", s.ClosedOn)
	case s.ClosedOn != "" && s.Status != Closed:
		v.Add("closed_on", "只有已撤销的学校才有撤销日期", "only a closed school has a closing date")
	case s.ClosedOn == "" && s.Status == Closed:
		v.Add("closed_on", "已撤销的学校须填写撤销日期", "a closed school needs its closing date")
	case okClosed && okOpened && closed.Before(opened):
		v.Add("closed_on", "撤销日期 %s 早于开办日期 %s", "closing date %s is before the opening date %s", s.ClosedOn, s.OpenedOn)
	case okClosed && s.ClosedOn > today:
		v.Add("closed_on", "撤销日期不能晚于今天", "the closing date cannot be in the future")
	}
	if s.Status == Active && s.OpenedOn == "" {
		v.Add("opened_on", "办学中的学校须填写开办日期", "an active school needs its opening date")
	}
	if utf8.RuneCountInString(s.Headmaster) > 50 {
		v.Add("headmaster", "校长姓名不能超过 50 个字", "the headmaster's name must be at most 50 characters")
	}
	if s.Capacity < 0 || s.Capacity > 100000 {
		v.Add("capacity", "规模（学位数）应在 0–100000 之间", "capacity must be between 0 and 100000")
	}
	hasLicence := s.LicenceNo != "" || s.LicenceIssuedOn != "" || s.LicenceExpiresOn != ""
	switch {
	case s.Ownership == Public && hasLicence:
		v.Add("licence_no", "公办学校没有办学许可证，请清空许可证信息", "a public school has no private-school licence; clear the licence fields")
	case s.Ownership == Private && (s.Status == Active || s.Status == Suspended):
		if s.LicenceNo == "" {
			v.Add("licence_no", "民办学校须填写办学许可证号", "a private school needs its licence (办学许可证) number")
		}
		if s.LicenceIssuedOn == "" {
			v.Add("licence_issued_on", "请填写许可证发证日期", "the licence's issue date is required")
		}
		if s.LicenceExpiresOn == "" {
			v.Add("licence_expires_on", "请填写许可证有效期至", "the licence's expiry date is required")
		}
	}
	if utf8.RuneCountInString(s.LicenceNo) > 50 {
		v.Add("licence_no", "许可证号不能超过 50 个字符", "the licence number must be at most 50 characters")
	}
	issued, okIssued := ParseDate(s.LicenceIssuedOn)
	if s.LicenceIssuedOn != "" && !okIssued {
		v.Add("licence_issued_on", "发证日期 %q 不是有效日期", "issue date %q is not a valid date", s.LicenceIssuedOn)
	}
	expires, okExpires := ParseDate(s.LicenceExpiresOn)
	if s.LicenceExpiresOn != "" && !okExpires {
		v.Add("licence_expires_on", "有效期至 %q 不是有效日期", "expiry date %q is not a valid date", s.LicenceExpiresOn)
	}
	if okIssued && okExpires && !expires.After(issued) {
		v.Add("licence_expires_on", "许可证有效期至应晚于发证日期", "the licence must expire after it was issued")
	}
	return v.Err()
}

// TypeName, OwnershipName and StatusName give the display names.
func TypeName(t Type) i18n.Text {
	if ti, ok := t.Info(); ok {
		return ti.Name
	}
	return i18n.Text{ZH: string(t), EN: string(t)}
}

func OwnershipName(o Ownership) i18n.Text {
	for _, x := range Ownerships {
		if x.Ownership == o {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(o), EN: string(o)}
}

func StatusName(s Status) i18n.Text {
	for _, x := range Statuses {
		if x.Status == s {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}
