package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

var t0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// clock returns a Now that starts at start and moves on by step at each call.
func clock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(step)
		return now
	}
}

// newLog is a log whose clock starts in the past and ticks an hour and a
// few nanoseconds per entry (PostgreSQL keeps microseconds: the hash must too).
func newLog(d *db.DB) *Log {
	l := New(d)
	l.Now = clock(t0, time.Hour+1234567*time.Nanosecond)
	return l
}

func entry(i int) Entry {
	e := Entry{UserID: int64(1000 + i%3), Username: fmt.Sprintf("user%d", i%3), OrgKind: "county", OrgCode: "430405",
		IP: "10.0.0.1", RequestID: fmt.Sprintf("req-%d", i), Action: "school.update", RecordType: "school",
		RecordID: fmt.Sprintf("21430000%02d", i%7), Detail: fmt.Sprintf("edit %d", i)}
	if i%4 == 0 {
		e.Action, e.Outcome = "auth.sign_in_failed", Failed
	}
	if i%5 == 0 {
		e.Changes = []Change{{Field: "name", Before: "旧名", After: "新名"}}
	}
	return e
}

func appendN(t testing.TB, l *Log, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		if err := l.Append(ctx, entry(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, l *Log) Report {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestChainIntact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(d)
		if r := mustVerify(t, l); !r.Intact() || r.Entries != 0 || r.Message().EN != "audit log intact: 0 entries" {
			t.Fatalf("empty log: %+v %s", r, r.Message())
		}
		appendN(t, l, 40)
		r := mustVerify(t, l)
		if !r.Intact() || r.Entries != 40 || r.First != 1 || r.Last != 40 || r.Head != 40 {
			t.Fatalf("report %+v, problem %+v", r, r.Problem)
		}
		if got := r.Message().EN; got != "audit log intact: 40 entries, seq 1–40" {
			t.Errorf("message %q", got)
		}
		// What was stored is what was given (times cut to microseconds).
		p, err := l.Search(context.Background(), Filter{RecordID: "2143000005", PerPage: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range p.Items {
			want := entry(int(g.Seq))
			want.At = t0.Add(time.Duration(g.Seq-1) * (time.Hour + 1234567*time.Nanosecond)).Truncate(time.Microsecond)
			if want.Outcome == "" {
				want.Outcome = OK
			}
			if fmt.Sprint(g.Entry) != fmt.Sprint(want) {
				t.Errorf("entry %d:\n got %+v\nwant %+v", g.Seq, g.Entry, want)
			}
		}
	})
}

// disarm drops the protection of the audit tables, as someone with the
// database's administrator rights could: the attack the hash chain is for.
func disarm(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_head_forward`}
	if d.Dialect == db.Postgres {
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`, `ALTER TABLE audit_head DISABLE TRIGGER USER`}
	}
	for _, s := range stmts {
		if _, err := d.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func hashOf(t *testing.T, d *db.DB, seq int64) string {
	t.Helper()
	var h string
	if err := d.QueryRow(`SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// forge inserts an entry with a correct hash chained to prev, as an attacker
// who knows the algorithm would.
func forge(t *testing.T, d *db.DB, seq int64, prev string) {
	t.Helper()
	e := Entry{At: time.Date(2024, 3, 2, 1, 2, 3, 0, time.UTC), Username: "ghost", Action: "school.update", Outcome: OK,
		RecordType: "school", RecordID: "2143000001", Detail: "forged"}
	exec(t, d, `INSERT INTO audit_log (seq, at, user_id, username, org_kind, org_code, ip, request_id, action, outcome,
		record_type, record_id, detail, changes, prev_hash, hash) VALUES ($1, $2, 0, $3, '', '', '', '', $4, $5, $6, $7, $8, '', $9, $10)`,
		seq, e.At, e.Username, e.Action, e.Outcome, e.RecordType, e.RecordID, e.Detail, prev, Hash(seq, e, "", prev))
}

// renumber moves the entries from seq from on by delta (through a detour, so
// the primary key holds at every row).
func renumber(t *testing.T, d *db.DB, from, delta int64) {
	t.Helper()
	exec(t, d, `UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= $1`, from)
	exec(t, d, `UPDATE audit_log SET seq = seq - 1000000 + $1 WHERE seq >= 1000000`, delta)
}

func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	const n = 20
	cases := []struct {
		name   string
		tamper func(t *testing.T, d *db.DB)
		seq    int64
		kind   Tampering
		msg    string
	}{
		{"alter detail", func(t *testing.T, d *db.DB) {
			exec(t, d, `UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 7`)
			exec(t, d, `UPDATE audit_log SET detail = 'nor here' WHERE seq = 12`)
		}, 7, Altered, "entry 7 was altered (hash mismatch)"},
		{"alter time", func(t *testing.T, d *db.DB) {
			exec(t, d, `UPDATE audit_log SET at = $1 WHERE seq = 3`, t0.Add(-time.Hour))
		}, 3, Altered, "entry 3 was altered (hash mismatch)"},
		{"alter changes", func(t *testing.T, d *db.DB) {
			exec(t, d, `UPDATE audit_log SET changes = '[]' WHERE seq = 15`)
		}, 15, Altered, "entry 15 was altered (hash mismatch)"},
		{"alter and rehash the last", func(t *testing.T, d *db.DB) {
			// A consistent forgery of the last entry still differs from the head.
			exec(t, d, `DELETE FROM audit_log WHERE seq = $1`, n)
			forge(t, d, n, hashOf(t, d, n-1))
		}, n, Altered, "entry 20 was altered (hash mismatch)"},
		{"delete middle", func(t *testing.T, d *db.DB) {
			exec(t, d, `DELETE FROM audit_log WHERE seq = 9`)
		}, 9, Deleted, "entry 9 is missing (deleted)"},
		{"delete first", func(t *testing.T, d *db.DB) {
			exec(t, d, `DELETE FROM audit_log WHERE seq = 1`)
		}, 1, Deleted, "entry 1 is missing (deleted)"},
		{"delete last", func(t *testing.T, d *db.DB) {
			exec(t, d, `DELETE FROM audit_log WHERE seq = $1`, n)
		}, n, Deleted, "entry 20 is missing (deleted)"},
		{"delete middle and renumber", func(t *testing.T, d *db.DB) {
			exec(t, d, `DELETE FROM audit_log WHERE seq = 5`)
			renumber(t, d, 6, -1)
			exec(t, d, `UPDATE audit_head SET seq = seq - 1`)
		}, 5, Deleted, "entry 5 is missing (deleted)"},
		{"replace middle with a forgery", func(t *testing.T, d *db.DB) {
			exec(t, d, `DELETE FROM audit_log WHERE seq = 12`)
			forge(t, d, 12, hashOf(t, d, 11))
		}, 12, Deleted, "entry 12 is missing (deleted)"},
		{"insert at the end", func(t *testing.T, d *db.DB) {
			forge(t, d, n+1, hashOf(t, d, n))
		}, n + 1, Inserted, "entry 21 was inserted"},
		{"insert in the middle and renumber", func(t *testing.T, d *db.DB) {
			renumber(t, d, 10, 1)
			forge(t, d, 10, hashOf(t, d, 9))
			exec(t, d, `UPDATE audit_head SET seq = seq + 1`)
		}, 10, Inserted, "entry 10 was inserted"},
		{"insert in the middle, renumber and rehash", func(t *testing.T, d *db.DB) {
			// The attacker recomputes the renumbered entries' own hashes but
			// cannot make the next one chain to the forgery without
			// rewriting the whole rest of the log.
			renumber(t, d, 10, 1)
			forge(t, d, 10, hashOf(t, d, 9))
			rows, err := d.Query(`SELECT ` + columns + ` FROM audit_log WHERE seq > 10 ORDER BY seq`)
			if err != nil {
				t.Fatal(err)
			}
			var all []Logged
			var raws []string
			for rows.Next() {
				g, raw, err := scan(rows)
				if err != nil {
					t.Fatal(err)
				}
				all, raws = append(all, g), append(raws, raw)
			}
			rows.Close()
			for i, g := range all {
				exec(t, d, `UPDATE audit_log SET hash = $1 WHERE seq = $2`, Hash(g.Seq, g.Entry, raws[i], g.PrevHash), g.Seq)
			}
		}, 10, Inserted, "entry 10 was inserted"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				// Each case on a log of its own: the database's tables are shared.
				resetLog(t, d)
				l := newLog(d)
				appendN(t, l, n)
				if r := mustVerify(t, l); !r.Intact() {
					t.Fatalf("before tampering: %s", r.Message())
				}
				disarm(t, d)
				c.tamper(t, d)
				r := mustVerify(t, l)
				if r.Problem == nil {
					t.Fatalf("tampering not detected: %+v", r)
				}
				if r.Problem.Seq != c.seq || r.Problem.Kind != c.kind || r.Message().EN != c.msg {
					t.Errorf("got %q (%s %d: %s), want %q", r.Message().EN, r.Problem.Kind, r.Problem.Seq, r.Problem.Reason.EN, c.msg)
				}
			})
		}
	})
}

// resetLog empties the audit tables and puts the protection back, between
// the cases of a test that share one database.
func resetLog(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Dialect == db.Postgres {
		for _, s := range []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`, `ALTER TABLE audit_head DISABLE TRIGGER USER`,
			`ALTER TABLE audit_anchor DISABLE TRIGGER USER`, `DELETE FROM audit_log`, `DELETE FROM audit_anchor`,
			`UPDATE audit_head SET seq = 0, hash = '` + ZeroHash + `'`,
			`ALTER TABLE audit_log ENABLE TRIGGER USER`, `ALTER TABLE audit_head ENABLE TRIGGER USER`,
			`ALTER TABLE audit_anchor ENABLE TRIGGER USER`} {
			exec(t, d, s)
		}
		return
	}
	tx, err := d.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, name := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_head_forward", "audit_anchor_no_delete"} {
		tx.Exec(`DROP TRIGGER IF EXISTS ` + name)
	}
	for _, s := range []string{`DELETE FROM audit_log`, `DELETE FROM audit_anchor`, `UPDATE audit_head SET seq = 0, hash = '` + ZeroHash + `'`} {
		if _, err := tx.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{db.SQLiteAuditNoDelete,
		`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END`,
		`CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END`,
		`CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor BEGIN SELECT RAISE(ABORT, 'audit purge anchors are append-only: DELETE refused'); END`} {
		if _, err := tx.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestTablesRefuseUpdateAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(d)
		appendN(t, l, 3)
		refused := []string{
			`UPDATE audit_log SET detail = 'x' WHERE seq = 2`,
			`DELETE FROM audit_log WHERE seq = 2`,
			`DELETE FROM audit_log`,
			`DELETE FROM audit_head`,
			`UPDATE audit_head SET seq = 1`,
		}
		if d.Dialect == db.Postgres {
			refused = append(refused, `TRUNCATE audit_log`, `TRUNCATE audit_head`, `TRUNCATE audit_anchor`)
		}
		for _, q := range refused {
			if _, err := d.Exec(q); err == nil || !strings.Contains(err.Error(), "audit") {
				t.Errorf("%s: want an error from the trigger, got %v", q, err)
			}
		}
		if d.Dialect == db.Postgres {
			// The purge setting lets only old entries go: these are from 2024,
			// so fake a young one first.
			young := Entry{At: time.Now(), Action: "x"}
			if err := l.Append(context.Background(), young); err != nil {
				t.Fatal(err)
			}
			err := d.InTx(context.Background(), func(tx db.Tx) error {
				if _, err := tx.Exec(`SET LOCAL edubureau.audit_purge = 'on'`); err != nil {
					return err
				}
				_, err := tx.Exec(`DELETE FROM audit_log WHERE seq = 4`)
				return err
			})
			if err == nil {
				t.Error("a purge may not delete an entry younger than 180 days")
			}
		}
		if r := mustVerify(t, l); !r.Intact() {
			t.Errorf("after refused tampering: %s", r.Message())
		}
	})
}

func TestRecordCommitsWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := newLog(d)
		exec(t, d, `INSERT INTO setting (key, value) VALUES ('k', 'old')`)
		failed := errors.New("the change failed")
		err := d.InTx(ctx, func(tx db.Tx) error {
			if _, err := tx.Exec(`UPDATE setting SET value = 'new' WHERE key = 'k'`); err != nil {
				return err
			}
			if err := l.Record(ctx, tx, Entry{Action: "setting.update", RecordType: "setting", RecordID: "k",
				Changes: []Change{{"value", "old", "new"}}}); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatal(err)
		}
		p, err := l.Search(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 0 {
			t.Fatalf("a rolled-back change left %d entries", p.Total)
		}
		err = d.InTx(ctx, func(tx db.Tx) error {
			if _, err := tx.Exec(`UPDATE setting SET value = 'new' WHERE key = 'k'`); err != nil {
				return err
			}
			return l.Record(ctx, tx, Entry{Action: "setting.update", RecordType: "setting", RecordID: "k",
				Changes: []Change{{"value", "old", "new"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		r := mustVerify(t, l)
		if !r.Intact() || r.Entries != 1 || r.First != 1 {
			t.Fatalf("%+v %s", r, r.Message())
		}
		p, _ = l.Search(ctx, Filter{})
		if len(p.Items) != 1 || len(p.Items[0].Changes) != 1 || p.Items[0].Changes[0].After != "new" {
			t.Fatalf("%+v", p.Items)
		}
		// A bad entry is refused and the transaction with it.
		if err := l.Append(ctx, Entry{Action: "x", Outcome: "maybe"}); fault.KindOf(err) != fault.Invalid {
			t.Errorf("bad outcome: %v", err)
		}
		if err := l.Append(ctx, Entry{}); fault.KindOf(err) != fault.Invalid {
			t.Errorf("no action: %v", err)
		}
	})
}

func TestConcurrentAppends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := New(d)
		const workers, each = 20, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := l.Append(context.Background(), Entry{Action: "student.view_pii", Username: fmt.Sprintf("w%d", w),
						RecordID: fmt.Sprint(i)}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		// Checks while appends go on see a consistent snapshot: always intact.
		for i := 0; i < 5; i++ {
			if r := mustVerify(t, l); !r.Intact() {
				t.Errorf("verify during appends: %s", r.Message())
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		r := mustVerify(t, l)
		if !r.Intact() || r.Entries != workers*each || r.First != 1 || r.Last != workers*each {
			t.Fatalf("%+v %s", r, r.Message())
		}
	})
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		l.Now = clock(t0, 24*time.Hour) // one entry a day from 1 March 2024
		appendN(t, l, 30)
		now := time.Now()
		l.Now = func() time.Time { return now }

		// Inside the retention period: refused, nothing removed.
		for _, before := range []time.Time{now, now.Add(-100 * 24 * time.Hour), now.Add(-MinRetention + time.Hour)} {
			if _, err := l.Purge(ctx, before, "tester"); fault.KindOf(err) != fault.Invalid {
				t.Errorf("purge before %s: want a refusal, got %v", before, err)
			}
		}
		l.Retention = 3 * 365 * 24 * time.Hour // a longer retention is kept too
		if _, err := l.Purge(ctx, now.Add(-2*365*24*time.Hour), "tester"); fault.KindOf(err) != fault.Invalid {
			t.Errorf("purge inside a 3-year retention: %v", err)
		}
		l.Retention = 0 // counts as 180 days
		if r := mustVerify(t, l); r.Entries != 30 {
			t.Fatalf("refused purges removed entries: %+v", r)
		}

		// Entries of the first 10 days go; the purge is itself recorded.
		n, err := l.Purge(ctx, t0.Add(10*24*time.Hour), "tester")
		if err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Fatalf("purged %d, want 10", n)
		}
		r := mustVerify(t, l)
		if !r.Intact() || r.Anchor != 10 || r.First != 11 || r.Last != 31 || r.Entries != 21 {
			t.Fatalf("after purge: %+v %s", r, r.Message())
		}
		p, err := l.Search(ctx, Filter{Action: "audit.purge"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 1 || p.Items[0].Username != "tester" || p.Items[0].RecordID != "10" {
			t.Fatalf("purge entry: %+v", p.Items)
		}
		// The delete protection is back after the purge.
		if _, err := d.Exec(`DELETE FROM audit_log WHERE seq = 11`); err == nil {
			t.Fatal("the purge left audit_log unprotected")
		}
		// Appends carry on from the head; a later purge moves the anchor.
		appendN(t, l, 2)
		if n, err = l.Purge(ctx, t0.Add(20*24*time.Hour), "tester"); err != nil || n != 10 {
			t.Fatalf("second purge: %d, %v", n, err)
		}
		r = mustVerify(t, l)
		if !r.Intact() || r.Anchor != 20 || r.First != 21 || r.Last != 34 {
			t.Fatalf("after second purge: %+v %s", r, r.Message())
		}
		// Tampering after a purge is still found: entry 21 follows the anchor.
		disarm(t, d)
		exec(t, d, `UPDATE audit_log SET username = 'nobody' WHERE seq = 21`)
		r = mustVerify(t, l)
		if r.Problem == nil || r.Problem.Seq != 21 || r.Problem.Kind != Altered {
			t.Fatalf("after tampering: %+v", r.Problem)
		}
		// And a broken chain is not purged: that would destroy the evidence.
		if _, err := l.Purge(ctx, t0.Add(25*24*time.Hour), "tester"); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("purge of a broken chain: %v", err)
		}
	})
}

func TestPurgeEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := newLog(d)
		appendN(t, l, 5)
		l.Now = time.Now
		n, err := l.Purge(ctx, time.Now().Add(-MinRetention), "tester")
		if err != nil || n != 5 {
			t.Fatalf("%d %v", n, err)
		}
		r := mustVerify(t, l)
		if !r.Intact() || r.Anchor != 5 || r.Entries != 1 || r.First != 6 {
			t.Fatalf("%+v %s", r, r.Message())
		}
		// Nothing more to purge: still recorded, nothing removed.
		if n, err := l.Purge(ctx, time.Now().Add(-MinRetention), "tester"); err != nil || n != 0 {
			t.Fatalf("%d %v", n, err)
		}
		if r := mustVerify(t, l); !r.Intact() || r.Entries != 2 {
			t.Fatalf("%+v %s", r, r.Message())
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := newLog(d)
		appendN(t, l, 60)
		cases := []struct {
			f     Filter
			total int
		}{
			{Filter{}, 60},
			{Filter{Username: "user1"}, 20},
			{Filter{RecordType: "school", RecordID: "2143000003"}, 9},
			{Filter{Action: "auth.sign_in_failed"}, 15},
			{Filter{Action: "auth.*"}, 15},
			{Filter{Action: "auth_*"}, 0},
			{Filter{Action: "AUTH.*"}, 0},
			{Filter{Outcome: Failed}, 15},
			{Filter{Outcome: OK, Username: "user0"}, 15},
			{Filter{From: t0.Add(10 * time.Hour), To: t0.Add(20 * time.Hour)}, 10},
			{Filter{Username: "x' OR '1'='1"}, 0},
		}
		for _, c := range cases {
			p, err := l.Search(ctx, c.f)
			if err != nil {
				t.Fatalf("%+v: %v", c.f, err)
			}
			if p.Total != c.total {
				t.Errorf("%+v: total %d, want %d", c.f, p.Total, c.total)
			}
			n := 0
			if err := l.Each(ctx, c.f, func(Logged) error { n++; return nil }); err != nil || n != c.total {
				t.Errorf("Each %+v: %d rows, %v", c.f, n, err)
			}
		}
		p, err := l.Search(ctx, Filter{Page: 2, PerPage: 25})
		if err != nil {
			t.Fatal(err)
		}
		if p.Pages() != 3 || len(p.Items) != 25 || p.Items[0].Seq != 35 || p.Items[24].Seq != 11 {
			t.Fatalf("page 2: pages %d, %d items, %d…%d", p.Pages(), len(p.Items), p.Items[0].Seq, p.Items[len(p.Items)-1].Seq)
		}
		for _, f := range []Filter{{Outcome: "maybe"}, {PerPage: MaxPerPage + 1}, {Page: -1},
			{From: t0, To: t0}, {Username: strings.Repeat("x", 300)}} {
			if _, err := l.Search(ctx, f); fault.KindOf(err) != fault.Invalid {
				t.Errorf("%+v: want Invalid, got %v", f, err)
			}
		}
	})
}

func TestHash(t *testing.T) {
	e := Entry{At: time.Date(2026, 11, 23, 8, 30, 0, 123456000, time.UTC), UserID: 42, Username: "li.ming", OrgKind: "city",
		OrgCode: "430400", IP: "10.1.2.3", RequestID: "abc", Action: "school.update", Outcome: OK, RecordType: "school",
		RecordID: "2143000001", Detail: "改名"}
	// The encoding is frozen: a change would make every stored log fail to verify.
	const golden = "ef27735735a44147fb3ca376078109d7ff9872148a92a3db6140b002c905b493"
	got := Hash(7, e, `[{"field":"name","before":"a","after":"b"}]`, ZeroHash)
	if got != golden {
		t.Logf("hash %s (update golden only for a deliberate new encoding version)", got)
		t.Fail()
	}
	// Field boundaries count: moving a character from one field to the next changes the hash.
	a, b := e, e
	a.Username, a.OrgKind = "li.min", "gcity"
	if Hash(7, a, "", ZeroHash) == Hash(7, b, "", ZeroHash) || Hash(7, e, "", ZeroHash) == Hash(8, e, "", ZeroHash) {
		t.Error("hash is ambiguous")
	}
	// The same instant in another zone is the same entry.
	c := e
	c.At = e.At.In(time.FixedZone("CST", 8*3600))
	if Hash(7, c, "", ZeroHash) != Hash(7, e, "", ZeroHash) {
		t.Error("hash depends on the time zone")
	}
}

func TestNormalise(t *testing.T) {
	e, err := normalise(Entry{Action: " auth.sign_in ", Username: "a\x00b" + strings.Repeat("长", 300) + "\xff",
		At: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CST", 8*3600))}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Action != "auth.sign_in" || e.Outcome != OK || e.At != time.Date(2026, 1, 1, 19, 4, 5, 123456000, time.UTC) {
		t.Errorf("%+v", e)
	}
	if strings.ContainsRune(e.Username, 0) || len([]rune(e.Username)) != maxShort || !strings.HasSuffix(e.Username, "…") {
		t.Errorf("username %q", e.Username)
	}
}

func TestDiff(t *testing.T) {
	type person struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
		Phone    string `json:"phone"`
		Password string `json:"-"`
		Grade    int    `json:"grade"`
		Height   *float64
		Born     time.Time `json:"born"`
	}
	h := 1.5
	before := person{Name: "张小明", IDNumber: "110105201001010012", Phone: "13812345678", Password: "a", Grade: 3,
		Born: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}
	after := before
	after.Name, after.IDNumber, after.Phone, after.Password, after.Grade, after.Height =
		"张晓明", "110105201001010039", "13912345678", "b", 4, &h
	personal := map[string]string{"name": PersonalName, "id_number": PersonalID, "phone": PersonalPhone}
	got := Diff(before, &after, personal)
	want := []Change{
		{"name", "张*明", "张*明"},
		{"id_number", "110105********0012", "110105********0039"},
		{"phone", "138****5678", "139****5678"},
		{"grade", "3", "4"},
		{"Height", "", "1.5"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Diff:\n got %v\nwant %v", got, want)
	}
	// A record created or deleted: every field against nothing.
	if got := Diff(nil, map[string]any{"token": "secret-value", "b": 1}, map[string]string{"token": PersonalSecret}); fmt.Sprint(got) != fmt.Sprint([]Change{{"b", "", "1"}, {"token", "", "******"}}) {
		t.Errorf("create: %v", got)
	}
	if got := Diff(before, before, personal); len(got) != 0 {
		t.Errorf("no change: %v", got)
	}
}

func TestFromEvent(t *testing.T) {
	ev := auth.Event{Action: "auth.sign_in_failed", Outcome: "failed", UserID: 7, Username: "li", OrgKind: "school",
		OrgCode: "2143000001", IP: "10.0.0.9", RecordType: "user", RecordID: "li", Detail: "wrong password"}
	e := FromEvent(ev)
	want := Entry{UserID: 7, Username: "li", OrgKind: "school", OrgCode: "2143000001", IP: "10.0.0.9",
		Action: "auth.sign_in_failed", Outcome: Failed, RecordType: "user", RecordID: "li", Detail: "wrong password"}
	if fmt.Sprint(e) != fmt.Sprint(want) {
		t.Errorf("%+v", e)
	}
	u := auth.User{ID: 9, Username: "wang", OrgKind: "county", OrgCode: "430405"}
	if e := (Entry{Action: "x"}).By(u); e.UserID != 9 || e.Username != "wang" || e.OrgCode != "430405" {
		t.Errorf("By: %+v", e)
	}
}

// BenchmarkAppend measures appends, each in its own transaction, on SQLite
// (the figure in docs/performance.md: entries per second).
func BenchmarkAppend(b *testing.B) {
	d := dbtest.SQLite(b)
	l := New(d)
	ctx := context.Background()
	e := entry(5)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAppendPostgres is BenchmarkAppend on the PostgreSQL test server.
func BenchmarkAppendPostgres(b *testing.B) {
	d := dbtest.Postgres(b)
	l := New(d)
	ctx := context.Background()
	e := entry(5)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkVerify checks a chain of 20,000 entries on SQLite (entries
// checked per second: how long `audit verify` takes on a large log).
func BenchmarkVerify(b *testing.B) {
	d := dbtest.SQLite(b)
	l := newLog(d)
	const n = 20000
	ctx := context.Background()
	err := d.InTx(ctx, func(tx db.Tx) error {
		for i := 1; i <= n; i++ {
			if err := l.Record(ctx, tx, entry(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := l.Verify(ctx)
		if err != nil || !r.Intact() || r.Entries != n {
			b.Fatalf("%+v %v", r, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// Times within the second of a bound are on the right side of it on both
// databases (SQLite compares times as text: see atBound).
func TestTimeBoundsWithinASecond(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		b := time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC)
		for _, at := range []time.Time{b.Add(-100 * time.Millisecond), b, b.Add(500 * time.Millisecond), b.Add(999999 * time.Microsecond), b.Add(time.Second)} {
			if err := l.Append(ctx, Entry{At: at, Action: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			f    Filter
			want int
		}{
			{Filter{From: b}, 4},
			{Filter{To: b}, 1},
			{Filter{From: b, To: b.Add(time.Second)}, 3},
			{Filter{From: b.Add(time.Second)}, 1},
			{Filter{From: b.Add(-time.Second), To: b}, 1},
			{Filter{From: b.Add(500 * time.Millisecond)}, 3},
			{Filter{To: b.Add(500 * time.Millisecond)}, 2},
			{Filter{From: b.Add(500001 * time.Microsecond)}, 2},
		} {
			p, err := l.Search(ctx, c.f)
			if err != nil || p.Total != c.want {
				t.Errorf("%v – %v: %d entries, want %d (%v)", c.f.From, c.f.To, p.Total, c.want, err)
			}
		}
		l.Now = time.Now
		if n, err := l.Purge(ctx, b, "tester"); err != nil || n != 1 {
			t.Errorf("purge before %v: %d, %v", b, n, err)
		}
	})
}
