package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edubureau/admission"
)

// admitRun runs the binary's commands in-process and returns the exit status and streams.
func admitRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

// admitFiles writes name→content files into a new temporary directory.
func admitFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func admitReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const admitPlan = "\uFEFFbatch,school,junior,places,min_score\n" +
	"1, S001 , J01 ,1,600\n" +
	"1,S001,,1,\n" +
	"2,S002,,2,\n" +
	"2,S003,,1,550.5\n"

const admitApplicants = "exam_no,junior,total,chinese,math,b1,b2\n" +
	"E05,J01,612,100,90,S001,S002\n" +
	"E02,J02,612,100,95,S001,S003|S002\n" +
	"E03,J01,598.5,90,90,S001,S003|S002\n" +
	"E01,J01,640,120,120,S001,\n" +
	"E04,J02,550,80,80,,S003|S002\n" +
	"E06,J03,500,80,80,,S003\n"

func TestAdmitFileMode(t *testing.T) {
	dir := admitFiles(t, map[string]string{"plan.csv": admitPlan, "apps.csv": admitApplicants})
	p := func(name string) string { return filepath.Join(dir, name) }
	code, stdout, stderr := admitRun("admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv"),
		"--out", p("results.csv"), "--tiebreak", "math,chinese", "--cutoffs", p("cutoffs.csv"), "--explain", p("explain.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "placed 5 of 6 applicants") {
		t.Errorf("stdout %q", stdout)
	}
	// Batch 1 (S001: one quota seat for J01 at 600+, one general seat):
	// E01 640 takes the quota seat; E02 and E05 tie at 612, E02 is ahead on math
	// (the first tie-break) and takes the general seat; E05 (J01) finds the quota
	// seat gone; E03 is under 600 and the general seat is gone.
	// Batch 2 in rank order E05, E03, E04, E06: E05 S002; E03 S003 (over 550.5);
	// E04 under 550.5 at S003, takes S002's last seat; E06 under the line.
	wantResults := "exam_no,batch,school,seat\n" +
		"E01,1,S001,quota\n" +
		"E02,1,S001,general\n" +
		"E03,2,S003,general\n" +
		"E04,2,S002,general\n" +
		"E05,2,S002,general\n" +
		"E06,,,\n"
	if got := admitReadFile(t, p("results.csv")); got != wantResults {
		t.Errorf("results:\n%s\nwant:\n%s", got, wantResults)
	}
	wantCutoffs := "batch,school,junior,places,admitted,lowest_total\n" +
		"1,S001,J01,1,1,640\n" +
		"1,S001,,1,1,612\n" +
		"2,S002,,2,2,550\n" +
		"2,S003,,1,1,598.5\n"
	if got := admitReadFile(t, p("cutoffs.csv")); got != wantCutoffs {
		t.Errorf("cutoffs:\n%s\nwant:\n%s", got, wantCutoffs)
	}
	explain := admitReadFile(t, p("explain.csv"))
	for _, want := range []string{
		"E05,被 S002 录取（第 2 批次，统招名额）,\"admitted to S002 (batch 2, general seat)\"",
		"not admitted to S001 (batch 1): quota for J01: the last place went to 640.0; general places: the last place went to 612.0 (same total, ranked ahead of you by the tie-break rules); your total is 612.0",
		"not admitted to S003 (batch 2): its minimum score is 550.5; your total is 500.0",
	} {
		if !strings.Contains(explain, want) {
			t.Errorf("explanations lack %q:\n%s", want, explain)
		}
	}

	// Without tie-breaks E02 and E05 are ordered by exam number, and the run
	// is byte-identical when repeated.
	for _, out := range []string{"again1.csv", "again2.csv"} {
		if code, _, stderr := admitRun("admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv"), "--out", p(out)); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	a1, a2 := admitReadFile(t, p("again1.csv")), admitReadFile(t, p("again2.csv"))
	if a1 != a2 {
		t.Error("two runs differ")
	}
	if !strings.Contains(a1, "E02,1,S001,general\n") {
		t.Errorf("E02 < E05 should take the general seat:\n%s", a1)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(names) > 0 {
		t.Errorf("temporary files left: %v", names)
	}
}

func TestAdmitBadInput(t *testing.T) {
	const plan = "batch,school,junior,places,min_score\n1,S001,,2,\n2,S002,,2,\n"
	const appsHead = "exam_no,junior,total,chinese,b1,b2\n"
	tests := []struct {
		name       string
		plan, apps string
		extra      []string
		file       string // "plan.csv" or "apps.csv"
		row        string // "row N"
		column     string
	}{
		{"unknown school in a choice", plan, appsHead + "E1,J1,600,90,S001,\nE2,J1,590,90,S001,S009\n", nil, "apps.csv", "row 3", "column b2"},
		{"school of another batch", plan, appsHead + "E1,J1,600,90,S002,\n", nil, "apps.csv", "row 2", "column b1"},
		{"duplicate exam_no", plan, appsHead + "E1,J1,600,90,,\nE2,J1,600,90,,\nE1,J2,500,90,,\n", nil, "apps.csv", "row 4", "column exam_no"},
		{"non-numeric total", plan, appsHead + "E1,J1,six hundred,90,,\n", nil, "apps.csv", "row 2", "column total"},
		{"non-numeric tie-break", plan, appsHead + "E1,J1,600,ninety,,\n", []string{"--tiebreak", "chinese"}, "apps.csv", "row 2", "column chinese"},
		{"non-numeric min_score", "batch,school,junior,places,min_score\n1,S001,,2,abc\n", appsHead, nil, "plan.csv", "row 2", "column min_score"},
		{"choice column for a batch with no plan rows", plan, "exam_no,junior,total,b1,b2,b3\n", nil, "apps.csv", "row 1", "column b3"},
		{"negative places", "batch,school,junior,places,min_score\n1,S001,,2,\n2,S002,,-1,\n", appsHead, nil, "plan.csv", "row 3", "column places"},
		{"missing plan column", "batch,school,places,min_score\n1,S001,2,\n", appsHead, nil, "plan.csv", "row 1", "column junior"},
		{"missing applicant column", plan, "exam_no,total,b1,b2\n", nil, "apps.csv", "row 1", "column junior"},
		{"missing choice column", plan, "exam_no,junior,total,b1\n", nil, "apps.csv", "row 1", "column b2"},
		{"unknown --tiebreak column", plan, appsHead, []string{"--tiebreak", "chinese,maths"}, "apps.csv", "row 1", "column maths"},
		{"bad batch number in the plan", "batch,school,junior,places,min_score\n1,S001,,2,\nsecond,S002,,2,\n", appsHead, nil, "plan.csv", "row 3", "column batch"},
		{"zero batch in the plan", "batch,school,junior,places,min_score\n0,S001,,2,\n", appsHead, nil, "plan.csv", "row 2", "column batch"},
		{"bad batch number in a column name", plan, "exam_no,junior,total,b1,b2,b0\n", nil, "apps.csv", "row 1", "column b0"},
		{"empty exam_no", plan, appsHead + " ,J1,600,90,,\n", nil, "apps.csv", "row 2", "column exam_no"},
		{"school listed twice", plan, appsHead + "E1,J1,600,90,S001|S001,\n", nil, "apps.csv", "row 2", "column b1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := admitFiles(t, map[string]string{"plan.csv": tt.plan, "apps.csv": tt.apps})
			out, cut := filepath.Join(dir, "out.csv"), filepath.Join(dir, "cut.csv")
			args := append([]string{"admit", "--plan", filepath.Join(dir, "plan.csv"), "--applicants", filepath.Join(dir, "apps.csv"),
				"--out", out, "--cutoffs", cut}, tt.extra...)
			code, _, stderr := admitRun(args...)
			if code == 0 {
				t.Fatalf("exit 0 for bad input")
			}
			for _, want := range []string{filepath.Join(dir, tt.file), tt.row, tt.column} {
				if !strings.Contains(stderr, want) {
					t.Errorf("message %q does not mention %q", stderr, want)
				}
			}
			for _, f := range []string{out, cut} {
				if _, err := os.Stat(f); !os.IsNotExist(err) {
					t.Errorf("%s was written", f)
				}
			}
			if names, _ := filepath.Glob(filepath.Join(dir, ".*")); len(names) > 0 {
				t.Errorf("temporary files left: %v", names)
			}
		})
	}
}

