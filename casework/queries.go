package casework

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

const caseCols = `id, type, number, year, seq, state, section, handler_id, handler, applicant_name, applicant_contact, subject,
	school_code, county_code, received_on, clock, due_on, due_provisional, extended, stopped_since, escalated, late, closed_on,
	fields, clocks, version, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanCase(r scanner, extra ...any) (Case, error) {
	var c Case
	var school, due, stopped, closed sql.NullString
	var received, fields, clocks string
	err := r.Scan(append([]any{&c.ID, &c.Type, &c.Number, &c.Year, &c.Seq, &c.State, &c.Section, &c.HandlerID, &c.Handler,
		&c.ApplicantName, &c.ApplicantContact, &c.Subject, &school, &c.CountyCode, &received, &c.Clock, &due, &c.DueProvisional,
		&c.Extended, &stopped, &c.Escalated, &c.Late, &closed, &fields, &clocks, &c.Version, &c.CreatedAt, &c.UpdatedAt}, extra...)...)
	if err != nil {
		return Case{}, err
	}
	c.SchoolCode = school.String
	if c.ReceivedOn, err = calendar.ParseDate(received); err != nil {
		return Case{}, fmt.Errorf("case %s: received_on: %w", c.Number, err)
	}
	for _, d := range []struct {
		to *calendar.Date
		ns sql.NullString
	}{{&c.DueOn, due}, {&c.StoppedSince, stopped}, {&c.ClosedOn, closed}} {
		if *d.to, err = parseNullDate(d.ns); err != nil {
			return Case{}, fmt.Errorf("case %s: %w", c.Number, err)
		}
	}
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return Case{}, fmt.Errorf("case %s: fields: %w", c.Number, err)
	}
	if err := json.Unmarshal([]byte(clocks), &c.Clocks); err != nil {
		return Case{}, fmt.Errorf("case %s: clocks: %w", c.Number, err)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

func notFound() error {
	return fault.New(fault.NotFound, "没有这个案件", "no such case")
}

// get reads one case in scope sc by cond ($1 = arg), locking its row on
// PostgreSQL when lock (SQLite's writers are serial already).
func (e *Engine) get(ctx context.Context, q db.Querier, sc scope.Scope, cond string, arg any, lock bool) (Case, error) {
	where, args := sc.SQL("county_code", "school_code", 2)
	query := `SELECT ` + caseCols + ` FROM case_file WHERE ` + cond + ` AND ` + where
	if lock && e.DB.Dialect == db.Postgres {
		query += ` FOR UPDATE`
	}
	c, err := scanCase(q.QueryRowContext(ctx, query, append([]any{arg}, args...)...))
	if db.IsNoRows(err) {
		return Case{}, notFound()
	}
	if err != nil {
		return Case{}, fmt.Errorf("read case: %w", err)
	}
	return c, nil
}

// Get returns case id if it is in scope sc.
func (e *Engine) Get(ctx context.Context, sc scope.Scope, id int64) (Case, error) {
	return e.get(ctx, e.DB, sc, "id = $1", id, false)
}

// ByNumber returns the case numbered number if it is in scope sc.
func (e *Engine) ByNumber(ctx context.Context, sc scope.Scope, number string) (Case, error) {
	return e.get(ctx, e.DB, sc, "number = $1", strings.TrimSpace(number), false)
}

// Page is one page of cases.
type Page struct {
	Items   []Case
	Total   int  // the cases matching, counted up to MaxCount
	Capped  bool // more than MaxCount match: Total says MaxCount
	Page    int
	PerPage int
}

// MaxCount is as far as a list counts its cases: a work view shows
// "10000+" rather than pay for counting every open case of the city.
const MaxCount = 10000

// MaxPerPage caps a page of cases.
const MaxPerPage = 200

func pageOf(page, perPage int) (int, int) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 50
	}
	return page, min(perPage, MaxPerPage)
}

// list pages through open cases matching cond (with its args from $1) in
// scope sc, by deadline: cases with no running period last.
func (e *Engine) list(ctx context.Context, cond string, args []any, sc scope.Scope, page, perPage int) (Page, error) {
	page, perPage = pageOf(page, perPage)
	where, sargs := sc.SQL("county_code", "school_code", len(args)+1)
	args = append(args, sargs...)
	return e.readPage(ctx, ` FROM case_file WHERE closed_on IS NULL AND `+cond+` AND `+where, args, `due_key, id`, page, perPage)
}

// readPage counts the cases of filter (FROM … WHERE …, with args) up to
// MaxCount and reads page of them in order.
func (e *Engine) readPage(ctx context.Context, filter string, args []any, order string, page, perPage int) (Page, error) {
	out := Page{Page: page, PerPage: perPage}
	if err := e.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1`+filter+` LIMIT %d) AS matching`, MaxCount+1),
		args...).Scan(&out.Total); err != nil {
		return Page{}, fmt.Errorf("count cases: %w", err)
	}
	if out.Total > MaxCount {
		out.Total, out.Capped = MaxCount, true
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT `+caseCols+filter+fmt.Sprintf(` ORDER BY %s LIMIT %d OFFSET %d`,
		order, perPage, (page-1)*perPage), args...)
	if err != nil {
		return Page{}, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return Page{}, err
		}
		out.Items = append(out.Items, c)
	}
	return out, rows.Err()
}

// AllOpen pages through every open case in scope sc, by deadline: the
// "all open" work view, read in one ordered index (case_file_due).
func (e *Engine) AllOpen(ctx context.Context, sc scope.Scope, page, perPage int) (Page, error) {
	return e.list(ctx, "1=1", nil, sc, page, perPage)
}

// Mine pages through the open cases user handles, by deadline.
func (e *Engine) Mine(ctx context.Context, userID int64, sc scope.Scope, page, perPage int) (Page, error) {
	return e.list(ctx, "handler_id = $1", []any{userID}, sc, page, perPage)
}

// ForSection pages through the open cases a section owns, by deadline.
func (e *Engine) ForSection(ctx context.Context, section string, sc scope.Scope, page, perPage int) (Page, error) {
	return e.list(ctx, "section = $1", []any{section}, sc, page, perPage)
}

// DueWithin pages through the open cases due from today up to the n-th
// working day after today, by deadline.
func (e *Engine) DueWithin(ctx context.Context, sc scope.Scope, n int, page, perPage int) (Page, error) {
	if n < 0 || n > 1000 {
		return Page{}, fault.New(fault.Invalid, "工作日数应为 0–1000", "the working days must be from 0 to 1000")
	}
	today := e.Today()
	until, _ := e.cal().AddWorkdays(today, n)
	return e.list(ctx, "due_key >= $1 AND due_key <= $2", []any{today.String(), until.String()}, sc, page, perPage)
}

// Overdue pages through the open cases whose running period ended before today.
func (e *Engine) Overdue(ctx context.Context, sc scope.Scope, page, perPage int) (Page, error) {
	return e.list(ctx, "due_key < $1", []any{e.Today().String()}, sc, page, perPage)
}

// History returns the steps of case id, oldest first.
func (e *Engine) History(ctx context.Context, sc scope.Scope, id int64) ([]Event, error) {
	if _, err := e.Get(ctx, sc, id); err != nil {
		return nil, err
	}
	return e.history(ctx, id)
}

func (e *Engine) history(ctx context.Context, id int64) ([]Event, error) {
	rows, err := e.DB.QueryContext(ctx, `SELECT id, case_id, seq, transition, from_state, to_state, on_date, at, by_id, by_name,
		reason, fields, due_on FROM case_event WHERE case_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read history of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var on, fields string
		var due sql.NullString
		if err := rows.Scan(&ev.ID, &ev.CaseID, &ev.Seq, &ev.Transition, &ev.FromState, &ev.ToState, &on, &ev.At, &ev.ByID,
			&ev.By, &ev.Reason, &fields, &due); err != nil {
			return nil, fmt.Errorf("read history of case %d: %w", id, err)
		}
		if ev.On, err = calendar.ParseDate(on); err != nil {
			return nil, fmt.Errorf("case %d step %d: %w", id, ev.Seq, err)
		}
		if ev.DueOn, err = parseNullDate(due); err != nil {
			return nil, fmt.Errorf("case %d step %d: %w", id, ev.Seq, err)
		}
		if err := json.Unmarshal([]byte(fields), &ev.Fields); err != nil {
			return nil, fmt.Errorf("case %d step %d: %w", id, ev.Seq, err)
		}
		ev.At = ev.At.UTC()
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Documents lists the documents of case id, oldest first, without content.
func (e *Engine) Documents(ctx context.Context, sc scope.Scope, id int64) ([]Document, error) {
	if _, err := e.Get(ctx, sc, id); err != nil {
		return nil, err
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT id, case_id, event_id, kind, name, sha256, size, added_at, added_by
		FROM case_document WHERE case_id = $1 ORDER BY added_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("list documents of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		var ev sql.NullInt64
		if err := rows.Scan(&d.ID, &d.CaseID, &ev, &d.Kind, &d.Name, &d.SHA256, &d.Size, &d.AddedAt, &d.AddedBy); err != nil {
			return nil, fmt.Errorf("list documents of case %d: %w", id, err)
		}
		d.EventID, d.AddedAt = ev.Int64, d.AddedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Content returns document docID of case caseID with its bytes, checked
// against the stored checksum.
func (e *Engine) Content(ctx context.Context, sc scope.Scope, caseID, docID int64) (Document, []byte, error) {
	if _, err := e.Get(ctx, sc, caseID); err != nil {
		return Document{}, nil, err
	}
	var d Document
	var ev sql.NullInt64
	var content []byte
	err := e.DB.QueryRowContext(ctx, `SELECT id, case_id, event_id, kind, name, sha256, size, added_at, added_by, content
		FROM case_document WHERE id = $1 AND case_id = $2`, docID, caseID).Scan(&d.ID, &d.CaseID, &ev, &d.Kind, &d.Name,
		&d.SHA256, &d.Size, &d.AddedAt, &d.AddedBy, &content)
	if db.IsNoRows(err) {
		return Document{}, nil, fault.New(fault.NotFound, "没有这份文书", "no such document")
	}
	if err != nil {
		return Document{}, nil, fmt.Errorf("read document %d: %w", docID, err)
	}
	d.EventID, d.AddedAt = ev.Int64, d.AddedAt.UTC()
	if h := sha256.Sum256(content); hex.EncodeToString(h[:]) != d.SHA256 || int64(len(content)) != d.Size {
		return Document{}, nil, fault.New(fault.Internal, "文书 %q 的校验和不符，内容可能已被改动", "document %q fails its checksum: its content may have been altered", d.Name)
	}
	return d, content, nil
}

// Follow is the applicant's view on the portal: the case numbered number,
// with its steps, when code is the access code given at submission. A wrong
// number and a wrong code look the same.
func (e *Engine) Follow(ctx context.Context, number, code string) (Case, []Event, error) {
	var hash string
	c, err := e.get(ctx, e.DB, scope.Everything, "number = $1", strings.TrimSpace(number), false)
	if err == nil {
		err = e.DB.QueryRowContext(ctx, `SELECT access_hash FROM case_file WHERE id = $1`, c.ID).Scan(&hash)
	}
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return Case{}, nil, err
	}
	if hash == "" {
		hash = e.dummyHash() // spend the same time as for a real case
	}
	ok, _, verr := auth.VerifyPassword(hash, strings.ToUpper(strings.TrimSpace(code)), e.Argon2)
	if err != nil || verr != nil || !ok {
		return Case{}, nil, fault.New(fault.NotFound, "案件编号或查询码不正确", "the case number or the access code is wrong")
	}
	events, err := e.history(ctx, c.ID)
	if err != nil {
		return Case{}, nil, err
	}
	return c, events, nil
}

// dummyHash is a hash made with the engine's own cost, checked when the case
// number is unknown, so that timing does not tell whether a number exists.
func (e *Engine) dummyHash() string {
	e.dummyOnce.Do(func() { e.dummy, _ = auth.HashPassword("not a real code", e.Argon2) })
	return e.dummy
}

// EscalateOverdue takes the escalation step (a transition with Escalate) on
// every open case that is overdue, can be escalated from its state and is
// not escalated yet. It returns how many it escalated.
func (e *Engine) EscalateOverdue(ctx context.Context, by Actor) (int, error) {
	today := e.Today()
	type target struct {
		id   int64
		step string
	}
	var targets []target
	for _, t := range e.types {
		for i := range t.Transitions {
			tr := &t.Transitions[i]
			if !tr.Escalate {
				continue
			}
			where, args := by.Scope.SQL("county_code", "school_code", 3)
			q := `SELECT id, state FROM case_file WHERE closed_on IS NULL AND due_key < $1 AND type = $2 AND NOT escalated AND ` + where
			rows, err := e.DB.QueryContext(ctx, q, append([]any{today.String(), t.Code}, args...)...)
			if err != nil {
				return 0, fmt.Errorf("find overdue cases: %w", err)
			}
			for rows.Next() {
				var id int64
				var state string
				if err := rows.Scan(&id, &state); err != nil {
					rows.Close()
					return 0, err
				}
				for _, f := range tr.From {
					if f == state {
						targets = append(targets, target{id, tr.Code})
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	for _, tg := range targets {
		if _, err := e.Take(ctx, tg.id, tg.step, Input{Reason: "逾期自动升级督办 (escalated: overdue)", On: today}, by); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Rate is how many cases of a type a section closed in a month, and how many
// of them kept every one of the bureau's periods.
type Rate struct {
	Section string
	Type    string
	Month   string // YYYY-MM
	Closed  int
	OnTime  int
}

// Ratio is OnTime / Closed (1 when nothing was closed).
func (r Rate) Ratio() float64 {
	if r.Closed == 0 {
		return 1
	}
	return float64(r.OnTime) / float64(r.Closed)
}

// OnTimeRates counts the cases closed from from to to (both included) per
// section, type and month of closing, for charts. Cases still open are not
// counted (Overdue lists those).
func (e *Engine) OnTimeRates(ctx context.Context, sc scope.Scope, from, to calendar.Date) ([]Rate, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, fault.New(fault.Invalid, "统计期间无效", "the period is not valid")
	}
	where, args := sc.SQL("county_code", "school_code", 3)
	rows, err := e.DB.QueryContext(ctx, `SELECT section, type, substr(closed_on, 1, 7) AS month, count(*),
		sum(CASE WHEN late THEN 0 ELSE 1 END) FROM case_file
		WHERE closed_on IS NOT NULL AND closed_on >= $1 AND closed_on <= $2 AND `+where+`
		GROUP BY section, type, substr(closed_on, 1, 7) ORDER BY section, type, month`,
		append([]any{from.String(), to.String()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("count on-time cases: %w", err)
	}
	defer rows.Close()
	var out []Rate
	for rows.Next() {
		var r Rate
		if err := rows.Scan(&r.Section, &r.Type, &r.Month, &r.Closed, &r.OnTime); err != nil {
			return nil, fmt.Errorf("count on-time cases: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Remaining is the working days left until c's deadline on the calendar in
// force, as calendar.Remaining counts them (negative when overdue); ok is
// false when no period runs.
func (e *Engine) Remaining(c Case) (left int, provisional, ok bool) {
	if c.DueOn.IsZero() {
		return 0, false, false
	}
	left, provisional = e.cal().Remaining(e.Today(), c.DueOn)
	return left, provisional, true
}
