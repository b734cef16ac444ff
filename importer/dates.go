package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"edubureau/i18n"
)

// NormalizeDate reads a date as people write it in a spreadsheet —
// 2015-09-01, 2015/9/1, 2015.9.1, 2015年9月1日, 20150901, or with a time
// after it — and returns it as YYYY-MM-DD; a date that does not exist
// (2015-02-31) or cannot be read gets a message saying so.
func NormalizeDate(s string) (string, *i18n.Text) {
	bad := func(zh, en string, args ...any) (string, *i18n.Text) { m := i18n.T(zh, en, args...); return "", &m }
	orig := s
	s = FoldWidth(strings.TrimSpace(s))
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i] // a time after the date
	}
	var parts []string
	switch {
	case len(s) == 8 && isDigits(s):
		parts = []string{s[:4], s[4:6], s[6:]}
	default:
		s = strings.TrimSuffix(strings.TrimSuffix(s, "日"), "号")
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' || r == '年' || r == '月' })
	}
	if len(parts) != 3 || !isDigits(parts[0]) || !isDigits(parts[1]) || !isDigits(parts[2]) || len(parts[0]) != 4 {
		return bad("“%s”不是日期；请写成 2015-09-01 的形式", "%q is not a date; write it as 2015-09-01", short(orig))
	}
	y, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	d, _ := strconv.Atoi(parts[2])
	if m < 1 || m > 12 {
		return bad("“%s”不是有效日期：没有 %d 月", "%q is not a valid date: there is no month %d", short(orig), m)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || t.Month() != time.Month(m) {
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return "", &i18n.Text{ZH: fmt.Sprintf("“%s”不是有效日期：%d 年 %d 月只有 %d 天", short(orig), y, m, last),
			EN: fmt.Sprintf("%q is not a valid date: %s %d has %d days", short(orig), time.Month(m), y, last)}
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), nil
}
