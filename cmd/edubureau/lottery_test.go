package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/enrol"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// The worked example of docs/lottery.md.
const (
	lotterySeed  = "长宁2026-730194"
	lotteryIDs   = "\uFEFFid,name\n2026001,甲\n2026002,乙\n 2026003 ,丙\n2026004,丁\n2026005,戊\n2026006,己\n"
	lotteryDraw3 = "id,rank,admitted\n" +
		"2026001,1,true\n" +
		"2026006,2,true\n" +
		"2026005,3,true\n" +
		"2026002,4,false\n" +
		"2026003,5,false\n" +
		"2026004,6,false\n"
)

func TestLotteryDrawAndVerify(t *testing.T) {
	dir := admitFiles(t, map[string]string{"ids.csv": lotteryIDs})
	p := func(name string) string { return filepath.Join(dir, name) }
	code, stdout, stderr := admitRun("lottery", "draw", "--applicants", p("ids.csv"), "--places", "3", "--seed", lotterySeed, "--out", p("draw.csv"))
	if code != 0 {
		t.Fatalf("draw: exit %d: %s", code, stderr)
	}
	if got := admitReadFile(t, p("draw.csv")); got != lotteryDraw3 {
		t.Errorf("draw:\n%s\nwant:\n%s", got, lotteryDraw3)
	}
	// printf '%s\n' 2026001 … 2026006 | LC_ALL=C sort | sha256sum
	if !strings.Contains(stdout, "47d648af7fea894b9d39cbce810152d4a0c6dc14da3bfb5fa78d3d5e5dfd5201") {
		t.Errorf("stdout lacks the applicant list digest: %q", stdout)
	}

	verify := func(results string) (int, string, string) {
		return admitRun("lottery", "verify", "--applicants", p("ids.csv"), "--places", "3", "--seed", lotterySeed, "--results", results)
	}
	if code, stdout, stderr := verify(p("draw.csv")); code != 0 || !strings.HasPrefix(stdout, "MATCH\n") {
		t.Errorf("verify: exit %d, %q %q", code, stdout, stderr)
	}

	// A published result that is not the run: the first differing row is named.
	tampered := []struct {
		name, content, want string
	}{
		{"waiting list swapped", strings.Replace(strings.Replace(lotteryDraw3, "2026002,4", "X,4", 1), "2026003,5", "2026002,5", 1), "row 5 (position 4)"},
		{"admitted flipped", strings.Replace(lotteryDraw3, "2026005,3,true", "2026005,3,false", 1), "row 4 (position 3)"},
		{"row missing", strings.TrimSuffix(lotteryDraw3, "2026004,6,false\n"), "row 7 (position 6)"},
		{"row added", lotteryDraw3 + "2026007,7,false\n", "row 8 (position 7)"},
	}
	for _, tt := range tampered {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csv")
		os.WriteFile(path, []byte(tt.content), 0o644)
		code, stdout, _ := verify(path)
		if code != 1 || !strings.HasPrefix(stdout, "MISMATCH") || !strings.Contains(stdout, tt.want) || !strings.Contains(stdout, path) {
			t.Errorf("%s: exit %d, stdout %q; want 1 and %q", tt.name, code, stdout, tt.want)
		}
	}
	// Another seed, another draw.
	if code, stdout, _ := admitRun("lottery", "verify", "--applicants", p("ids.csv"), "--places", "3", "--seed", lotterySeed+" ", "--results", p("draw.csv")); code != 1 {
		t.Errorf("a different seed verified: %d %q", code, stdout)
	}
	// Published results are never overwritten.
	code, _, stderr = admitRun("lottery", "draw", "--applicants", p("ids.csv"), "--places", "2", "--seed", "other", "--out", p("draw.csv"))
	if code == 0 || !strings.Contains(stderr, "already exists") || admitReadFile(t, p("draw.csv")) != lotteryDraw3 {
		t.Errorf("an existing draw was overwritten: exit %d %q", code, stderr)
	}
}

