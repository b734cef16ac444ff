// Package student is the student status registry (学籍): every child in the
// jurisdiction's schools, with their enrolment history, transfers between
// schools, year-end promotion, dropout follow-up (控辍保学) and duplicates.
//
// A student is one record, found by the blind index of their ID number (one
// record per ID in the whole jurisdiction) and carrying the school, grade
// and class they are in now. What happens to them — first enrolment,
// transfer, suspension and return, promotion, graduation, dropout, death — is
// an immutable event with who, when and why; a stay at one school is an
// enrolment, and a database constraint keeps a student in at most one school
// at a time. Personal data (ID number, national student number, address,
// guardians' names and phones) is encrypted with package pii, looked up by
// blind index, and masked unless revealed with student.view_pii and a
// reason, which is audited.
//
// The pure rules (Validate, Rules.CheckPlacement, ParseGrade, the code
// tables) need no database; the Registry holds the SQL. Every method takes
// the user's scope: a student, class or school outside it is not found.
package student

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
)

// Status is where a student stands.
type Status string

const (
	Enrolled   Status = "enrolled"    // 在读 (a long-term absence is a mark on an enrolled student)
	Suspended  Status = "suspended"   // 休学: still the school's student, not attending
	Graduated  Status = "graduated"   // 毕业
	DroppedOut Status = "dropped_out" // 辍学: left without a transfer
	MovedAway  Status = "moved_away"  // 转出: to a school outside the jurisdiction
	Deceased   Status = "deceased"    // 死亡
	Merged     Status = "merged"      // a duplicate record merged into another
)

// Statuses lists the statuses with their names.
var Statuses = []struct {
	Status Status
	Name   i18n.Text
}{
	{Enrolled, i18n.T("在读", "Enrolled")},
	{Suspended, i18n.T("休学", "Suspended")},
	{Graduated, i18n.T("毕业", "Graduated")},
	{DroppedOut, i18n.T("辍学", "Dropped out")},
	{MovedAway, i18n.T("转出辖区", "Moved away")},
	{Deceased, i18n.T("死亡", "Deceased")},
	{Merged, i18n.T("已合并", "Merged")},
}

