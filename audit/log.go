package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"edubureau/db"
	"edubureau/fault"
)

// MinRetention is the shortest time an entry is kept: the Cybersecurity Law
// (Art. 21) requires network logs to be kept for at least six months.
const MinRetention = 180 * 24 * time.Hour

// Log is the audit log in a database.
type Log struct {
	DB  *db.DB
	Now func() time.Time
	// Retention is how long entries are kept before Purge may remove them;
	// anything shorter than MinRetention counts as MinRetention.
	Retention time.Duration
}

// New returns the log of d with the minimum retention.
func New(d *db.DB) *Log {
	return &Log{DB: d, Now: time.Now, Retention: MinRetention}
}

func (l *Log) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

func (l *Log) retention() time.Duration {
	return max(l.Retention, MinRetention)
}

// Record appends e to the log inside the caller's transaction, so that a
// change and its entry commit (or roll back) together. It locks the head of
// the chain until tx ends: keep audited transactions short.
func (l *Log) Record(ctx context.Context, tx db.Tx, e Entry) error {
	_, err := l.record(ctx, tx, e)
	return err
}

func (l *Log) record(ctx context.Context, tx db.Tx, e Entry) (int64, error) {
	e, err := normalise(e, l.now)
	if err != nil {
		return 0, err
	}
	changes, err := encodeChanges(e.Changes)
	if err != nil {
		return 0, err
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+l.forUpdate()).Scan(&seq, &prev); err != nil {
		return 0, fmt.Errorf("audit: read the head of the chain: %w", err)
	}
	seq++
	hash := Hash(seq, e, changes, prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, user_id, username, org_kind, org_code, ip, request_id,
		action, outcome, record_type, record_id, detail, changes, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		seq, e.At, e.UserID, e.Username, e.OrgKind, e.OrgCode, e.IP, e.RequestID, e.Action, e.Outcome,
		e.RecordType, e.RecordID, e.Detail, changes, prev, hash); err != nil {
		return 0, fmt.Errorf("audit: append entry %d (%s): %w", seq, e.Action, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, hash); err != nil {
		return 0, fmt.Errorf("audit: move the head to %d: %w", seq, err)
	}
	return seq, nil
}

// forUpdate locks the head row on PostgreSQL; SQLite has no row locks, and
// its write transactions (BEGIN IMMEDIATE, see db.ParseDSN) are already serial.
func (l *Log) forUpdate() string {
	if l.DB.Dialect == db.Postgres {
		return ` FOR UPDATE`
	}
	return ""
}

// Append records e in a transaction of its own: for events that change
// nothing else (sign-ins, denied requests, views of personal data). The
// entry is written even when ctx is cancelled (the client went away after
// the event happened), within 10 seconds.
func (l *Log) Append(ctx context.Context, e Entry) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = l.DB.InTx(ctx, func(tx db.Tx) error { return l.Record(ctx, tx, e) })
		if err == nil || !db.IsBusy(err) {
			return err
		}
	}
	return err
}

// MaxPerPage caps a page of Search.
const MaxPerPage = 200

// Filter selects entries; empty fields match everything.
type Filter struct {
	Username   string
	RecordType string
	RecordID   string
	Action     string    // exact, or a prefix when it ends in "*" ("auth.*")
	Outcome    string    // ok | failed | denied
	From, To   time.Time // from (included) to (excluded)
	Page       int       // 1-based; 0 means 1
	PerPage    int       // 0 means 50
}

// Check names every bad value of f.
func (f Filter) Check() error {
	var v fault.Validation
	switch f.Outcome {
	case "", OK, Failed, Denied:
	default:
		v.Add("outcome", "结果 %q 无效（应为 ok、failed 或 denied）", "outcome %q is not ok, failed or denied", f.Outcome)
	}
	if f.Page < 0 {
		v.Add("page", "页码应为正整数", "page must be a positive whole number")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		v.Add("per_page", "每页条数应为 1–%d", "per_page must be from 1 to %d", MaxPerPage)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Add("to", "结束时间应晚于开始时间", "the end must be after the start")
	}
	for _, s := range []struct{ field, v string }{{"username", f.Username}, {"record_type", f.RecordType},
		{"record_id", f.RecordID}, {"action", f.Action}} {
		if len(s.v) > maxShort {
			v.Add(s.field, "过长（最多 %d 字节）", "too long (at most %d bytes)", maxShort)
		}
	}
	return v.Err()
}

