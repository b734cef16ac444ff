package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"edubureau/calendar"
	"edubureau/fault"
	"edubureau/scope"
)

// The yearly report on government information disclosure (政府信息公开工作
// 年度报告), due by 31 January for the year before (GIDR Art. 49), in the
// national template (国办公开办函〔2021〕30号). This file computes its
// table three (收到和处理政府信息公开申请情况) and table four (政府信息公开
// 行政复议、行政诉讼情况) from the cases; the template's tables one and two
// (the bureau's own publications) are not casework.
//
// How a year Y is counted, so that the template's check holds (new +
// carried over = answered + carried forward):
//   - new: requests received in Y;
//   - carried over: received before Y and not closed before 1 January Y;
//   - answered: closed in Y, by how (a reply's outcome and reason; a request
//     deemed abandoned for want of a supplement counts as 其他处理 1, one
//     withdrawn by the applicant as 其他处理 3);
//   - carried forward: received by 31 December Y and still open at its end.
//
// Reconsiderations and lawsuits count when they concern a disclosure request
// (opened with its number): those decided in Y by their result — upheld,
// corrected (altered, revoked, held unlawful, performance ordered), other —
// and those still open at the end of Y as pending. A lawsuit that names the
// reconsideration it follows is "after reconsideration".

// ReportColumns are the applicant columns of table three, in order, before
// the total.
var ReportColumns = ApplicantTypes

// ReportRow is one row of table three's answers: an outcome, or one of its
// reasons ("refuse/state_secret").
type ReportRow struct {
	Outcome, Reason string
}

// Key is "outcome" or "outcome/reason".
func (r ReportRow) Key() string {
	if r.Reason == "" {
		return r.Outcome
	}
	return r.Outcome + "/" + r.Reason
}

// ReportRows are table three's answer rows in the template's order: the
// outcomes without reasons as one row each, the others by reason.
var ReportRows = func() []ReportRow {
	var out []ReportRow
	for _, o := range Outcomes {
		if len(o.Reasons) == 0 {
			out = append(out, ReportRow{Outcome: o.Code})
			continue
		}
		for _, r := range o.Reasons {
			out = append(out, ReportRow{Outcome: o.Code, Reason: r})
		}
	}
	return out
}()

// Counts is one line of table three: a count per applicant column and the
// total (the last element).
type Counts [7]int

func (c *Counts) add(col int) {
	c[col]++
	c[len(c)-1]++
}

// Review results, the columns of table four.
const (
	ReviewUpheld = iota
	ReviewCorrected
	ReviewOther
	ReviewPending
	ReviewTotal
)

// Table four's rows.
const (
	ReviewReconsideration = iota // 行政复议
	ReviewSuedDirectly           // 行政诉讼，未经复议直接起诉
	ReviewSuedAfter              // 行政诉讼，复议后起诉
)

// DisclosureReport is the year's report, as computed.
type DisclosureReport struct {
	Year           int
	Due            calendar.Date // 31 January of the next year
	DueProvisional bool          // the calendar does not cover that year yet
	New, Carried   Counts
	Answered       map[string]Counts // by ReportRow.Key()
	AnsweredTotal  Counts
	Forward        Counts
	Review         [3][5]int
	// Unspecified counts the requests with no applicant type recorded: they
	// are counted as natural persons, and the page says so.
	Unspecified int
}

// Balanced reports whether the template's check holds: new + carried over =
// answered + carried forward, in every column.
func (r DisclosureReport) Balanced() bool {
	for i := range r.New {
		if r.New[i]+r.Carried[i] != r.AnsweredTotal[i]+r.Forward[i] {
			return false
		}
	}
	return true
}

// ReportRequest is what the report reads of a disclosure request.
type ReportRequest struct {
	ApplicantType   string
	ReceivedOn      calendar.Date
	ClosedOn        calendar.Date // zero while open
	State           string        // replied, abandoned, withdrawn when closed
	Outcome, Reason string
}

// ReportReview is what the report reads of a reconsideration or lawsuit
// about a disclosure request.
type ReportReview struct {
	Row      int           // ReviewReconsideration, ReviewSuedDirectly, ReviewSuedAfter
	ClosedOn calendar.Date // zero while open
	Result   int           // ReviewUpheld, ReviewCorrected, ReviewOther, once closed
}

// BuildDisclosureReport computes year's report from the requests and
// reviews (any may fall outside the year: they are sorted out here).
func BuildDisclosureReport(year int, requests []ReportRequest, reviews []ReportReview) DisclosureReport {
	first, _ := calendar.NewDate(year, time.January, 1)
	last, _ := calendar.NewDate(year, time.December, 31)
	r := DisclosureReport{Year: year, Answered: map[string]Counts{}}
	r.Due, _ = calendar.NewDate(year+1, time.January, 31)
	for _, q := range requests {
		if q.ReceivedOn.After(last) || !q.ClosedOn.IsZero() && q.ClosedOn.Before(first) {
			continue // not this year's business
		}
		col := slices.Index(ReportColumns, q.ApplicantType)
		if col < 0 {
			col = 0
			r.Unspecified++
		}
		if q.ReceivedOn.Before(first) {
			r.Carried.add(col)
		} else {
			r.New.add(col)
		}
		if q.ClosedOn.IsZero() || q.ClosedOn.After(last) {
			r.Forward.add(col)
			continue
		}
		row := answerRow(q)
		c := r.Answered[row.Key()]
		c.add(col)
		r.Answered[row.Key()] = c
		r.AnsweredTotal.add(col)
	}
	for _, v := range reviews {
		if v.Row < 0 || v.Row > ReviewSuedAfter || !v.ClosedOn.IsZero() && v.ClosedOn.Before(first) {
			continue
		}
		col := v.Result
		if v.ClosedOn.IsZero() || v.ClosedOn.After(last) {
			col = ReviewPending
		}
		r.Review[v.Row][col]++
		r.Review[v.Row][ReviewTotal]++
	}
	return r
}