// StatusName is the status's name.
func StatusName(s Status) i18n.Text {
	for _, x := range Statuses {
		if x.Status == s {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// AtSchool reports whether the status keeps the student on a school's roll
// (a current enrolment): enrolled or suspended.
func (s Status) AtSchool() bool { return s == Enrolled || s == Suspended }

// Guardian is a student's guardian (监护人). Name and Phone are personal data:
// stored encrypted, shown masked.
type Guardian struct {
	Name     string `json:"name"`
	Relation string `json:"relation"` // one of Relations
	Phone    string `json:"phone"`
}

// Student is one student's record and where they are now.
//
// The personal fields (StudentNo, IDNumber, Address, the guardians' names
// and phones) are plain in a Student given to Create or Update; Get, Search
// and Profile return them masked (Masked is then true), Reveal unmasked.
type Student struct {
	ID           int64       `json:"id,string"`
	StudentNo    string      `json:"student_no"` // national student number (全国学籍号); "" on Create derives G + resident ID number
	Name         string      `json:"name"`
	Gender       idno.Gender `json:"gender"`     // male | female
	BirthDate    string      `json:"birth_date"` // YYYY-MM-DD
	IDType       idno.IDType `json:"id_type"`
	IDNumber     string      `json:"id_number"`
	Ethnicity    string      `json:"ethnicity"`   // GB/T 3304 two-digit code; required for Chinese nationals
	Nationality  string      `json:"nationality"` // ISO 3166-1 alpha-3 (GB/T 2659); "" is CHN
	Hukou        string      `json:"hukou"`       // household registration (户籍): GB/T 2260 code
	Address      string      `json:"address"`     // residential address
	Township     string      `json:"township"`    // the address's township (9 digits)
	Lng          *float64    `json:"lng,omitempty"`
	Lat          *float64    `json:"lat,omitempty"`
	Migrant      bool        `json:"migrant"`       // 随迁子女
	LeftBehind   bool        `json:"left_behind"`   // 留守儿童
	SpecialNeeds string      `json:"special_needs"` // one of SpecialNeeds; "" none
	FinancialAid string      `json:"financial_aid"` // one of FinancialAid; "" none
	Guardians    []Guardian  `json:"guardians"`

	// Placement: on Create, where the student is first enrolled; afterwards
	// changed only by events (Place, transfers, promotion…), never by Update.
	School     string `json:"school"`
	Grade      Grade  `json:"grade"`
	ClassID    int64  `json:"class_id,string,omitempty"`
	EnrolledOn string `json:"enrolled_on,omitempty"` // date of first enrolment; "" is today

	// Kept by the registry.
	Status       Status    `json:"status"`
	County       string    `json:"county"`
	Level        Level     `json:"level"`
	AbsentSince  string    `json:"absent_since,omitempty"` // long-term absence (长期缺课) since
	RepeatMarked bool      `json:"repeat_marked"`          // stays in the grade at the next promotion
	MergedInto   int64     `json:"merged_into,string,omitempty"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Masked       bool      `json:"masked"` // the personal fields are masked

	// Filled for display.
	SchoolName string `json:"school_name,omitempty"`
	CountyName string `json:"county_name,omitempty"`
	ClassName  string `json:"class_name,omitempty"`
}

// Field is a field of the student record with its name in both languages:
// the keys of validation faults, and the column headers importers match.
type Field struct {
	Key   string
	Label i18n.Text
}

// Fields are the record's fields in form order. A guardian's fields are
// reported as guardians[i].name, guardians[i].relation, guardians[i].phone
// (i from 0); GuardianFields names them.
var Fields = []Field{
	{"student_no", i18n.T("全国学籍号", "National student number")},
	{"name", i18n.T("姓名", "Name")},
	{"gender", i18n.T("性别", "Gender")},
	{"birth_date", i18n.T("出生日期", "Date of birth")},
	{"id_type", i18n.T("证件类型", "ID type")},
	{"id_number", i18n.T("证件号码", "ID number")},
	{"ethnicity", i18n.T("民族", "Ethnicity")},
	{"nationality", i18n.T("国籍/地区", "Nationality")},
	{"hukou", i18n.T("户籍所在地", "Household registration")},
	{"address", i18n.T("现住址", "Residential address")},
	{"township", i18n.T("现住址乡镇（街道）", "Township of residence")},
	{"lng", i18n.T("经度", "Longitude")},
	{"lat", i18n.T("纬度", "Latitude")},
	{"migrant", i18n.T("是否随迁子女", "Migrant child")},
	{"left_behind", i18n.T("是否留守儿童", "Left-behind child")},
	{"special_needs", i18n.T("残疾类型", "Special needs")},
	{"financial_aid", i18n.T("资助类型", "Financial aid")},
	{"guardians", i18n.T("监护人", "Guardians")},
	{"school", i18n.T("学校标识码", "School identifier")},
	{"grade", i18n.T("年级", "Grade")},
	{"class_id", i18n.T("班级", "Class")},
	{"enrolled_on", i18n.T("入学日期", "Enrolment date")},
}

// GuardianFields are a guardian's fields.
var GuardianFields = []Field{
	{"name", i18n.T("监护人姓名", "Guardian's name")},
	{"relation", i18n.T("与学生关系", "Relation")},
	{"phone", i18n.T("监护人电话", "Guardian's phone")},
}

// FieldLabel names a field key of Fields (or guardians[i].x) in both languages.
func FieldLabel(key string) i18n.Text {
	if rest, ok := strings.CutPrefix(key, "guardians["); ok {
		if i := strings.Index(rest, "]."); i > 0 {
			for _, f := range GuardianFields {
				if f.Key == rest[i+2:] {
					return i18n2("第 %s 位%s", "%s of guardian %s", []any{nth(rest[:i]), f.Label.ZH}, []any{f.Label.EN, nth(rest[:i])})
				}
			}
		}
	}
	for _, f := range Fields {
		if f.Key == key {
			return f.Label
		}
	}
	return i18n.Text{ZH: key, EN: key}
}

// nth turns a 0-based index into a 1-based count.
func nth(i string) string {
	n, err := strconv.Atoi(i)
	if err != nil {
		return i
	}
	return strconv.Itoa(n + 1)
}

// MaxGuardians is how many guardians a record keeps.
const MaxGuardians = 4

// ParseGender accepts male/female, 男/女, M/F and 1/2 (GB/T 2261.1: 1 male, 2 female).
func ParseGender(s string) (idno.Gender, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "male", "m", "男", "1":
		return idno.Male, true
	case "female", "f", "女", "2":
		return idno.Female, true
	}
	return "", false
}

var spaces = strings.NewReplacer("\u3000", " ", "\t", " ", "\u00a0", " ")

// cleanName trims a name and collapses inner white space to single spaces.
func cleanName(s string) string {
	if isClean(s) { // nearly every name and address: no copy
		return s
	}
	return strings.Join(strings.Fields(spaces.Replace(s)), " ")
}

// isClean says whether s is as cleanName leaves it: no white space but
// single ASCII spaces between words.
func isClean(s string) bool {
	space := true // at the start, a space would be leading
	for _, r := range s {
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
		case unicode.IsSpace(r):
			return false
		default:
			space = false
		}
	}
	return !space || s == ""
}

// NameKey is the form of a name that prefix search compares: lower case,
// without white space or the middle dots of transliterated names
// ("阿依古丽·买买提" is found by "阿依古丽买").
func NameKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsSpace(r) || r == '·' || r == '•' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Normalize trims and canonicalises the fields that have one written form:
// ID and student numbers half-width upper case, codes given by name turned
// into codes (民族 "汉族" → "01"), an empty nationality CHN, a 6-digit
// household-registration code for a city or province.
func (s *Student) Normalize() {
	s.StudentNo = idno.Normalize(s.StudentNo)
	s.Name = cleanName(s.Name)
	s.IDNumber = idno.Normalize(s.IDNumber)
	s.IDType = idno.IDType(strings.TrimSpace(string(s.IDType)))
	if g, ok := ParseGender(string(s.Gender)); ok {
		s.Gender = g
	}
	s.BirthDate = strings.TrimSpace(s.BirthDate)
	if c, ok := ParseEthnicity(s.Ethnicity); ok {
		s.Ethnicity = c
	} else {
		s.Ethnicity = strings.TrimSpace(s.Ethnicity)
	}
	s.Nationality = strings.ToUpper(strings.TrimSpace(s.Nationality))
	if s.Nationality == "" {
		s.Nationality = "CHN"
	}
	s.Hukou = strings.TrimSpace(s.Hukou)
	s.Address = cleanName(s.Address)
	s.Township = strings.TrimSpace(s.Township)
	if c, ok := ParseSpecialNeeds(s.SpecialNeeds); ok {
		s.SpecialNeeds = c
	}
	if c, ok := ParseFinancialAid(s.FinancialAid); ok {
		s.FinancialAid = c
	}
	for i := range s.Guardians {
		g := &s.Guardians[i]
		g.Name = cleanName(g.Name)
		if c, ok := ParseRelation(g.Relation); ok {
			g.Relation = c
		} else {
			g.Relation = strings.TrimSpace(g.Relation)
		}
		g.Phone = strings.TrimSpace(g.Phone)
	}
	s.School = strings.TrimSpace(s.School)
	s.EnrolledOn = strings.TrimSpace(s.EnrolledOn)
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// Validate checks every rule of the record that needs no database, as of
// now, and returns a fault.Validation keyed by field (see Fields) with
// messages in both languages, or nil. The ID number must agree with the
// stated birth date and gender; a national student number must agree with
// the ID number (G) or with the birth date and gender (J, L). Call Normalize
// first. Validate also completes s: the ID and student numbers in their
// normalised form, and the formal number G + ID when none was given. The placement is checked for shape only; Rules.Check adds the
// grade's validity for the school's type.
func (s *Student) Validate(now time.Time) error {
	var v fault.Validation
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)

	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		v.Add("name", "请填写姓名", "the name is required")
	case n > 50:
		v.Add("name", "姓名不能超过 50 个字", "the name must be at most 50 characters")
	default:
		for _, r := range s.Name {
			if unicode.IsDigit(r) || unicode.IsControl(r) || strings.ContainsRune("@#$%^&*=+<>{}[]|\\/?!！？", r) {
				v.Add("name", "姓名中不能有“%c”", "the name cannot contain %q", r)
				break
			}
		}
	}
	male := s.Gender == idno.Male
	genderOK := s.Gender == idno.Male || s.Gender == idno.Female
	if !genderOK {
		v.Add("gender", "性别应为男或女，而不是“%s”", "gender must be male or female, not %q", string(s.Gender))
	}
	birth, birthOK := parseDate(s.BirthDate)
	switch {
	case s.BirthDate == "":
		v.Add("birth_date", "请填写出生日期", "the date of birth is required")
	case !birthOK:
		v.Add("birth_date", "出生日期“%s”不是有效日期（YYYY-MM-DD）", "date of birth %q is not a valid date (YYYY-MM-DD)", s.BirthDate)
	case birth.After(today):
		v.Add("birth_date", "出生日期 %s 晚于今天", "date of birth %s is in the future", s.BirthDate)
		birthOK = false
	case birth.Before(today.AddDate(-30, 0, 0)):
		v.Add("birth_date", "出生日期 %s 早于 30 年前，不是在校学生的年龄", "date of birth %s is more than 30 years ago, not a pupil's age", s.BirthDate)
		birthOK = false
	}

	// The identity document.
	var resident *idno.ResidentID
	typeOK := false
	for _, t := range idno.IDTypes {
		typeOK = typeOK || t == s.IDType
	}
	if !typeOK {
		v.Add("id_type", "证件类型“%s”无效", "unknown ID type %q", string(s.IDType))
	} else if s.IDNumber == "" {
		v.Add("id_number", "请填写证件号码", "the ID number is required")
	} else if n, err := idno.ValidateID(s.IDType, s.IDNumber, now); err != nil {
		v.AddText("id_number", fault.As(err).Msg)
	} else {
		s.IDNumber = n
		if s.IDType == idno.ResidentIDCard || s.IDType == idno.HMTResidence {
			id, _ := idno.ParseResidentID(n, now)
			if s.IDType == idno.HMTResidence {
				id, _ = idno.ParseHMTResidencePermit(n, now)
			}
			resident = &id
			if birthOK && genderOK {
				if err := idno.ConsistentWith(id, birth, male); err != nil {
					v.AddText("id_number", fault.As(err).Msg)
				}
			}
		}
	}

	// The national student number.
	switch {
	case s.StudentNo == "" && s.IDType == idno.ResidentIDCard:
		if resident != nil {
			s.StudentNo = "G" + resident.Number
		}
	case s.StudentNo == "":
		v.Add("student_no", "没有居民身份证的学生须填写 J 或 L 开头的学籍号", "a student without a resident ID card needs a J or L student number")
	default:
		no, err := idno.ParseStudentNumber(s.StudentNo, now)
		if err != nil {
			v.AddText("student_no", fault.As(err).Msg)
			break
		}
		s.StudentNo = no.Number
		switch {
		case no.Kind == idno.StudentFormal && s.IDType != idno.ResidentIDCard:
			v.Add("student_no", "G 开头的正式学籍号只用于有居民身份证的学生", "a formal (G) student number is for students with a resident ID card")
		case no.Kind == idno.StudentFormal && resident != nil && no.Body.Number != resident.Number:
			v.Add("student_no", "正式学籍号应为 G 加身份证号（G%s）", "a formal student number is G and the ID number (G%s)", resident.Number)
		case no.Kind != idno.StudentFormal && birthOK && genderOK:
			if err := idno.ConsistentWith(no.Body, birth, male); err != nil {
				m := fault.As(err).Msg
				v.AddText("student_no", i18n.Text{ZH: "学籍号与出生日期或性别不一致：" + m.ZH,
					EN: "the student number disagrees with the date of birth or gender: " + m.EN})
			}
		}
	}

	// Origin and residence.
	if !isCountry(s.Nationality) {
		v.Add("nationality", "国籍/地区“%s”不是 GB/T 2659（ISO 3166-1）三字母代码", "nationality %q is not a GB/T 2659 (ISO 3166-1) three-letter code", s.Nationality)
	}
	switch {
	case s.Ethnicity == "" && s.Nationality == "CHN":
		v.Add("ethnicity", "中国籍学生须填写民族", "the ethnicity is required for a Chinese national")
	case s.Ethnicity != "":
		if _, ok := LookupEthnicity(s.Ethnicity); !ok {
			v.Add("ethnicity", "民族代码“%s”不在 GB/T 3304 中（01–56、97、98）", "ethnicity code %q is not in GB/T 3304 (01–56, 97, 98)", s.Ethnicity)
		}
	}
	if s.Hukou != "" {
		if a, ok := area.Lookup(s.Hukou); !ok || len(s.Hukou) != 6 || a.Level == area.Township {
			v.Add("hukou", "户籍所在地“%s”不是 6 位行政区划代码（GB/T 2260）", "household registration %q is not a 6-digit division code (GB/T 2260)", s.Hukou)
		}
	}
	if utf8.RuneCountInString(s.Address) > 200 {
		v.Add("address", "现住址不能超过 200 个字", "the address must be at most 200 characters")
	}
	if s.Township != "" {
		if a, ok := area.Lookup(s.Township); !ok || a.Level != area.Township {
			v.Add("township", "乡镇（街道）“%s”不是 9 位乡级行政区划代码", "township %q is not a 9-digit township code", s.Township)
		}
	}
	if (s.Lng == nil) != (s.Lat == nil) {
		v.Add("lng", "经度和纬度须同时填写", "longitude and latitude go together")
	} else if s.Lng != nil {
		if *s.Lng < 73 || *s.Lng > 136 {
			v.Add("lng", "经度 %.6f 不在中国境内（73–136）", "longitude %.6f is outside China (73–136)", *s.Lng)
		}
		if *s.Lat < 3 || *s.Lat > 54 {
			v.Add("lat", "纬度 %.6f 不在中国境内（3–54）", "latitude %.6f is outside China (3–54)", *s.Lat)
		}
	}
	if s.Migrant && s.LeftBehind {
		v.Add("left_behind", "随迁子女与留守儿童不能同时为“是”", "a child cannot be both a migrant child and a left-behind child")
	}
	if _, ok := lookup(SpecialNeeds, s.SpecialNeeds); !ok {
		v.Add("special_needs", "残疾类型“%s”无效", "unknown special-needs category %q", s.SpecialNeeds)
	}
	if _, ok := lookup(FinancialAid, s.FinancialAid); !ok {
		v.Add("financial_aid", "资助类型“%s”无效", "unknown financial-aid status %q", s.FinancialAid)
	}

	// Guardians.
	if len(s.Guardians) > MaxGuardians {
		v.Add("guardians", "监护人最多 %d 位", "at most %d guardians", MaxGuardians)
	}
	for i, g := range s.Guardians {
		f := func(name string) string { return "guardians[" + itoa(i) + "]." + name }
		switch n := utf8.RuneCountInString(g.Name); {
		case n == 0:
			v.Add(f("name"), "请填写第 %d 位监护人的姓名", "guardian %d needs a name", i+1)
		case n > 50:
			v.Add(f("name"), "监护人姓名不能超过 50 个字", "a guardian's name must be at most 50 characters")
		}
		if _, ok := lookup(Relations, g.Relation); !ok {
			v.Add(f("relation"), "与学生关系“%s”无效", "unknown relation %q", g.Relation)
		}
		if msg := checkPhone(g.Phone); msg != nil {
			v.AddText(f("phone"), *msg)
		}
	}

	// Placement (its shape; the school's grades are Rules.Check's).
	if len(s.School) != 10 || strings.Trim(s.School, "0123456789") != "" {
		v.Add("school", "学校标识码“%s”应为 10 位数字", "school identifier %q must be 10 digits", s.School)
	}
	if s.Grade < K1 || s.Grade > 12 {
		v.Add("grade", "年级 %d 无效（K1–K3、1–12）", "grade %d is not valid (K1–K3, 1–12)", int(s.Grade))
	}
	if s.EnrolledOn != "" {
		on, ok := parseDate(s.EnrolledOn)
		switch {
		case !ok:
			v.Add("enrolled_on", "入学日期“%s”不是有效日期（YYYY-MM-DD）", "enrolment date %q is not a valid date (YYYY-MM-DD)", s.EnrolledOn)
		case on.After(today):
			v.Add("enrolled_on", "入学日期 %s 晚于今天", "enrolment date %s is in the future", s.EnrolledOn)
		case birthOK && on.Before(birth):
			v.Add("enrolled_on", "入学日期 %s 早于出生日期", "enrolment date %s is before the date of birth", s.EnrolledOn)
		}
	}
	return v.Err()
}

// isCountry reports whether code names a country or territory by its ISO 3166-1
// alpha-3 code, as written (upper case).
func isCountry(code string) bool {
	if len(code) != 3 {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.ISO3() == code
}

// checkPhone accepts a mobile number (11 digits from 13…19…) or a fixed-line
// number with its area code (0 + 9–11 digits) or without (7–8 digits),
// optionally written with +86, spaces or dashes.
func checkPhone(p string) *i18n.Text {
	bad := func(zh, en string, args ...any) *i18n.Text { m := i18n.T(zh, en, args...); return &m }
	if p == "" {
		return bad("请填写监护人电话", "the guardian's phone is required")
	}
	d := normalPhone(p)
	for _, r := range idno.Normalize(p) {
		if !(r >= '0' && r <= '9' || strings.ContainsRune("+-() ", r)) {
			return bad("电话号码“%s”中有无效字符", "phone number %q contains an invalid character", p)
		}
	}
	switch {
	case strings.HasPrefix(d, "1"):
		if len(d) != 11 || d[1] < '3' {
			return bad("手机号码“%s”应为 1 开头的 11 位数字", "mobile number %q must be 11 digits starting 13–19", p)
		}
	case strings.HasPrefix(d, "0"):
		if len(d) < 10 || len(d) > 12 {
			return bad("固定电话“%s”应为区号加号码，共 10–12 位", "fixed-line number %q must be an area code and number, 10–12 digits", p)
		}
	default:
		if len(d) < 7 || len(d) > 8 {
			return bad("电话号码“%s”位数不对", "phone number %q has the wrong number of digits", p)
		}
	}
	return nil
}

// normalPhone is the phone as the blind index sees it (digits, no +86).
func normalPhone(p string) string { return pii.Normalize(pii.IndexPhone, p) }

func itoa(i int) string { return strconv.Itoa(i) }

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

func boolText(b bool) string { return strconv.FormatBool(b) }

func fmtCoord(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// Check is Validate plus the rules that need the school's type: the grade
// must exist at the school (Rules.CheckPlacement). It is what an importer
// calls for each row once it knows the school.
func (r Rules) Check(s *Student, t school.Type, now time.Time) error {
	err := s.Validate(now)
	msg := r.CheckPlacement(t, s.Grade)
	if msg == nil {
		return err
	}
	if err == nil {
		var v fault.Validation
		v.AddText("grade", *msg)
		return v.Err()
	}
	fe := fault.As(err)
	if !hasField(fe.Fields, "grade") {
		fe.Fields = append(fe.Fields, fault.FieldError{Field: "grade", Msg: *msg})
	}
	return fe
}

func hasField(fs []fault.FieldError, name string) bool {
	for _, f := range fs {
		if f.Field == name {
			return true
		}
	}
	return false
}

// personal lists the fields the audit log masks.
var personal = map[string]string{
	"student_no": audit.PersonalID, "id_number": audit.PersonalID, "address": audit.PersonalSecret,
	"guardians": audit.PersonalSecret, "lng": audit.PersonalSecret, "lat": audit.PersonalSecret,
}

// contentHash is a keyed hash (index is the registry's blind-index function)
// of every recorded field and the placement: equal when a re-imported row
// says exactly what is stored.
func contentHash(s *Student, index func(kind, value string) string) string {
	var b strings.Builder
	b.Grow(512)
	w := func(x string) { b.WriteString(x); b.WriteByte(0) }
	w(s.StudentNo)
	w(s.Name)
	w(string(s.Gender))
	w(s.BirthDate)
	w(string(s.IDType))
	w(s.IDNumber)
	w(s.Ethnicity)
	w(s.Nationality)
	w(s.Hukou)
	w(s.Address)
	w(s.Township)
	w(fmtCoord(s.Lng))
	w(fmtCoord(s.Lat))
	w(boolText(s.Migrant))
	w(boolText(s.LeftBehind))
	w(s.SpecialNeeds)
	w(s.FinancialAid)
	for _, g := range s.Guardians {
		w(g.Name)
		w(g.Relation)
		w(normalPhone(g.Phone))
	}
	w("|")
	w(s.School)
	w(s.Grade.String())
	w(itoa64(s.ClassID))
	sum := sha256.Sum256([]byte(b.String()))
	return index("student.content", hex.EncodeToString(sum[:]))[:32]
}