func TestLotteryBadInput(t *testing.T) {
	tests := []struct {
		name  string
		ids   string
		args  []string // after --applicants FILE --out FILE
		code  int
		wants []string // "" entries are skipped; FILE is replaced by the input path
	}{
		{"duplicate ids", "id\na\nb\na\n", []string{"--places", "1", "--seed", "s"}, 1, []string{"FILE", "row 4", "column id", "repeated"}},
		{"empty id", "id\na\n  \n", []string{"--places", "1", "--seed", "s"}, 1, []string{"FILE", "row 3", "column id", "empty"}},
		{"missing id column", "name\na\n", []string{"--places", "1", "--seed", "s"}, 1, []string{"FILE", "row 1", "column id", "missing"}},
		{"negative places", "id\na\n", []string{"--places", "-1", "--seed", "s"}, 2, []string{"--places", "negative"}},
		{"empty seed", "id\na\n", []string{"--places", "1", "--seed", ""}, 2, []string{"--seed", "empty"}},
		{"missing seed", "id\na\n", []string{"--places", "1"}, 2, []string{"--seed is required"}},
		{"missing places", "id\na\n", []string{"--seed", "s"}, 2, []string{"--places is required"}},
	}
	for _, sub := range []string{"draw", "verify"} {
		for _, tt := range tests {
			t.Run(sub+"/"+tt.name, func(t *testing.T) {
				dir := admitFiles(t, map[string]string{"ids.csv": tt.ids, "results.csv": "id,rank,admitted\na,1,true\n"})
				in, out := filepath.Join(dir, "ids.csv"), filepath.Join(dir, "out.csv")
				outFlag := "--out"
				if sub == "verify" {
					outFlag, out = "--results", filepath.Join(dir, "results.csv")
				}
				args := append([]string{"lottery", sub, "--applicants", in, outFlag, out}, tt.args...)
				code, _, stderr := admitRun(args...)
				if code != tt.code {
					t.Errorf("exit %d, want %d (%s)", code, tt.code, stderr)
				}
				for _, w := range tt.wants {
					if w == "FILE" {
						w = in
					}
					if !strings.Contains(stderr, w) {
						t.Errorf("message %q does not mention %q", stderr, w)
					}
				}
				if sub == "draw" {
					if _, err := os.Stat(out); !os.IsNotExist(err) {
						t.Error("output written")
					}
				}
				if names, _ := filepath.Glob(filepath.Join(dir, ".*")); len(names) > 0 {
					t.Errorf("temporary files left: %v", names)
				}
			})
		}
	}
}