// answerRow is the row a closed request counts in.
func answerRow(q ReportRequest) ReportRow {
	switch q.State {
	case "abandoned":
		return ReportRow{"other", "no_supplement"}
	case "withdrawn":
		return ReportRow{"other", "other_reason"}
	}
	o, ok := OutcomeOf(q.Outcome)
	switch {
	case !ok:
		return ReportRow{"other", "other_reason"}
	case len(o.Reasons) == 0:
		return ReportRow{Outcome: o.Code}
	case slices.Contains(o.Reasons, q.Reason):
		return ReportRow{o.Code, q.Reason}
	}
	return ReportRow{o.Code, o.Reasons[len(o.Reasons)-1]}
}

// reviewResult classes a closed reconsideration or lawsuit.
func reviewResult(typ, state string, fields map[string]string) int {
	switch typ {
	case Reconsideration:
		if state != "decided" {
			return ReviewOther // not accepted, abandoned, withdrawn
		}
		switch fields["outcome"] {
		case "uphold":
			return ReviewUpheld
		case "alter", "revoke", "confirm_illegal", "order_performance":
			return ReviewCorrected
		}
	case Litigation:
		if state != "concluded" {
			return ReviewOther
		}
		switch fields["judgment"] {
		case "dismiss_claims":
			return ReviewUpheld
		case "revoke", "confirm_illegal", "confirm_void", "order_performance", "alter":
			return ReviewCorrected
		}
	}
	return ReviewOther
}

// DisclosureReport computes year's report from the cases in scope sc.
func (e *Engine) DisclosureReport(ctx context.Context, sc scope.Scope, year int) (DisclosureReport, error) {
	today := e.Today()
	if year < 2008 || year > today.Year() {
		// The Regulations took effect on 1 May 2008.
		return DisclosureReport{}, fault.New(fault.Invalid, "报告年度应为 2008–%d 年", "the report's year must be from 2008 to %d", today.Year())
	}
	first, _ := calendar.NewDate(year, time.January, 1)
	last, _ := calendar.NewDate(year, time.December, 31)
	where, args := sc.SQL("c.county_code", "c.school_code", 4)
	base := append([]any{InfoDisclosure, last.String(), first.String()}, args...)
	rows, err := e.DB.QueryContext(ctx, `SELECT c.received_on, c.closed_on, c.state, c.fields FROM case_file c
		WHERE c.type = $1 AND c.received_on <= $2 AND (c.closed_on IS NULL OR c.closed_on >= $3) AND `+where, base...)
	if err != nil {
		return DisclosureReport{}, fmt.Errorf("read the disclosure requests of %d: %w", year, err)
	}
	var requests []ReportRequest
	err = eachReportRow(rows, func(received, closed calendar.Date, state string, fields map[string]string, _ string, _ bool) {
		requests = append(requests, ReportRequest{ApplicantType: fields["applicant_type"], ReceivedOn: received, ClosedOn: closed,
			State: state, Outcome: fields["outcome"], Reason: fields["outcome_reason"]})
	})
	if err != nil {
		return DisclosureReport{}, err
	}
	where, args = sc.SQL("c.county_code", "c.school_code", 7)
	rows, err = e.DB.QueryContext(ctx, `SELECT c.received_on, c.closed_on, c.state, c.fields, c.type,
		EXISTS (SELECT 1 FROM case_link r WHERE r.from_id = c.id AND r.kind = $6) FROM case_file c
		WHERE c.type IN ($1, $4) AND c.received_on <= $2 AND (c.closed_on IS NULL OR c.closed_on >= $3)
		AND EXISTS (SELECT 1 FROM case_link l WHERE l.from_id = c.id AND l.kind = $5) AND `+where,
		append([]any{Reconsideration, last.String(), first.String(), Litigation, LinkDisclosure, LinkReconsideration}, args...)...)
	if err != nil {
		return DisclosureReport{}, fmt.Errorf("read the reviews of %d: %w", year, err)
	}
	var reviews []ReportReview
	err = eachReportRow(rows, func(received, closed calendar.Date, state string, fields map[string]string, typ string, after bool) {
		v := ReportReview{Row: ReviewReconsideration, ClosedOn: closed, Result: reviewResult(typ, state, fields)}
		if typ == Litigation {
			v.Row = ReviewSuedDirectly
			if after {
				v.Row = ReviewSuedAfter
			}
		}
		reviews = append(reviews, v)
	})
	if err != nil {
		return DisclosureReport{}, err
	}
	r := BuildDisclosureReport(year, requests, reviews)
	_, r.DueProvisional = e.cal().IsWorkday(r.Due)
	return r, nil
}

func eachReportRow(rows *sql.Rows, fn func(received, closed calendar.Date, state string, fields map[string]string, typ string, linked bool)) error {
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		var received, state, fj, typ string
		var closed sql.NullString
		var linked bool
		dest := []any{&received, &closed, &state, &fj}
		if len(cols) > 4 {
			dest = append(dest, &typ, &linked)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read the report's cases: %w", err)
		}
		rd, err := calendar.ParseDate(received)
		if err != nil {
			return err
		}
		cd, err := parseNullDate(closed)
		if err != nil {
			return err
		}
		var fields map[string]string
		if err := json.Unmarshal([]byte(fj), &fields); err != nil {
			return fmt.Errorf("read the report's cases: %w", err)
		}
		fn(rd, cd, state, fields, typ, linked)
	}
	return rows.Err()
}
