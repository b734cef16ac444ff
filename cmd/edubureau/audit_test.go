package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
)

func auditRun(dsn string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "EDUBUREAU_DB":
			return dsn
		case "USER":
			return "ops"
		}
		return ""
	}
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv})
	return code, out.String(), errb.String()
}

// auditDB is a database whose log has n entries, one a day from 1 March 2024.
func auditDB(t *testing.T, dsn string, n int) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	l := audit.New(d)
	day := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		l.Now = func() time.Time { return day.Add(time.Duration(i) * 24 * time.Hour) }
		if err := l.Append(context.Background(), audit.Entry{Action: "school.update", Username: "li", RecordType: "school", RecordID: "2143000001"}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestAuditVerifyAndPurge(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			d := auditDB(t, dsn, 12)
			code, out, errs := auditRun(dsn, "audit", "verify")
			if code != 0 || !strings.Contains(out, "audit log intact: 12 entries, seq 1–12") {
				t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
			}
			// --db wins over the environment.
			if code, out, _ := auditRun("sqlite:/nonexistent/x.db", "audit", "verify", "--db", dsn); code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("verify --db: exit %d %s", code, out)
			}

			// Inside retention: refused, exit 1, a clear message.
			inside := time.Now().AddDate(0, -3, 0).Format(time.DateOnly)
			code, out, errs = auditRun(dsn, "audit", "purge", "--before", inside)
			if code != 1 || !strings.Contains(errs, "at least 180 days") {
				t.Fatalf("purge inside retention: exit %d\n%s%s", code, out, errs)
			}
			code, _, errs = auditRun(dsn, "audit", "purge", "--before", "2025-01-01", "--audit-retention", "87600h")
			if code != 1 || !strings.Contains(errs, "at least 3650 days") {
				t.Fatalf("purge inside a 10-year retention: exit %d %s", code, errs)
			}
			code, out, errs = auditRun(dsn, "audit", "purge", "--before", "2024-03-06")
			if code != 0 || !strings.Contains(out, "purged 5 audit entries recorded before 2024-03-06") {
				t.Fatalf("purge: exit %d\n%s%s", code, out, errs)
			}
			code, out, _ = auditRun(dsn, "audit", "verify")
			if code != 0 || !strings.Contains(out, "audit log intact: 8 entries, seq 6–13") || !strings.Contains(out, "anchor at seq 5") {
				t.Fatalf("verify after purge: exit %d\n%s", code, out)
			}

			// Someone with the database's rights deletes entry 9.
			if name == "sqlite" {
				mustExec(t, d, `DROP TRIGGER audit_log_no_delete`)
				mustExec(t, d, `DROP TRIGGER audit_log_no_update`)
			} else {
				mustExec(t, d, `ALTER TABLE audit_log DISABLE TRIGGER USER`)
			}
			mustExec(t, d, `DELETE FROM audit_log WHERE seq = 9`)
			code, out, _ = auditRun(dsn, "audit", "verify")
			if code != 1 || !strings.Contains(out, "entry 9 is missing (deleted)") {
				t.Fatalf("verify after deletion: exit %d\n%s", code, out)
			}
			mustExec(t, d, `UPDATE audit_log SET detail = 'x' WHERE seq = 7`)
			code, out, _ = auditRun(dsn, "audit", "verify")
			if code != 1 || !strings.Contains(out, "entry 7 was altered (hash mismatch)") {
				t.Fatalf("verify after alteration: exit %d\n%s", code, out)
			}
		})
	}
}

func mustExec(t *testing.T, d *db.DB, q string) {
	t.Helper()
	if _, err := d.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAuditCommandLine(t *testing.T) {
	dsn := "sqlite:" + t.TempDir() + "/x.db"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit"}, 2, "verify or purge"},
		{[]string{"audit", "-h"}, 0, "usage: edubureau audit verify"},
		{[]string{"audit", "verify", "-h"}, 0, "--db"},
		{[]string{"audit", "purge", "-h"}, 0, "--before"},
		{[]string{"audit", "shred"}, 2, "unknown subcommand"},
		{[]string{"audit", "purge"}, 2, "--before YYYY-MM-DD is required"},
		{[]string{"audit", "purge", "--before", "2024-02-30"}, 2, "not a date"},
		{[]string{"audit", "purge", "--before", "2024-01-01", "--audit-retention", "24h"}, 2, "audit-retention"},
		{[]string{"audit", "verify", "extra"}, 2, "unexpected argument"},
		{[]string{"audit", "verify", "--db", "mysql://x"}, 2, "unknown database DSN"},
	} {
		code, out, errs := auditRun(dsn, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.want, out, errs)
		}
	}
}
