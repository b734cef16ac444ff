package casework

import (
	"context"
	"strconv"
	"testing"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
)

// hooked is an engine whose licensing approvals write to a registry on d,
// both on 20 March 2026.
func hooked(t *testing.T, d *db.DB) (*Engine, *school.Registry) {
	t.Helper()
	if err := area.Sync(context.Background(), d, "430400"); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, d, "2026-03-20")
	reg := school.New(d)
	reg.Now, reg.Audit = e.Now, e.Audit
	e.Hooks = RegistryHooks(reg)
	return e, reg
}

func seedSchool(t *testing.T, reg *school.Registry, code, name string) school.School {
	t.Helper()
	s, err := reg.Create(context.Background(), scope.Everything, school.School{Code: code, Name: name, NameEN: name + " EN",
		Type: school.Primary, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01",
		Capacity: 900, Address: "旧址 1 号"}, audit.Actor{Username: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// toApproval opens a licensing case on 2 March 2026 and accepts it the next day.
func toApproval(t *testing.T, e *Engine, schoolCode string, fields map[string]string) Case {
	t.Helper()
	c, err := e.Open(context.Background(), SchoolLicence, OpenInput{ApplicantName: "申请人", Subject: "许可申请",
		SchoolCode: schoolCode, CountyCode: "430405", ReceivedOn: date(t, "2026-03-02"), Fields: fields,
		Documents: []Upload{doc("application")}}, clerk)
	if err != nil {
		t.Fatal(err)
	}
	return step(t, e, c, "accept", "2026-03-03", nil)
}

func approve(t *testing.T, e *Engine, c Case, fields map[string]string) (Case, error) {
	t.Helper()
	if fields == nil {
		fields = map[string]string{}
	}
	fields["decision_no"] = "衡教许决〔2026〕7号"
	return e.Take(context.Background(), c.ID, "approve", Input{Fields: fields, On: date(t, "2026-03-10"),
		Documents: []Upload{doc("decision")}}, clerk)
}

func history(t *testing.T, reg *school.Registry, code string) []string {
	t.Helper()
	h, err := reg.History(context.Background(), scope.Everything, code)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range h {
		out = append(out, c.Action)
	}
	return out
}

// auditActions lists the audit log's actions on a record, in order.
func auditActions(t *testing.T, d *db.DB, typ, id string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT action FROM audit_log WHERE record_type = $1 AND record_id = $2 ORDER BY seq`, typ, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

func TestRegistryHookEstablish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e, reg := hooked(t, d)
		c := toApproval(t, e, "", map[string]string{"matter": "establish", "new_code": "1143000077", "new_name": "珠晖区童心幼儿园",
			"school_type": "kindergarten", "ownership": "private", "school_address": "东风路 8 号", "opened_on": "2026-09-01",
			"capacity": "270"})
		c, err := approve(t, e, c, map[string]string{"licence_no": "教民143040570001号"})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != "approved" {
			t.Fatalf("state %s", c.State)
		}
		s, err := reg.Get(ctx, scope.Everything, "1143000077")
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "珠晖区童心幼儿园" || s.Status != school.Preparing || s.County != "430405" || s.Capacity != 270 ||
			s.OpenedOn != "2026-09-01" || s.LicenceNo != "教民143040570001号" || s.Address != "东风路 8 号" {
			t.Errorf("created %+v", s)
		}
		if h := history(t, reg, s.Code); len(h) != 1 || h[0] != "create" {
			t.Errorf("history %v", h)
		}
		// The audit log holds the case's step and the school's creation.
		if got := auditActions(t, d, "case", strconv.FormatInt(c.ID, 10)); len(got) != 3 || got[2] != "case.approve" {
			t.Errorf("case audit %v", got)
		}
		if got := auditActions(t, d, "school", s.Code); len(got) != 1 || got[0] != "school.create" {
			t.Errorf("school audit %v", got)
		}
		if r, err := e.Audit.Verify(ctx); err != nil || !r.Intact() {
			t.Errorf("audit chain: %v %v", err, r.Message())
		}
	})
}

func TestRegistryHookRenameChangeMergeTerminate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e, reg := hooked(t, d)
		for i, code := range []string{"2143000001", "2143000002", "2143000003", "2143000004"} {
			seedSchool(t, reg, code, "珠晖区第"+strconv.Itoa(i+1)+"小学")
		}

		// Rename: the new name given with the approval, from the approval date.
		c := toApproval(t, e, "2143000001", map[string]string{"matter": "rename"})
		if _, err := approve(t, e, c, map[string]string{"new_name": "珠晖区实验小学", "new_name_en": "Zhuhui Experimental Primary"}); err != nil {
			t.Fatal(err)
		}
		names, err := reg.Names(ctx, scope.Everything, "2143000001")
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 2 || names[0].Name != "珠晖区实验小学" || names[0].ValidFrom != "2026-03-10" || names[0].ValidTo != "" ||
			names[1].Name != "珠晖区第1小学" || names[1].ValidTo != "2026-03-10" {
			t.Errorf("names %+v", names)
		}
		if h := history(t, reg, "2143000001"); h[0] != "rename" {
			t.Errorf("history %v", h)
		}

		// Change: capacity and address.
		c = toApproval(t, e, "2143000002", map[string]string{"matter": "change", "capacity": "1200", "school_address": "新址 2 号"})
		if _, err := approve(t, e, c, nil); err != nil {
			t.Fatal(err)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000002"); s.Capacity != 1200 || s.Address != "新址 2 号" || s.Headmaster != "" || s.Version != 2 {
			t.Errorf("changed %+v", s)
		}

		// Merge: 2143000003 absorbed into the case's school 2143000002.
		c = toApproval(t, e, "2143000002", map[string]string{"matter": "merge", "absorbed": "2143000003"})
		if _, err := approve(t, e, c, nil); err != nil {
			t.Fatal(err)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000003"); s.Status != school.Closed || s.ClosedOn != "2026-03-10" {
			t.Errorf("absorbed %+v", s)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000002"); s.Status != school.Active {
			t.Errorf("survivor %+v", s)
		}
		var why string
		if err := d.QueryRowContext(ctx, `SELECT reason FROM school_history WHERE school_code = '2143000003' AND version = 2`).Scan(&why); err != nil {
			t.Fatal(err)
		}
		if want := "并入 2143000002 "; len(why) < len(want) || why[:len(want)] != want {
			t.Errorf("merge reason %q", why)
		}

		// Terminate: closed on the closing date given.
		c = toApproval(t, e, "2143000004", map[string]string{"matter": "terminate", "closed_on": "2026-03-12"})
		if _, err := approve(t, e, c, nil); err != nil {
			t.Fatal(err)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000004"); s.Status != school.Closed || s.ClosedOn != "2026-03-12" {
			t.Errorf("terminated %+v", s)
		}
		if h := history(t, reg, "2143000004"); h[0] != "close" {
			t.Errorf("history %v", h)
		}
		if got := auditActions(t, d, "school", "2143000004"); len(got) != 2 || got[1] != "school.close" {
			t.Errorf("school audit %v", got)
		}
		if r, err := e.Audit.Verify(ctx); err != nil || !r.Intact() {
			t.Errorf("audit chain: %v %v", err, r.Message())
		}
	})
}

// TestRegistryHookFailureUndoesApproval: whatever the registry refuses leaves
// the case and the registry as they were.
func TestRegistryHookFailureUndoesApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e, reg := hooked(t, d)
		seedSchool(t, reg, "2143000001", "珠晖区第一小学")
		countAudit := func() int {
			var n int
			d.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n)
			return n
		}

		// A taken identifier: a conflict on new_code.
		c := toApproval(t, e, "", map[string]string{"matter": "establish", "new_code": "2143000001", "new_name": "另一所小学",
			"school_type": "primary", "ownership": "public"})
		before := countAudit()
		_, err := approve(t, e, c, nil)
		wantKind(t, err, fault.Conflict)
		if fe := fault.As(err); len(fe.Fields) != 1 || fe.Fields[0].Field != "new_code" {
			t.Errorf("fields %+v", fe.Fields)
		}
		got, err := e.Get(ctx, scope.Everything, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != "accepted" || got.Version != c.Version || got.Fields["decision_no"] != "" {
			t.Errorf("case changed: %s v%d %v", got.State, got.Version, got.Fields)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000001"); s.Name != "珠晖区第一小学" || s.Version != 1 {
			t.Errorf("registry changed: %+v", s)
		}
		if n := countAudit(); n != before {
			t.Errorf("audit grew from %d to %d", before, n)
		}

		// A bad field from the registry comes back under the case's name for it.
		c = toApproval(t, e, "", map[string]string{"matter": "establish", "new_code": "2143000009", "new_name": "公办小学",
			"school_type": "primary", "ownership": "public", "licence_no": "x"})
		_, err = approve(t, e, c, map[string]string{"school_county": "430521"})
		wantKind(t, err, fault.Invalid)
		if fe := fault.As(err); len(fe.Fields) == 0 || fe.Fields[0].Field != "school_county" {
			t.Errorf("fields %+v", fe.Fields)
		}

		// A missing detail: a renaming without the new name.
		c = toApproval(t, e, "2143000001", map[string]string{"matter": "rename"})
		_, err = approve(t, e, c, nil)
		wantKind(t, err, fault.Invalid)
		if fe := fault.As(err); len(fe.Fields) != 1 || fe.Fields[0].Field != "new_name" {
			t.Errorf("fields %+v", fe.Fields)
		}
		// Terminating a school already closed, or in the future, is refused.
		c = toApproval(t, e, "2143000001", map[string]string{"matter": "terminate", "closed_on": "2026-04-01"})
		_, err = approve(t, e, c, nil)
		wantKind(t, err, fault.Invalid)
		if fe := fault.As(err); len(fe.Fields) == 0 || fe.Fields[0].Field != "closed_on" {
			t.Errorf("fields %+v", fe.Fields)
		}
		if s, _ := reg.Get(ctx, scope.Everything, "2143000001"); s.Status != school.Active || s.Version != 1 {
			t.Errorf("registry changed: %+v", s)
		}
	})
}
