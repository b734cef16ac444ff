package casework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

type snapshot struct {
	version, events, docs, audits int
	state, due                    string
}

func snap(t *testing.T, e *Engine, id int64) snapshot {
	t.Helper()
	var s snapshot
	ctx := context.Background()
	c, err := e.Get(ctx, scope.Everything, id)
	if err != nil {
		t.Fatal(err)
	}
	s.version, s.state, s.due = c.Version, c.State, dateText(c.DueOn)
	for q, to := range map[string]*int{
		`SELECT count(*) FROM case_event WHERE case_id = $1`:    &s.events,
		`SELECT count(*) FROM case_document WHERE case_id = $1`: &s.docs,
	} {
		if err := e.DB.QueryRowContext(ctx, q, id).Scan(to); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.DB.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&s.audits); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBadStepsChangeNothing: each bad step is refused with a clear message in
// both languages and of the right kind, and the case, its history, its
// documents and the audit log stay as they were.
func TestBadStepsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2025-10-15")
		c := open(t, e, InfoDisclosure, "2025-09-26", nil)
		c = step(t, e, c, "extend", "2025-10-09", map[string]string{"approved_by": "李局长"}, "extension_notice")
		viewer := clerk
		viewer.Can = func(p string) bool { return p == auth.CaseView }
		county := clerk
		county.Scope = scope.Area("430421")
		ext := func(on string) Input {
			return Input{On: date(t, on), Fields: map[string]string{"approved_by": "李局长"}, Documents: []Upload{doc("extension_notice")}}
		}
		cases := []struct {
			name  string
			step  string
			in    Input
			by    Actor
			kind  fault.Kind
			field string // a field the validation must name
		}{
			{"unknown step", "approve", Input{}, clerk, fault.Invalid, ""},
			{"not from this state", "supplement", Input{}, clerk, fault.Conflict, ""},
			{"no permission", "reply", Input{Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, viewer, fault.Forbidden, ""},
			{"out of scope", "reply", Input{Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, county, fault.NotFound, ""},
			{"missing field", "reply", Input{Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "outcome"},
			{"bad choice", "reply", Input{Fields: map[string]string{"outcome": "maybe"}, Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "outcome"},
			{"unknown field", "reply", Input{Fields: map[string]string{"outcome": "disclose", "colour": "red"}, Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "colour"},
			{"missing document", "reply", Input{Fields: map[string]string{"outcome": "disclose"}}, clerk, fault.Invalid, "documents"},
			{"empty document", "reply", Input{Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{{Kind: "reply", Name: "a.pdf"}}}, clerk, fault.Invalid, "documents[0]"},
			{"unknown document kind", "reply", Input{Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply"), doc("selfie")}}, clerk, fault.Invalid, "documents[1]"},
			{"missing reason", "withdraw", Input{}, clerk, fault.Invalid, "reason"},
			{"before received", "reply", Input{On: date(t, "2025-09-25"), Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "on"},
			{"before the last step", "reply", Input{On: date(t, "2025-10-08"), Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "on"},
			{"in the future", "reply", Input{On: date(t, "2025-10-16"), Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, clerk, fault.Invalid, "on"},
			{"extension twice", "extend", ext("2025-10-10"), clerk, fault.Conflict, ""},
			{"stale version", "reply", Input{IfVersion: 1, Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, clerk, fault.Precondition, ""},
			{"supplement notice after 7 WD", "notify_supplement", Input{On: date(t, "2025-10-14"), Fields: map[string]string{"items": "x"}, Documents: []Upload{doc("supplement_notice")}}, clerk, fault.Invalid, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snap(t, e, c.ID)
				_, err := e.Take(ctx, c.ID, tc.step, tc.in, tc.by)
				wantKind(t, err, tc.kind)
				if tc.field != "" {
					fe := fault.As(err)
					found := false
					for _, f := range fe.Fields {
						found = found || f.Field == tc.field
					}
					if !found {
						t.Errorf("%v does not name %s", err, tc.field)
					}
				}
				if after := snap(t, e, c.ID); after != before {
					t.Errorf("changed: %+v → %+v", before, after)
				}
			})
		}
		// A closed case takes no step.
		c = step(t, e, c, "reply", "2025-10-15", map[string]string{"outcome": "disclose"}, "reply")
		_, err := e.Take(ctx, c.ID, "withdraw", Input{Reason: "x"}, clerk)
		wantKind(t, err, fault.Conflict)
		// A failing hook undoes the step.
		e.Hooks = map[string]Hook{InfoDisclosure + "/reply": func(context.Context, db.Tx, Case, Event) error {
			return fault.New(fault.Conflict, "登记簿拒绝", "the registry refused")
		}}
		c2 := open(t, e, InfoDisclosure, "2025-10-10", nil)
		before := snap(t, e, c2.ID)
		_, err = e.Take(ctx, c2.ID, "reply", Input{Fields: map[string]string{"outcome": "disclose"}, Documents: []Upload{doc("reply")}}, clerk)
		wantKind(t, err, fault.Conflict)
		if after := snap(t, e, c2.ID); after != before {
			t.Errorf("a failed hook left a change: %+v → %+v", before, after)
		}
	})
}

func TestBadOpenings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2025-10-15")
		good := OpenInput{Subject: "申请公开", CountyCode: "430405", ApplicantName: "张三"}
		viewer := clerk
		viewer.Can = func(p string) bool { return p == auth.CaseView }
		county := clerk
		county.Scope = scope.Area("430421")
		cases := []struct {
			name  string
			typ   string
			edit  func(*OpenInput)
			by    Actor
			kind  fault.Kind
			field string
		}{
			{"unknown type", "parking_ticket", nil, clerk, fault.Invalid, ""},
			{"no permission", InfoDisclosure, nil, viewer, fault.Forbidden, ""},
			{"out of scope", InfoDisclosure, nil, county, fault.Forbidden, ""},
			{"no subject", InfoDisclosure, func(in *OpenInput) { in.Subject = " " }, clerk, fault.Invalid, "subject"},
			{"bad area", InfoDisclosure, func(in *OpenInput) { in.CountyCode = "43x" }, clerk, fault.Invalid, "county_code"},
			{"received in the future", InfoDisclosure, func(in *OpenInput) { in.ReceivedOn = date(t, "2025-10-16") }, clerk, fault.Invalid, "received_on"},
			{"required field", Reconsideration, nil, clerk, fault.Invalid, "respondent"},
			{"bad choice", SchoolLicence, func(in *OpenInput) { in.Fields = map[string]string{"matter": "sell"} }, clerk, fault.Invalid, "matter"},
			{"task due before received", AssignedTask, func(in *OpenInput) {
				in.Fields = map[string]string{"owner_section": "safety", "due_on": "2025-10-01", "assigned_by": "市政府"}
			}, clerk, fault.Invalid, "due_on"},
			{"task bad date", AssignedTask, func(in *OpenInput) {
				in.Fields = map[string]string{"owner_section": "safety", "due_on": "2025-02-30", "assigned_by": "市政府"}
			}, clerk, fault.Invalid, "due_on"},
		}
		for _, tc := range cases {
			in := good
			if tc.edit != nil {
				tc.edit(&in)
			}
			_, err := e.Open(ctx, tc.typ, in, tc.by)
			if err == nil || fault.KindOf(err) != tc.kind {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.kind)
				continue
			}
			if tc.field != "" && !strings.Contains(err.Error(), tc.field) {
				t.Errorf("%s: %v does not name %s", tc.name, err, tc.field)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT count(*) FROM case_file`).Scan(&n)
		if n != 0 {
			t.Errorf("%d cases after bad openings", n)
		}
	})
}

// TestNumberingHasNoGaps: concurrent openings get consecutive numbers; a
// rolled-back opening gives its number back; numbering starts again each year.
func TestNumberingHasNoGaps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-01-15")
		const workers, each = 4, 6
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					_, err := e.Open(ctx, Complaint, OpenInput{Subject: fmt.Sprintf("投诉 %d", i), CountyCode: "4304",
						ReceivedOn: date(t, "2025-12-01"), Fields: map[string]string{"channel": "phone"}}, clerk)
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// A hook that fails undoes the opening and its number.
		e.Hooks = map[string]Hook{Complaint + "/open": func(context.Context, db.Tx, Case, Event) error { return errors.New("boom") }}
		if _, err := e.Open(ctx, Complaint, OpenInput{Subject: "x", CountyCode: "4304", ReceivedOn: date(t, "2025-12-01"),
			Fields: map[string]string{"channel": "phone"}}, clerk); err == nil {
			t.Fatal("the failing hook did not fail the opening")
		}
		e.Hooks = nil
		last := open(t, e, Complaint, "2025-12-02", map[string]string{"channel": "phone"})
		if want := fmt.Sprintf("衡教信〔2025〕%d号", workers*each+1); last.Number != want {
			t.Errorf("after a rollback: %s, want %s", last.Number, want)
		}
		next := open(t, e, Complaint, "2026-01-05", map[string]string{"channel": "phone"})
		if next.Number != "衡教信〔2026〕1号" {
			t.Errorf("new year: %s", next.Number)
		}
		rows, err := d.QueryContext(ctx, `SELECT seq FROM case_file WHERE type = $1 AND year = 2025 ORDER BY seq`, Complaint)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		want := 1
		for rows.Next() {
			var s int
			rows.Scan(&s)
			if s != want {
				t.Fatalf("seq %d, want %d", s, want)
			}
			want++
		}
		if want != workers*each+2 {
			t.Errorf("%d numbers", want-1)
		}
	})
}

// TestDocumentsFollowAndQueries: documents keep their bytes and checksums on
// both databases; the applicant follows with the code; the work views.
func TestDocumentsFollowAndQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2025-10-20")
		c := open(t, e, InfoDisclosure, "2025-09-26", nil) // due 2025-10-30
		blob := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, 50000)
		if _, err := e.Attach(ctx, c.ID, Upload{Kind: "reply", Name: "答复书.pdf", Content: blob}, clerk); err != nil {
			t.Fatal(err)
		}
		docs, err := e.Documents(ctx, scope.Everything, c.ID)
		if err != nil || len(docs) != 2 {
			t.Fatalf("%d documents: %v", len(docs), err)
		}
		got, content, err := e.Content(ctx, scope.Everything, c.ID, docs[1].ID)
		if err != nil || !bytes.Equal(content, blob) || got.Size != int64(len(blob)) {
			t.Fatalf("content differs (%d bytes, %v)", len(content), err)
		}
		if _, _, err := e.Content(ctx, scope.Area("430421"), c.ID, docs[1].ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("out of scope: %v", err)
		}
		// The attached reply satisfies the step that needs one.
		step(t, e, c, "extend", "2025-10-20", map[string]string{"approved_by": "李局长"}, "extension_notice")

		// The portal.
		fc, events, err := e.Follow(ctx, " "+c.Number+" ", strings.ToLower(c.AccessCode))
		if err != nil || fc.ID != c.ID || len(events) != 2 {
			t.Fatalf("follow: %v (%d events)", err, len(events))
		}
		if _, _, err := e.Follow(ctx, c.Number, "WRONGCODE2"); fault.KindOf(err) != fault.NotFound {
			t.Errorf("wrong code: %v", err)
		}
		if _, _, err := e.Follow(ctx, "衡教公〔2025〕99号", c.AccessCode); fault.KindOf(err) != fault.NotFound {
			t.Errorf("wrong number: %v", err)
		}

		// Work views, today 2025-10-20.
		other := Actor{Actor: audit.Actor{UserID: 8, Username: "other"}, Can: clerk.Can, Scope: scope.Everything}
		soon, _ := e.Open(ctx, Complaint, OpenInput{Subject: "x", CountyCode: "430421", ReceivedOn: date(t, "2025-09-26"),
			Fields: map[string]string{"channel": "visit"}}, other) // 15 WD → 2025-10-23, the 3rd WD after today
		late, _ := e.Open(ctx, Complaint, OpenInput{Subject: "y", CountyCode: "430405", ReceivedOn: date(t, "2025-09-01"),
			Fields: map[string]string{"channel": "visit"}}, clerk) // overdue
		waiting := open(t, e, InfoDisclosure, "2025-10-13", nil)
		waiting = step(t, e, waiting, "notify_supplement", "2025-10-14", map[string]string{"items": "x"}, "supplement_notice")

		ids := func(p Page, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range p.Items {
				out = append(out, c.Number)
			}
			return out
		}
		mine := ids(e.Mine(ctx, clerk.UserID, scope.Everything, 1, 50))
		if want := []string{late.Number, c.Number, waiting.Number}; fmt.Sprint(mine) != fmt.Sprint(want) {
			t.Errorf("mine %v, want %v (by deadline, no deadline last)", mine, want)
		}
		if got := ids(e.Mine(ctx, clerk.UserID, scope.Area("430421"), 1, 50)); len(got) != 0 {
			t.Errorf("mine in another county: %v", got)
		}
		if got := ids(e.DueWithin(ctx, scope.Everything, 3, 1, 50)); fmt.Sprint(got) != fmt.Sprint([]string{soon.Number}) {
			t.Errorf("due within 3 WD: %v", got)
		}
		if got := ids(e.Overdue(ctx, scope.Everything, 1, 50)); fmt.Sprint(got) != fmt.Sprint([]string{late.Number}) {
			t.Errorf("overdue: %v", got)
		}
		if got := ids(e.ForSection(ctx, "office", scope.Everything, 1, 1)); len(got) != 1 || got[0] != late.Number {
			t.Errorf("office, page 1 of 1: %v", got)
		}
		p, _ := e.ForSection(ctx, "office", scope.Everything, 2, 1)
		if p.Total != 2 || len(p.Items) != 1 || p.Items[0].Number != soon.Number {
			t.Errorf("office page 2: %+v", p)
		}
		if left, _, ok := e.Remaining(late); !ok || left >= 0 {
			t.Errorf("remaining for an overdue case: %d %v", left, ok)
		}
	})
}
