package casework

import (
	"context"
	"strconv"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

// newEngine is an engine on d with the shipped types, whose clock says it is
// noon on day today in Beijing, and cheap access-code hashing.
func newEngine(t testing.TB, d *db.DB, today string) *Engine {
	t.Helper()
	e, err := New(d, Shipped(Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	e.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	setToday(t, e, today)
	return e
}

func setToday(t testing.TB, e *Engine, today string) {
	day, err := time.ParseInLocation(time.DateOnly, today, beijing)
	if err != nil {
		t.Fatal(err)
	}
	noon := day.Add(12 * time.Hour)
	e.Now = func() time.Time { return noon }
	e.Audit.Now = e.Now
}

var clerk = Actor{Actor: audit.Actor{UserID: 7, Username: "clerk", OrgKind: "city", OrgCode: "4304"},
	Can: func(p string) bool { return p == auth.CaseView || p == auth.CaseEdit }, Scope: scope.Everything}

func doc(kind string) Upload {
	return Upload{Kind: kind, Name: kind + ".pdf", Content: []byte("%PDF-1.7 " + kind)}
}

func open(t *testing.T, e *Engine, typ, received string, fields map[string]string) Case {
	t.Helper()
	ty, _ := e.Type(typ)
	c, err := e.Open(context.Background(), typ, OpenInput{ApplicantName: "张三", ApplicantContact: "13800000000",
		Subject: "测试案件", CountyCode: "430405", ReceivedOn: date(t, received), Fields: fields,
		Documents: []Upload{doc(ty.Documents[0].Code)}}, clerk)
	if err != nil {
		t.Fatalf("open %s: %v", typ, err)
	}
	return c
}

// step takes a step that must succeed.
func step(t *testing.T, e *Engine, c Case, tr, on string, fields map[string]string, docs ...string) Case {
	t.Helper()
	in := Input{Fields: fields, Reason: "理由 " + tr}
	if on != "" {
		in.On = date(t, on)
	}
	for _, k := range docs {
		in.Documents = append(in.Documents, doc(k))
	}
	out, err := e.Take(context.Background(), c.ID, tr, in, clerk)
	if err != nil {
		t.Fatalf("%s on %s: %v", tr, on, err)
	}
	return out
}

func wantDue(t *testing.T, c Case, state, due string) {
	t.Helper()
	got := ""
	if !c.DueOn.IsZero() {
		got = c.DueOn.String()
	}
	if c.State != state || got != due {
		t.Fatalf("%s: state %s due %q, want %s due %q", c.Number, c.State, got, state, due)
	}
	if c.DueProvisional {
		t.Errorf("%s: due %s marked provisional", c.Number, due)
	}
}

func wantKind(t *testing.T, err error, k fault.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", k)
	}
	if fault.KindOf(err) != k {
		t.Fatalf("%v: kind %s, want %s", err, fault.KindOf(err), k)
	}
	fe := fault.As(err)
	if fe.Msg.ZH == "" || fe.Msg.EN == "" {
		t.Errorf("message not in both languages: %+v", fe.Msg)
	}
}

// checkAudited: every event of the case has its audit entry, in order.
func checkAudited(t *testing.T, e *Engine, c Case) {
	t.Helper()
	ctx := context.Background()
	events, err := e.History(ctx, scope.Everything, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT action FROM audit_log WHERE record_type = 'case' AND record_id = $1
		AND action <> 'case.attach' ORDER BY seq`, strconv.FormatInt(c.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var actions []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	if len(actions) != len(events) {
		t.Fatalf("%d audit entries for %d steps: %v", len(actions), len(events), actions)
	}
	for i, ev := range events {
		if actions[i] != "case."+ev.Transition {
			t.Errorf("step %d %s audited as %s", ev.Seq, ev.Transition, actions[i])
		}
		if ev.Seq != i+1 {
			t.Errorf("step %d has seq %d", i+1, ev.Seq)
		}
	}
	if r, err := audit.New(e.DB).Verify(ctx); err != nil || !r.Intact() {
		t.Errorf("audit chain: %v %v", err, r.Message())
	}
}
