package calendar

import (
	"time"

	"edubureau/fault"
)

// Date is a civil date — a year, a month and a day — with no time of day and no
// time zone: the unit every legal deadline is counted in. The zero Date is not a
// valid date (IsZero reports it); construct dates with NewDate, ParseDate or
// DateOf. Dates are comparable with == and ordered by Compare/Before/After.
type Date struct {
	y int
	m time.Month
	d int
}

// NewDate returns the date year-month-day, refusing days that do not exist
// (2025-02-31, 2025-13-01) and years outside 1…9999.
func NewDate(year int, month time.Month, day int) (Date, error) {
	if year < 1 || year > 9999 || month < time.January || month > time.December || day < 1 || day > daysIn(year, month) {
		return Date{}, fault.New(fault.Invalid, "日期不存在：%04d-%02d-%02d", "no such date: %04d-%02d-%02d", year, int(month), day)
	}
	return Date{year, month, day}, nil
}

// ParseDate parses exactly "YYYY-MM-DD" (zero-padded, as in the State Council
// notices and ISO 8601) and refuses dates that do not exist.
func ParseDate(s string) (Date, error) {
	bad := func() (Date, error) {
		return Date{}, fault.New(fault.Invalid, "日期格式应为 YYYY-MM-DD：%q", "a date must be written YYYY-MM-DD: %q", s)
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	num := func(t string) (int, bool) {
		n := 0
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	return NewDate(y, time.Month(m), d)
}

// DateOf returns the date of t in t's own location. Callers decide the zone:
// the bureau's days are Beijing days, so pass t.In(beijing) when it matters.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Year, Month and Day return the date's parts.
func (d Date) Year() int         { return d.y }
func (d Date) Month() time.Month { return d.m }
func (d Date) Day() int          { return d.d }
func (d Date) IsZero() bool      { return d == Date{} }
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	var b [10]byte
	put := func(i, n, w int) {
		for j := i + w - 1; j >= i; j-- {
			b[j] = byte('0' + n%10)
			n /= 10
		}
	}
	if d.y < 0 || d.y > 9999 {
		// Only reachable by arithmetic far outside any deadline; keep it readable.
		return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	put(0, d.y, 4)
	b[4] = '-'
	put(5, int(d.m), 2)
	b[7] = '-'
	put(8, d.d, 2)
	return string(b[:])
}

// MarshalText writes YYYY-MM-DD, so a Date is a plain string in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD with ParseDate's rules.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// AddDays returns the date n calendar days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + n) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return weekdayOf(d.days()) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.y != e.y:
		return cmp(d.y, e.y)
	case d.m != e.m:
		return cmp(int(d.m), int(e.m))
	default:
		return cmp(d.d, e.d)
	}
}

// Before and After order dates.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }
func (d Date) After(e Date) bool  { return d.Compare(e) > 0 }

// DaysBetween returns the number of calendar days from from to to: to − from,
// negative when to is before from. DaysBetween(d, d.AddDays(n)) == n.
func DaysBetween(from, to Date) int { return to.days() - from.days() }

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// days is the number of days since 1970-01-01 (negative before), by Howard
// Hinnant's days_from_civil: constant time, no time.Time, no time zones.
func (d Date) days() int {
	y, m := d.y, int(d.m)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d.d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (civil_from_days).
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

// weekdayOf: 1970-01-01 was a Thursday.
func weekdayOf(z int) time.Weekday { return time.Weekday(floorMod(z+4, 7)) }

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
