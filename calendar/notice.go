package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"edubureau/fault"
)

// Notice is one year's working-day calendar as the State Council publishes it
// (国务院办公厅关于某年部分节假日安排的通知), in the holiday-cn JSON format:
//
//	{"year": 2025, "papers": ["https://www.gov.cn/…"],
//	 "days": [{"name": "春节", "date": "2025-01-26", "isOffDay": false}, …]}
//
// Only days that differ from the plain weekend rule are listed: an off day
// (isOffDay:true) is a holiday, a non-off day (isOffDay:false) a make-up
// workday (调休上班) on a Saturday or Sunday.
type Notice struct {
	Year   int
	Papers []string // the notices' addresses on www.gov.cn
	Days   []Day    // sorted by date, each date once
}

// Day is one entry of a notice.
type Day struct {
	Date   Date
	Name   string // the holiday it belongs to, e.g. "国庆节、中秋节"
	OffDay bool   // true: a day off; false: a make-up workday
}

// yearEndWindow is how many days at the end of December a notice may reach back
// into the previous year: a New Year holiday can begin on 31 December (the 2023
// notice gives 2022-12-31 off) and make-up days have fallen as early as
// 29 December (the 2019 notice made Saturday 2018-12-29 a workday). The same
// window makes the last days of a year provisional until the next year's
// notice is published (see Calendar).
const yearEndWindow = 7

// returnToWork lists weekday entries marked isOffDay:false that the State
// Council did publish. They are "back to work" markers, not make-up days, and
// count as working days like any other weekday; every other weekday marked
// isOffDay:false is refused as a probable flipped flag.
var returnToWork = map[Date]string{
	// 国办发明电〔2020〕1号 extended the 2020 Spring Festival holiday to Sunday
	// 2 February (cancelling the make-up Saturday 1 February); work resumed
	// Monday 3 February.
	{2020, time.February, 3}: "国办发明电〔2020〕1号",
}

// ParseNotice reads one year's notice in the holiday-cn JSON format. name (the
// file name, usually "2025.json") appears in error messages. Every problem is a
// fault.Invalid naming the file and, where there is one, the entry.
func ParseNotice(r io.Reader, name string) (Notice, error) {
	var raw struct {
		Year   json.RawMessage `json:"year"`
		Papers []string        `json:"papers"`
		Days   *[]struct {
			Name     *string `json:"name"`
			Date     *string `json:"date"`
			IsOffDay *bool   `json:"isOffDay"`
		} `json:"days"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return Notice{}, badJSON(name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("extra data after the JSON object")
		}
		return Notice{}, badJSON(name, err)
	}

	n := Notice{Papers: raw.Papers}
	if len(raw.Year) == 0 || bytes.Equal(raw.Year, []byte("null")) {
		return Notice{}, fault.New(fault.Invalid, "节假日文件 %s：缺少 year（年份）", "holiday file %s: year is missing", name)
	}
	y, err := strconv.Atoi(string(raw.Year))
	if err != nil || y < 1950 || y > 9999 {
		// The State Council's holiday rules (全国年节及纪念日放假办法) date from December 1949.
		return Notice{}, fault.New(fault.Invalid, "节假日文件 %s：year 应为 1950–9999 之间的整数，实为 %s",
			"holiday file %s: year must be a whole number from 1950 to 9999, not %s", name, string(raw.Year))
	}
	n.Year = y
	if raw.Days == nil || len(*raw.Days) == 0 {
		return Notice{}, fault.New(fault.Invalid, "节假日文件 %s：没有 days（放假调休日期）", "holiday file %s: days is missing or empty", name)
	}

	seen := make(map[Date]int, len(*raw.Days))
	for i, e := range *raw.Days {
		entry := func(zh, en string, args ...any) error {
			what := "?"
			if e.Date != nil {
				what = *e.Date
			}
			a := append([]any{name, i, what}, args...)
			return fault.New(fault.Invalid, "节假日文件 %s，第 days[%d] 条（%s）："+zh, "holiday file %s, entry days[%d] (%s): "+en, a...)
		}
		if e.Date == nil {
			return Notice{}, entry("缺少 date", "date is missing")
		}
		d, err := ParseDate(*e.Date)
		if err != nil {
			return Notice{}, entry("日期无效，应为存在的 YYYY-MM-DD 日期", "not a real date written YYYY-MM-DD")
		}
		if e.IsOffDay == nil {
			return Notice{}, entry("缺少 isOffDay", "isOffDay is missing")
		}
		if e.Name == nil || *e.Name == "" {
			return Notice{}, entry("缺少 name（节日名称）", "name (the holiday) is missing")
		}
		if !inNoticeYear(d, y) {
			return Notice{}, entry("日期不在 %d 年内——是否把别的年份的文件当成了 %d 年？",
				"the date is not in %[4]d — is this another year's file?", y, y)
		}
		if j, dup := seen[d]; dup {
			return Notice{}, entry("与第 days[%d] 条日期重复", "the same date as entry days[%d]", j)
		}
		seen[d] = i
		wd := d.Weekday()
		if !*e.IsOffDay && wd != time.Saturday && wd != time.Sunday {
			if _, ok := returnToWork[d]; !ok {
				// Explicit indexes: each language takes its own weekday name (entry puts name, i, date first).
				return Notice{}, entry("调休上班日只能是星期六或星期日，此日是%[4]s——isOffDay 是否写反？",
					"a make-up workday must be a Saturday or Sunday, but this is a %[5]s — is isOffDay flipped?", weekdayZH[wd], wd.String())
			}
		}
		n.Days = append(n.Days, Day{Date: d, Name: *e.Name, OffDay: *e.IsOffDay})
	}
	slices.SortFunc(n.Days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return n, nil
}

// inNoticeYear: the notice's own year, or the last yearEndWindow days of the
// year before (a New Year holiday that starts in December).
func inNoticeYear(d Date, year int) bool {
	if d.y == year {
		return true
	}
	return d.y == year-1 && d.m == time.December && d.d > 31-yearEndWindow
}

func badJSON(name string, err error) error {
	detail := err.Error()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		detail = detail + " (offset " + strconv.FormatInt(se.Offset, 10) + ")"
	}
	if errors.Is(err, io.EOF) {
		detail = "empty file"
	}
	e := fault.New(fault.Invalid, "节假日文件 %s 不是有效的 JSON：%s", "holiday file %s is not valid JSON: %s", name, detail)
	e.Err = err
	return e
}

var weekdayZH = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
