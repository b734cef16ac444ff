// Package idno checks the identity numbers the bureau records for students,
// guardians and staff: the resident ID number (GB 11643-1999), the residence
// permit for Hong Kong, Macao and Taiwan residents, the HK/Macao and Taiwan
// travel permits, passports, and the national student number (全国学籍号).
//
// Every function is pure: the date "today" is a parameter (now), never read
// from a hidden clock, so the rules are table-tested against fixed dates.
// Errors are *fault.Error of kind fault.Invalid with a message in both
// languages; ReasonOf(err) gives a short machine code for importers.
package idno

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/fault"
	"edubureau/i18n"
)

// Reason is a short, stable code saying which rule an identity number broke.
// It is carried inside the *fault.Error (as its cause), so
// errors.Is(err, idno.ReasonChecksum) and ReasonOf(err) both work.
type Reason string

const (
	ReasonEmpty          Reason = "empty"           // nothing given
	ReasonLength         Reason = "length"          // wrong number of characters
	ReasonChar           Reason = "char"            // a character that is not allowed at its position
	ReasonArea           Reason = "area"            // unknown province / wrong permit prefix
	ReasonDate           Reason = "date"            // the birth date is not a real date (or before 1900)
	ReasonFuture         Reason = "future"          // the birth date is after today
	ReasonChecksum       Reason = "checksum"        // the check character does not match
	ReasonPrefix         Reason = "prefix"          // a student number not starting G, J or L; a permit not starting H or M
	ReasonType           Reason = "type"            // an unknown IDType
	ReasonBirthMismatch  Reason = "birth_mismatch"  // ConsistentWith: the birth dates differ
	ReasonGenderMismatch Reason = "gender_mismatch" // ConsistentWith: the genders differ (only)
)

// Error makes a Reason usable as the cause of a fault.Error.
func (r Reason) Error() string { return "idno: " + string(r) }

// ReasonOf returns the Reason inside err, or "" when err carries none.
func ReasonOf(err error) Reason {
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ""
}

func invalid(r Reason, zh, en string, args ...any) error {
	return &fault.Error{Kind: fault.Invalid, Msg: i18n.T(zh, en, args...), Err: r}
}

// invalid formats zh with the Chinese label of the number as argument 1 and
// en with the English label as argument 1, then args.
func (w what) invalid(r Reason, zh, en string, args ...any) error {
	za := append([]any{w.zh}, args...)
	ea := append([]any{w.en}, args...)
	return &fault.Error{Kind: fault.Invalid, Msg: i18n.Text{ZH: fmt.Sprintf(zh, za...), EN: fmt.Sprintf(en, ea...)}, Err: r}
}

// Gender as the bureau records it.
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// GenderOf turns the ID number's parity into a Gender.
func GenderOf(male bool) Gender {
	if male {
		return Male
	}
	return Female
}

// Label is the gender in both languages.
func (g Gender) Label() i18n.Text {
	if g == Male {
		return i18n.T("男", "male")
	}
	return i18n.T("女", "female")
}

// ResidentID is a parsed, valid 18-character resident ID number (or a number
// built the same way: the HMT residence permit, the body of a student number).
type ResidentID struct {
	Number string    // normalised: 18 ASCII characters, a final check "X" in upper case
	Area   string    // the 6-digit area code (GB/T 2260 at the time of issue)
	Birth  time.Time // the birth date at 00:00 UTC
	Seq    int       // the 3-digit sequence, 0–999
	Male   bool      // the sequence is odd
}

// Gender is the gender encoded in the sequence (odd = male, even = female).
func (id ResidentID) Gender() Gender { return GenderOf(id.Male) }

// BirthDate is the birth date as YYYY-MM-DD.
func (id ResidentID) BirthDate() string { return id.Birth.Format(time.DateOnly) }

// weights are the GB 11643-1999 weights 2^(17-i) mod 11 over the first 17 digits.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum mod 11 to the check character.
const checkChars = "10X98765432"