func TestAdmitUsage(t *testing.T) {
	dir := admitFiles(t, map[string]string{"plan.csv": admitPlan, "apps.csv": admitApplicants})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admit", "-h"}, 0, "usage: edubureau admit"},
		{[]string{"admit", "--applicants", p("apps.csv"), "--out", p("o.csv")}, 2, "--plan is required"},
		{[]string{"admit", "--plan", p("plan.csv"), "--out", p("o.csv")}, 2, "--applicants is required"},
		{[]string{"admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv")}, 2, "--out is required"},
		{[]string{"admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv"), "--out", p("apps.csv")}, 2, "named twice"},
		{[]string{"admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv"), "--out", p("o.csv"), "--tiebreak", "math,,chinese"}, 2, "empty column"},
		{[]string{"admit", "--plan", p("nope.csv"), "--applicants", p("apps.csv"), "--out", p("o.csv")}, 1, "nope.csv"},
	}
	for _, tt := range tests {
		code, _, stderr := admitRun(tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q", tt.args, code, tt.code, stderr)
		}
	}
	if _, err := os.Stat(p("o.csv")); !os.IsNotExist(err) {
		t.Error("output written by a failed run")
	}
}

// admitSyntheticFiles writes a synthetic cohort of n applicants as PLAN.csv and APPLICANTS.csv.
func admitSyntheticFiles(b *testing.B, n int) (dir string, tiebreaks []string) {
	plan, apps, tbs := admission.SyntheticCohort(n, 1)
	dir = b.TempDir()
	write := func(name string, fn func(*bytes.Buffer) error) {
		var buf bytes.Buffer
		if err := fn(&buf); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("plan.csv", func(w *bytes.Buffer) error { return admission.WritePlan(w, plan) })
	write("apps.csv", func(w *bytes.Buffer) error { return admission.WriteApplicants(w, apps, tbs, admission.Batches(plan)) })
	return dir, tbs
}

func benchmarkAdmitFileMode(b *testing.B, n int, limit time.Duration) {
	dir, tbs := admitSyntheticFiles(b, n)
	p := func(name string) string { return filepath.Join(dir, name) }
	b.ResetTimer()
	for b.Loop() {
		code, _, stderr := admitRun("admit", "--plan", p("plan.csv"), "--applicants", p("apps.csv"),
			"--out", p("results.csv"), "--cutoffs", p("cutoffs.csv"), "--tiebreak", strings.Join(tbs, ","))
		if code != 0 {
			b.Fatalf("exit %d: %s", code, stderr)
		}
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/limit.Seconds(), "x-of-limit")
}

// BenchmarkAdmitFileMode100k runs `edubureau admit` end to end on 100,000
// applicants (300 schools, 3 batches, 12 choices per batch) against 5 s.
func BenchmarkAdmitFileMode100k(b *testing.B) {
	benchmarkAdmitFileMode(b, 100_000, 5*time.Second)
}

// BenchmarkAdmitFileMode1M does the same for 1,000,000 applicants against
// 10 s. Generating the files takes a while, so it runs only when -bench
// names it explicitly (e.g. -bench 'AdmitFileMode1M').
func BenchmarkAdmitFileMode1M(b *testing.B) {
	if f := flag.Lookup("test.bench"); f == nil || !strings.Contains(f.Value.String(), "1M") {
		b.Skip("run with -bench AdmitFileMode1M")
	}
	benchmarkAdmitFileMode(b, 1_000_000, 10*time.Second)
}
