package idno

import (
	"time"
	"unicode/utf8"

	"edubureau/i18n"
)

// IDType is the kind of identity document a person's number belongs to.
type IDType string

const (
	ResidentIDCard IDType = "resident_id"          // 居民身份证 (GB 11643-1999)
	HMTResidence   IDType = "hmt_residence_permit" // 港澳台居民居住证: 810000/820000/830000 + birth date + sequence + check
	HKMacaoPermit  IDType = "hk_macao_permit"      // 港澳居民来往内地通行证 (回乡证): H or M + 8 or 10 digits
	TaiwanPermit   IDType = "taiwan_permit"        // 台湾居民来往大陆通行证 (台胞证): 8 digits
	Passport       IDType = "passport"             // 护照: 5–20 letters or digits
)

// IDTypes lists the types in the order forms offer them.
var IDTypes = []IDType{ResidentIDCard, HMTResidence, HKMacaoPermit, TaiwanPermit, Passport}

// Label is the document's name in both languages.
func (t IDType) Label() i18n.Text {
	switch t {
	case ResidentIDCard:
		return i18n.T("居民身份证", "resident ID card")
	case HMTResidence:
		return i18n.T("港澳台居民居住证", "residence permit for Hong Kong, Macao and Taiwan residents")
	case HKMacaoPermit:
		return i18n.T("港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents")
	case TaiwanPermit:
		return i18n.T("台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents")
	case Passport:
		return i18n.T("护照", "passport")
	}
	return i18n.T("未知证件类型", "unknown document type")
}

// ParseIDType accepts one of the IDType values.
func ParseIDType(s string) (IDType, error) {
	for _, t := range IDTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", invalid(ReasonType, "未知的证件类型“%s”", "unknown identity document type %[1]q", s)
}

// hmtArea accepts only the three area codes of the HMT residence permit.
func hmtArea(area string, w what) error {
	switch area {
	case "810000", "820000", "830000":
		return nil
	}
	return w.invalid(ReasonArea, "%s应以 810000（香港）、820000（澳门）或 830000（台湾）开头，实为“%s”",
		"the %s should start with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan), not %q", area)
}

// ParseHMTResidencePermit validates a residence permit number for Hong Kong,
// Macao and Taiwan residents: 18 characters built like a resident ID number
// (same date and check-character rules) whose area code is 810000, 820000 or 830000.
func ParseHMTResidencePermit(s string, now time.Time) (ResidentID, error) {
	return parse18(Normalize(s), now, wPermit, hmtArea)
}

// ValidateID checks number as a document of type t as of now and returns its
// normalised form (trimmed, half-width, upper case). The rules:
//   - ResidentIDCard: ParseResidentID;
//   - HMTResidence: ParseHMTResidencePermit;
//   - HKMacaoPermit: H (Hong Kong) or M (Macao) followed by 8 or 10 digits
//     (the 10-digit form is the older card whose last two digits count reissues);
//   - TaiwanPermit: 8 digits;
//   - Passport: 5 to 20 ASCII letters or digits (foreign passports vary, so
//     only the shape is checked).
func ValidateID(t IDType, number string, now time.Time) (string, error) {
	s := Normalize(number)
	switch t {
	case ResidentIDCard:
		id, err := ParseResidentID(s, now)
		return id.Number, err
	case HMTResidence:
		id, err := ParseHMTResidencePermit(s, now)
		return id.Number, err
	case HKMacaoPermit:
		w := what{"回乡证号码", "home return permit number", 0}
		if s == "" {
			return "", w.invalid(ReasonEmpty, "%s为空", "the %s is empty")
		}
		if s[0] != 'H' && s[0] != 'M' {
			r, _ := utf8.DecodeRuneInString(s)
			return "", w.invalid(ReasonPrefix, "%s应以 H（香港）或 M（澳门）开头，实为“%s”",
				"the %s should start with H (Hong Kong) or M (Macao), not %q", string(r))
		}
		if n := utf8.RuneCountInString(s) - 1; n != 8 && n != 10 {
			return "", w.invalid(ReasonLength, "%s应为字母后跟 8 位或 10 位数字，实为 %d 位", "the %s should be a letter and 8 or 10 digits, not %d digits", n)
		}
		if err := digitsFrom(s, 1, w); err != nil {
			return "", err
		}
		return s, nil
	case TaiwanPermit:
		w := what{"台胞证号码", "Taiwan compatriot permit number", 0}
		if s == "" {
			return "", w.invalid(ReasonEmpty, "%s为空", "the %s is empty")
		}
		if n := utf8.RuneCountInString(s); n != 8 {
			return "", w.invalid(ReasonLength, "%s应为 8 位数字，实为 %d 位", "the %s should have 8 digits, not %d", n)
		}
		if err := digitsFrom(s, 0, w); err != nil {
			return "", err
		}
		return s, nil
	case Passport:
		w := what{"护照号码", "passport number", 0}
		if s == "" {
			return "", w.invalid(ReasonEmpty, "%s为空", "the %s is empty")
		}
		if n := utf8.RuneCountInString(s); n < 5 || n > 20 {
			return "", w.invalid(ReasonLength, "%s应为 5 至 20 位字母或数字，实为 %d 位", "the %s should have 5 to 20 letters or digits, not %d", n)
		}
		pos := 0
		for _, r := range s {
			pos++
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
				return "", w.invalid(ReasonChar, "%s第 %d 位应为字母或数字，实为“%s”", "character %[2]d of the %[1]s should be a letter or digit, not %[3]q", pos, string(r))
			}
		}
		return s, nil
	}
	return "", invalid(ReasonType, "未知的证件类型“%s”", "unknown identity document type %[1]q", string(t))
}

// digitsFrom checks that every character of s from rune index start on is a digit.
func digitsFrom(s string, start int, w what) error {
	pos := 0
	for _, r := range s {
		pos++
		if pos <= start {
			continue
		}
		if r < '0' || r > '9' {
			return w.invalid(ReasonChar, "%s第 %d 位应为数字，实为“%s”", "character %[2]d of the %[1]s should be a digit, not %[3]q", pos, string(r))
		}
	}
	return nil
}