// CheckChar returns the check character ('0'–'9' or 'X') for the first 17
// digits of an ID number, or 0 when first17 is not exactly 17 ASCII digits.
func CheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// provinces holds the first two digits a resident ID may start with:
// the province-level divisions of GB/T 2260 plus 71 Taiwan, 81 Hong Kong, 82 Macao.
var provinces = map[string]i18n.Text{
	"11": i18n.T("北京", "Beijing"), "12": i18n.T("天津", "Tianjin"), "13": i18n.T("河北", "Hebei"),
	"14": i18n.T("山西", "Shanxi"), "15": i18n.T("内蒙古", "Inner Mongolia"),
	"21": i18n.T("辽宁", "Liaoning"), "22": i18n.T("吉林", "Jilin"), "23": i18n.T("黑龙江", "Heilongjiang"),
	"31": i18n.T("上海", "Shanghai"), "32": i18n.T("江苏", "Jiangsu"), "33": i18n.T("浙江", "Zhejiang"),
	"34": i18n.T("安徽", "Anhui"), "35": i18n.T("福建", "Fujian"), "36": i18n.T("江西", "Jiangxi"),
	"37": i18n.T("山东", "Shandong"),
	"41": i18n.T("河南", "Henan"), "42": i18n.T("湖北", "Hubei"), "43": i18n.T("湖南", "Hunan"),
	"44": i18n.T("广东", "Guangdong"), "45": i18n.T("广西", "Guangxi"), "46": i18n.T("海南", "Hainan"),
	"50": i18n.T("重庆", "Chongqing"), "51": i18n.T("四川", "Sichuan"), "52": i18n.T("贵州", "Guizhou"),
	"53": i18n.T("云南", "Yunnan"), "54": i18n.T("西藏", "Tibet"),
	"61": i18n.T("陕西", "Shaanxi"), "62": i18n.T("甘肃", "Gansu"), "63": i18n.T("青海", "Qinghai"),
	"64": i18n.T("宁夏", "Ningxia"), "65": i18n.T("新疆", "Xinjiang"),
	"71": i18n.T("台湾", "Taiwan"), "81": i18n.T("香港", "Hong Kong"), "82": i18n.T("澳门", "Macao"),
}

// ProvinceOf returns the name of the province an area code starts with.
func ProvinceOf(area string) (i18n.Text, bool) {
	if len(area) < 2 {
		return i18n.Text{}, false
	}
	t, ok := provinces[area[:2]]
	return t, ok
}

// minBirthYear: a birth year before this is taken as a typing error.
const minBirthYear = 1900

// Normalize trims the surrounding white space, folds full-width ASCII
// (Ｘ, １２３ typed with a Chinese input method or copied from Excel) to
// half-width and upper-cases letters. Importers and the blind index use it so
// that "11010519491231002x" and "11010519491231002X" are one number.
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || ('a' <= s[i] && s[i] <= 'z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFF01 - 0x21
		case r == 0x3000: // ideographic space
			r = ' '
		}
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// what names the kind of number in messages and shifts positions when the
// 18 ID-like characters sit after a one-letter prefix (student numbers).
type what struct {
	zh, en string
	offset int
}

var (
	wResident = what{"身份证号", "ID number", 0}
	wPermit   = what{"居住证号", "residence permit number", 0}
	wStudent  = what{"学籍号", "student number", 1}
)

// ParseResidentID validates an 18-character resident ID number as of the day
// now falls on (in now's location) and returns its parts. The input may carry
// surrounding spaces, full-width digits or a lower-case x; ResidentID.Number
// is the normalised form. Checks, in order: length, characters, province,
// birth date (a real date, not before 1900, not after today), check character.
func ParseResidentID(s string, now time.Time) (ResidentID, error) {
	return parse18(Normalize(s), now, wResident, provinceArea)
}

// ValidResidentID is ParseResidentID as of the current time, for callers
// that have no clock of their own (tests and rules should pass now).
func ValidResidentID(s string) (ResidentID, error) {
	return ParseResidentID(s, time.Now())
}

// areaRule checks the 6-digit area code of an 18-character number.
type areaRule func(area string, w what) error

func provinceArea(area string, w what) error {
	if _, ok := provinces[area[:2]]; !ok {
		return w.invalid(ReasonArea, "%s前两位“%s”不是有效的省级行政区代码", "the first two digits of the %s, %q, are not a province code",
			area[:2])
	}
	return nil
}

func parse18(s string, now time.Time, w what, area areaRule) (ResidentID, error) {
	if s == "" {
		return ResidentID{}, w.invalid(ReasonEmpty, "%s为空", "the %s is empty")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		return ResidentID{}, w.invalid(ReasonLength, "%s应为 18 位，实为 %d 位", "the %s should have 18 characters, not %d", n)
	}
	pos := 0
	for _, r := range s {
		pos++
		if r >= '0' && r <= '9' {
			continue
		}
		if pos == 18 && r == 'X' {
			continue
		}
		at := pos + w.offset
		if pos == 18 {
			return ResidentID{}, w.invalid(ReasonChar, "%s第 %d 位应为数字或 X，实为“%s”", "character %[2]d of the %[1]s should be a digit or X, not %[3]q",
				at, string(r))
		}
		return ResidentID{}, w.invalid(ReasonChar, "%s第 %d 位应为数字，实为“%s”", "character %[2]d of the %[1]s should be a digit, not %[3]q",
			at, string(r))
	}
	// From here s is 18 ASCII bytes.
	if err := area(s[:6], w); err != nil {
		return ResidentID{}, err
	}
	birth, err := birthDate(s[6:14], now, w)
	if err != nil {
		return ResidentID{}, err
	}
	if want := CheckChar(s[:17]); s[17] != want {
		return ResidentID{}, w.invalid(ReasonChecksum, "%s校验位应为 %c，实为 %c", "the check character of the %s should be %c, not %c",
			want, s[17])
	}
	seq, _ := strconv.Atoi(s[14:17])
	return ResidentID{Number: s, Area: s[:6], Birth: birth, Seq: seq, Male: seq%2 == 1}, nil
}