// where builds the WHERE clause of f with $N placeholders.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.RecordType != "" {
		add("record_type = ?", f.RecordType)
	}
	if f.RecordID != "" {
		add("record_id = ?", f.RecordID)
	}
	if p, ok := strings.CutSuffix(f.Action, "*"); ok {
		if p != "" {
			// substr, not LIKE: LIKE ignores case on SQLite and would take _ and % as wildcards.
			args = append(args, p)
			conds = append(conds, fmt.Sprintf("substr(action, 1, %d) = $%d", len(p), len(args)))
		}
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= ?", atBound(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", atBound(f.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Page is one page of entries, newest first.
type Page struct {
	Items   []Logged
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p Page) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

const columns = `seq, at, user_id, username, org_kind, org_code, ip, request_id, action, outcome,
	record_type, record_id, detail, changes, prev_hash, hash`

// scan reads a row of columns; raw is the stored text of the changes.
func scan(sc interface{ Scan(...any) error }) (Logged, string, error) {
	var g Logged
	var raw string
	err := sc.Scan(&g.Seq, &g.At, &g.UserID, &g.Username, &g.OrgKind, &g.OrgCode, &g.IP, &g.RequestID, &g.Action,
		&g.Outcome, &g.RecordType, &g.RecordID, &g.Detail, &raw, &g.PrevHash, &g.Hash)
	g.At = g.At.UTC()
	return g, raw, err
}

// Search returns one page of the entries matching f, newest first.
func (l *Log) Search(ctx context.Context, f Filter) (Page, error) {
	if err := f.Check(); err != nil {
		return Page{}, err
	}
	p := Page{Page: max(f.Page, 1), PerPage: f.PerPage}
	if p.PerPage == 0 {
		p.PerPage = 50
	}
	where, args := f.where()
	if err := l.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+where, args...).Scan(&p.Total); err != nil {
		return Page{}, fmt.Errorf("audit: count entries: %w", err)
	}
	n := len(args)
	args = append(args, p.PerPage, (p.Page-1)*p.PerPage)
	rows, err := l.DB.QueryContext(ctx, `SELECT `+columns+` FROM audit_log`+where+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d OFFSET $%d`, n+1, n+2), args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: search: %w", err)
	}
	defer rows.Close()
	p.Items = []Logged{}
	for rows.Next() {
		g, raw, err := scan(rows)
		if err != nil {
			return Page{}, fmt.Errorf("audit: read entry: %w", err)
		}
		if g.Changes, err = decodeChanges(raw); err != nil {
			return Page{}, fmt.Errorf("audit: entry %d: %w", g.Seq, err)
		}
		p.Items = append(p.Items, g)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: search: %w", err)
	}
	return p, nil
}

// Each calls fn for every entry matching f (pages ignored), newest first,
// streaming from the database; it stops at fn's first error.
func (l *Log) Each(ctx context.Context, f Filter, fn func(Logged) error) error {
	f.Page, f.PerPage = 0, 0
	if err := f.Check(); err != nil {
		return err
	}
	where, args := f.where()
	rows, err := l.DB.QueryContext(ctx, `SELECT `+columns+` FROM audit_log`+where+` ORDER BY seq DESC`, args...)
	if err != nil {
		return fmt.Errorf("audit: list entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		g, raw, err := scan(rows)
		if err != nil {
			return fmt.Errorf("audit: read entry: %w", err)
		}
		if g.Changes, err = decodeChanges(raw); err != nil {
			return fmt.Errorf("audit: entry %d: %w", g.Seq, err)
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: list entries: %w", err)
	}
	return nil
}

// head is the end of the chain as audit_head records it.
type head struct {
	Seq  int64
	Hash string
}

func readHead(ctx context.Context, q db.Querier, lock string) (head, error) {
	var h head
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fault.New(fault.Internal, "审计日志头记录缺失", "the audit head is missing")
	}
	if err != nil {
		return h, fmt.Errorf("audit: read the head: %w", err)
	}
	return h, nil
}

// readAnchor returns the last purge's anchor, or seq 0 and ZeroHash.
func readAnchor(ctx context.Context, q db.Querier) (head, error) {
	a := head{Hash: ZeroHash}
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_anchor ORDER BY seq DESC LIMIT 1`).Scan(&a.Seq, &a.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("audit: read the purge anchor: %w", err)
	}
	return a, nil
}

// atBound is an instant to compare the column at with. SQLite keeps a time as
// text in Go's time.String form ("2006-01-02 16:00:00 +0000 UTC", "… 16:00:00.5
// +0000 UTC"): since every stored time is in UTC and a space sorts before
// '.' and every digit, text order is time order, to the nanosecond
// (TestTimeBoundsWithinASecond guards this).
func atBound(t time.Time) time.Time { return t.UTC() }
