package idno

import (
	"time"
	"unicode/utf8"

	"edubureau/i18n"
)

// StudentKind is the letter a national student number (全国学籍号) starts with.
type StudentKind string

const (
	// StudentFormal (G) is G + the student's resident ID number, verified.
	StudentFormal StudentKind = "G"
	// StudentNoID (J) is J + 18 characters built like an ID number (the school's
	// area code, birth date, 3-digit sequence, check character) for a student
	// without a resident ID number.
	StudentNoID StudentKind = "J"
	// StudentTemporary (L) is a temporary number. Its inner format is not
	// published; we accept L + 18 digits (the last may be X) and validate them
	// exactly as for J (province, birth date, check character), because the
	// temporary number is issued from the student's stated ID data and the
	// bureau needs the birth date and gender it carries. A temporary number
	// that fails these checks is rejected rather than stored unchecked.
	StudentTemporary StudentKind = "L"
)

// Label is the kind's name in both languages.
func (k StudentKind) Label() i18n.Text {
	switch k {
	case StudentFormal:
		return i18n.T("正式学籍号", "formal student number")
	case StudentNoID:
		return i18n.T("无身份证学籍号", "student number without ID")
	case StudentTemporary:
		return i18n.T("临时学籍号", "temporary student number")
	}
	return i18n.T("未知学籍号类型", "unknown student number kind")
}

// StudentNumber is a parsed, valid national student number.
type StudentNumber struct {
	Number string      // normalised: 19 ASCII characters, e.g. "G11010519491231002X"
	Kind   StudentKind // G, J or L
	// Body is the 18 characters after the letter, parsed. For G it is the
	// student's resident ID number; for J and L it is built the same way and
	// carries the birth date and gender, but it is not an ID number.
	Body ResidentID
}

// Birth is the birth date carried in the number (00:00 UTC).
func (n StudentNumber) Birth() time.Time { return n.Body.Birth }

// Gender is the gender carried in the number.
func (n StudentNumber) Gender() Gender { return n.Body.Gender() }

// ResidentID returns the embedded resident ID number of a formal (G) number.
func (n StudentNumber) ResidentID() (ResidentID, bool) {
	return n.Body, n.Kind == StudentFormal
}

// ParseStudentNumber validates a national student number as of now: a letter
// G, J or L (lower case accepted) followed by 18 characters that pass the
// resident ID rules (province, real birth date not after today, check character).
// Error positions count from the letter (position 1).
func ParseStudentNumber(s string, now time.Time) (StudentNumber, error) {
	s = Normalize(s)
	w := wStudent
	if s == "" {
		return StudentNumber{}, w.invalid(ReasonEmpty, "%s为空", "the %s is empty")
	}
	if n := utf8.RuneCountInString(s); n != 19 {
		return StudentNumber{}, w.invalid(ReasonLength, "%s应为 19 位（字母 G、J 或 L 加 18 位），实为 %d 位",
			"the %s should have 19 characters (G, J or L and 18 more), not %d", n)
	}
	kind := StudentKind(s[:1])
	switch kind {
	case StudentFormal, StudentNoID, StudentTemporary:
	default:
		r, _ := utf8.DecodeRuneInString(s)
		return StudentNumber{}, w.invalid(ReasonPrefix, "%s应以 G、J 或 L 开头，实为“%s”", "the %s should start with G, J or L, not %q", string(r))
	}
	body, err := parse18(s[1:], now, w, provinceArea)
	if err != nil {
		return StudentNumber{}, err
	}
	return StudentNumber{Number: s, Kind: kind, Body: body}, nil
}