var monthsEN = [13]string{"", "January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// birthDate checks 8 digits YYYYMMDD as a real date between 1900-01-01 and today.
func birthDate(d string, now time.Time, w what) (time.Time, error) {
	y, _ := strconv.Atoi(d[:4])
	m, _ := strconv.Atoi(d[4:6])
	day, _ := strconv.Atoi(d[6:8])
	if m < 1 || m > 12 {
		return time.Time{}, w.invalid(ReasonDate, "%s中的出生月份“%s”无效", "the birth month %[2]q in the %[1]s is not a month",
			d[4:6])
	}
	if day < 1 || day > daysIn(y, m) {
		return time.Time{}, w.invalid(ReasonDate, "%[1]s中的出生日期无效：%[2]d 年 %[3]d 月没有 %[4]d 日", "the birth date in the %[1]s is not a real date: %[5]s %[2]d has no day %[4]d",
			y, m, day, monthsEN[m])
	}
	if y < minBirthYear {
		return time.Time{}, w.invalid(ReasonDate, "%s中的出生年份 %d 早于 %d 年", "the birth year %[2]d in the %[1]s is before %[3]d",
			y, minBirthYear)
	}
	birth := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	ty, tm, td := now.Date()
	if birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, w.invalid(ReasonFuture, "%s中的出生日期 %s 晚于今天", "the birth date %[2]s in the %[1]s is in the future",
			birth.Format(time.DateOnly))
	}
	return birth, nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ConsistentWith checks that the birth date and gender stated on a form agree
// with those in the ID number. Only the calendar date of birth counts (taken in
// birth's own location). A mismatch is an Invalid error naming what differs:
// ReasonBirthMismatch when the birth date differs (whether or not the gender
// also does; the message then names both), ReasonGenderMismatch when only the
// gender does.
func ConsistentWith(id ResidentID, birth time.Time, male bool) error {
	by, bm, bd := birth.Date()
	iy, im, idd := id.Birth.Date()
	birthOK := by == iy && bm == im && bd == idd
	genderOK := id.Male == male
	stated := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	ig, sg := id.Gender().Label(), GenderOf(male).Label()
	switch {
	case !birthOK && !genderOK:
		return invalid(ReasonBirthMismatch,
			"身份证号中的出生日期 %[1]s 与填写的 %[2]s 不一致，性别（%[3]s）与填写的（%[4]s）也不一致",
			"the ID number's birth date %[1]s differs from the stated %[2]s, and its gender (%[5]s) from the stated (%[6]s)",
			id.BirthDate(), stated, ig.ZH, sg.ZH, ig.EN, sg.EN)
	case !birthOK:
		return invalid(ReasonBirthMismatch, "身份证号中的出生日期 %s 与填写的 %s 不一致", "the ID number's birth date %s differs from the stated %s",
			id.BirthDate(), stated)
	case !genderOK:
		return invalid(ReasonGenderMismatch, "身份证号表明性别为%[1]s，与填写的%[2]s不一致", "the ID number indicates %[3]s, but %[4]s was stated",
			ig.ZH, sg.ZH, ig.EN, sg.EN)
	}
	return nil
}

// MakeResidentID builds a valid resident ID number from a 6-digit area code,
// a birth date (its calendar date in its own location) and a sequence 0–999
// (odd for a male). It is for the demo data generator and tests; it panics
// on an area code that is not 6 digits or a sequence out of range, which are
// programming errors. It does not check that the area's province exists.
func MakeResidentID(area string, birth time.Time, seq int) string {
	if len(area) != 6 || strings.Trim(area, "0123456789") != "" {
		panic("idno.MakeResidentID: area code must be 6 digits, got " + strconv.Quote(area))
	}
	if seq < 0 || seq > 999 {
		panic("idno.MakeResidentID: sequence out of range 0–999: " + strconv.Itoa(seq))
	}
	y, m, d := birth.Date()
	if y < 0 || y > 9999 {
		panic("idno.MakeResidentID: birth year out of range: " + strconv.Itoa(y))
	}
	b := make([]byte, 0, 18)
	b = append(b, area...)
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(m), 2)
	b = appendDigits(b, d, 2)
	b = appendDigits(b, seq, 3)
	b = append(b, CheckChar(string(b)))
	return string(b)
}

func appendDigits(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