func TestLotteryVerifyBadResults(t *testing.T) {
	dir := admitFiles(t, map[string]string{"ids.csv": "id\na\nb\n", "r.csv": "id,rank,admitted\na,1,yes\n"})
	code, _, stderr := admitRun("lottery", "verify", "--applicants", filepath.Join(dir, "ids.csv"), "--places", "1", "--seed", "s", "--results", filepath.Join(dir, "r.csv"))
	if code != 1 || !strings.Contains(stderr, filepath.Join(dir, "r.csv")) || !strings.Contains(stderr, "row 2, column admitted") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

func TestLotteryHelp(t *testing.T) {
	for _, args := range [][]string{{"lottery", "-h"}, {"lottery", "draw", "-h"}, {"lottery", "verify", "-h"}} {
		code, stdout, stderr := admitRun(args...)
		want := "usage: edubureau " + strings.Join(args[:len(args)-1], " ")
		if code != 0 || !strings.Contains(stdout+stderr, want) {
			t.Errorf("%v: exit %d, %q", args, code, stdout+stderr)
		}
	}
	for _, args := range [][]string{{"lottery"}, {"lottery", "shuffle"}, {"lottery", "draw", "extra"}} {
		if code, _, _ := admitRun(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestLotteryVerifyDatabase is `lottery verify --lottery ID`: a lottery
// drawn in the database is recomputed from its stored list and seed; a
// change made behind the database's guard (a DBA dropping the trigger) is
// named by rank.
func TestLotteryVerifyDatabase(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := area.Sync(ctx, d, "4304"); err != nil {
				t.Fatal(err)
			}
			reg := school.New(d)
			if _, err := reg.Create(ctx, scope.Everything, school.School{Code: "2143000104", Name: "育才民办小学", Type: school.Primary,
				Ownership: school.Private, County: "430405", Status: school.Active, OpenedOn: "2001-09-01",
				LicenceNo: "教民143040570001号", LicenceIssuedOn: "2020-01-01", LicenceExpiresOn: "2030-01-01"}, school.Actor{Username: "seed"}); err != nil {
				t.Fatal(err)
			}
			ring, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
			if err != nil {
				t.Fatal(err)
			}
			o := enrol.New(d, reg, ring, "4304")
			by := enrol.System("test", "")
			var ins []enrol.ApplicantInput
			for i := 1; i <= 6; i++ {
				ins = append(ins, enrol.ApplicantInput{Year: 2026, Grade: 1, County: "430405", Name: "童" + strconv.Itoa(i),
					IDNumber: idno.MakeResidentID("430405", time.Date(2020, 2, i, 0, 0, 0, 0, time.UTC), i), Lng: 112.6, Lat: 26.9})
			}
			apps, err := o.AddApplicants(ctx, by, ins)
			if err != nil {
				t.Fatal(err)
			}
			l, err := o.CreateLottery(ctx, by, enrol.LotteryInput{Year: 2026, Grade: 1, Kind: enrol.LotterySchool, School: "2143000104", Places: 2})
			if err != nil {
				t.Fatal(err)
			}
			var es []enrol.EntryInput
			for _, a := range apps {
				es = append(es, enrol.EntryInput{Ticket: a.Number})
			}
			id := strconv.FormatInt(l.ID, 10)
			if _, err := o.AddEntries(ctx, by, l.ID, es); err != nil {
				t.Fatal(err)
			}
			if _, err := o.Freeze(ctx, by, l.ID, 0); err != nil {
				t.Fatal(err)
			}
			// Not drawn yet: nothing to verify.
			if code, _, stderr := admitRun("lottery", "verify", "--lottery", id, "--db", dsn); code != 1 || !strings.Contains(stderr, "not drawn") {
				t.Fatalf("an undrawn lottery: exit %d %q", code, stderr)
			}
			if _, err := o.AnnounceSeed(ctx, by, l.ID, 0, lotterySeed); err != nil {
				t.Fatal(err)
			}
			if _, err := o.Draw(ctx, by, l.ID, 0); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := admitRun("lottery", "verify", "--lottery", id, "--db", dsn)
			if code != 0 || !strings.HasSuffix(stdout, "MATCH\n") || !strings.Contains(stdout, lotterySeed) {
				t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
			}
			if code, _, _ := admitRun("lottery", "verify", "--lottery", "12345", "--db", dsn); code != 1 {
				t.Errorf("an unknown lottery: exit %d", code)
			}
			if code, _, _ := admitRun("lottery", "verify", "--lottery", "x", "--db", dsn); code != 2 {
				t.Errorf("a malformed id: exit %d", code)
			}
			if d.Dialect == db.SQLite {
				_, err = d.ExecContext(ctx, `DROP TRIGGER admission_lottery_result_no_update`)
			} else {
				_, err = d.ExecContext(ctx, `ALTER TABLE admission_lottery_result DISABLE TRIGGER admission_lottery_result_no_change`)
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.ExecContext(ctx, `UPDATE admission_lottery_result SET admitted = NOT admitted WHERE lottery_id = $1 AND rank = 2`, l.ID); err != nil {
				t.Fatal(err)
			}
			code, stdout, _ = admitRun("lottery", "verify", "--lottery", id, "--db", dsn)
			if code != 1 || !strings.Contains(stdout, "MISMATCH") || !strings.Contains(stdout, "rank 2") {
				t.Fatalf("tampered: exit %d\n%s", code, stdout)
			}
		})
	}
}
