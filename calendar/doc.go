// Package calendar is the official working-day calendar that the bureau's
// legal deadlines are counted on, and the arithmetic of those deadlines.
//
// # Working days
//
// A working day (工作日) is a Monday–Friday that is not a statutory holiday,
// or a Saturday/Sunday that the State Council has made a make-up workday
// (调休上班). Each year the General Office of the State Council publishes a
// notice on the holiday arrangements for the next year
// (国务院办公厅关于某年部分节假日安排的通知); the built-in data transcribes
// the notices for 2020–2026 in the holiday-cn JSON format (see Notice),
// including the 2020 extension of the Spring Festival holiday
// (国办发明电〔2020〕1号).
//
// A year without a published notice can only be guessed from the weekend rule,
// so every answer that depends on such a day carries provisional = true and
// must be shown as such. The last days of December stay provisional until the
// next year's notice is out, because that notice may still move them.
//
// # Counting periods
//
// The day a period starts from is not counted (期间开始的日不计算在期间内): one
// working day from Friday 2025-09-26 is Sunday 2025-09-28, a make-up workday.
//
//   - Administrative License Law (行政许可法, 2019): periods are working days,
//     statutory holidays excluded (Art. 82); a decision within 20 working days,
//     extendable once by 10 with the head's approval (Art. 42); time for hearings,
//     bidding, auction, inspection, testing, quarantine, appraisal and expert
//     review is not counted (Art. 45) — a Stop that resumes.
//   - Government Information Disclosure Regulations (政府信息公开条例, 2019): a
//     reply within 20 working days, extendable by 20 (Art. 33), time for
//     consulting third parties not counted (Art. 33); a notice to supplement
//     within 7 working days, after which the reply period runs from receipt of
//     the supplemented application (Art. 30) — a Stop that restarts.
//   - Administrative Reconsideration Law (行政复议法, 2023, in force 2024-01-01):
//     its "3, 5, 7 and 10 days" are working days; other periods are calendar
//     days, computed by the Civil Procedure Law's rules on periods (Art. 88).
//     Under those rules (民事诉讼法 Art. 85 in the 2021 text) a period whose
//     last day is a rest day ends on the first working day after it —
//     AddCalendarDays and Deadline with CalendarDays do this.
//
// # Cost
//
// New indexes the published years (prefix counts of working days), so
// IsWorkday, AddWorkdays, WorkdaysBetween and AddCalendarDays take constant
// time and no allocation; Deadline is linear in the number of stops.
package calendar
