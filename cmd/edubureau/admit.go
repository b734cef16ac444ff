package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"edubureau/admission"
	"edubureau/i18n"
)

func init() {
	register(&command{
		name:    "admit",
		summary: "place 中考 applicants by batches (平行志愿) from CSV files, without a database",
		run:     runAdmit,
	})
}

const admitUsageLine = "--plan PLAN.csv --applicants APPLICANTS.csv --out RESULTS.csv [--tiebreak col1,col2,…] [--cutoffs CUTOFFS.csv] [--explain EXPLAIN.csv]"

const admitRules = `Place 中考 applicants by batches (平行志愿, 指标到校) from CSV files, without a database.

Batches run in ascending order. In each batch the applicants not yet placed are
taken by total (descending), then each --tiebreak column (descending, in the
order given), then exam_no (ascending, bytewise). Each in turn is placed at the
first school of their list for that batch that has a seat for them: first that
school's quota rows for their own junior school, then its general rows, each in
plan order, a row having a seat when it is not full and its min_score (if any)
is met. A placed applicant leaves the later batches.

RESULTS.csv: exam_no,batch,school,seat (quota or general; empty when not placed),
sorted by exam_no. CUTOFFS.csv: batch,school,junior,places,admitted,lowest_total,
one row per plan row in plan order. Any error in the input files stops the run
with the file, row (line of the file; the header is row 1) and column, and
nothing is written.`

func runAdmit(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admit", admitUsageLine, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau admit %s\n\n%s\n\n", admitUsageLine, admitRules)
		fs.PrintDefaults()
	}
	planPath := fs.String("plan", "", "the enrolment plan: columns batch,school,junior,places,min_score (junior empty for a general row)")
	appsPath := fs.String("applicants", "", "the applicants: columns exam_no,junior,total, tie-break columns, and b<batch> per batch (choices separated by |)")
	outPath := fs.String("out", "", "where to write the results: exam_no,batch,school,seat")
	tiebreak := fs.String("tiebreak", "", "applicant columns that break ties in total, in order, each compared descending (e.g. chinese,math)")
	cutoffsPath := fs.String("cutoffs", "", "optional: where to write each plan row's admitted count and lowest total")
	explainPath := fs.String("explain", "", "optional: where to write each student's explanation in Chinese and English (exam_no,zh,en)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	for _, f := range []struct{ name, val string }{{"plan", *planPath}, {"applicants", *appsPath}, {"out", *outPath}} {
		if f.val == "" {
			return usageError{fmt.Errorf("--%s is required", f.name)}
		}
	}
	var tiebreaks []string
	if strings.TrimSpace(*tiebreak) != "" {
		for _, c := range strings.Split(*tiebreak, ",") {
			if c = strings.TrimSpace(c); c == "" {
				return usageError{fmt.Errorf("--tiebreak %q has an empty column name", *tiebreak)}
			}
			tiebreaks = append(tiebreaks, c)
		}
	}
	outputs := []admitOutput{{*outPath, nil}, {*cutoffsPath, nil}, {*explainPath, nil}}
	if err := admitCheckPaths([]string{*planPath, *appsPath}, []string{*outPath, *cutoffsPath, *explainPath}); err != nil {
		return usageError{err}
	}

	// A run is one batch job whose data stay live to the end: collecting
	// garbage less often saves a good part of the time for a small cost in
	// memory (unless the operator chose GOGC).
	if e.getenv == nil || e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(300))
	}

	plan, planLines, err := admitRead(*planPath, func(r io.Reader) ([]admission.PlanRow, []int, error) {
		return admission.ReadPlan(r, *planPath)
	})
	if err != nil {
		return err
	}
	apps, appLines, err := admitRead(*appsPath, func(r io.Reader) ([]admission.Applicant, []int, error) {
		return admission.ReadApplicants(r, *appsPath, admission.Batches(plan), tiebreaks)
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := admission.Place(plan, apps)
	if err != nil {
		// Point at the file, row and column the problem came from.
		var ie *admission.InputError
		if errors.As(err, &ie) {
			switch {
			case ie.Applicant >= 0:
				col := ie.Field
				var k int
				if _, scanErr := fmt.Sscanf(col, "tiebreak[%d]", &k); scanErr == nil && k < len(tiebreaks) {
					col = tiebreaks[k]
				}
				return &admission.CSVError{File: *appsPath, Row: appLines[ie.Applicant], Column: col, Msg: ie.Msg}
			case ie.PlanRow >= 0:
				return &admission.CSVError{File: *planPath, Row: planLines[ie.PlanRow], Column: ie.Field, Msg: ie.Msg}
			}
		}
		return err
	}

	outputs[0].write = func(w io.Writer) error { return admission.WriteResults(w, &res) }
	outputs[1].write = func(w io.Writer) error { return admission.WriteCutoffs(w, &res) }
	outputs[2].write = func(w io.Writer) error { return admission.WriteExplanations(w, &res) }
	if err := admitWriteAll(outputs, false); err != nil {
		return err
	}
	placed := 0
	for _, o := range res.Outcomes {
		if o.Placed() {
			placed++
		}
	}
	fmt.Fprintln(e.stdout, i18n.T("已录取 %d 名考生，共 %d 名；结果已写入 %s",
		"placed %d of %d applicants; results written to %s", placed, len(apps), *outPath).String())
	return nil
}

// admitRead opens a file and parses it with read.
func admitRead[T any](path string, read func(io.Reader) ([]T, []int, error)) ([]T, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return read(f)
}

// admitCheckPaths refuses an output that would overwrite an input or another output.
func admitCheckPaths(inputs, outputs []string) error {
	seen := map[string]bool{}
	for _, p := range inputs {
		if abs, err := filepath.Abs(p); err == nil {
			seen[abs] = true
		}
	}
	for _, p := range outputs {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if seen[abs] {
			return fmt.Errorf("%s is named twice among the input and output files", p)
		}
		seen[abs] = true
	}
	return nil
}

// admitOutput is one file a command writes; an empty path means "not asked for".
type admitOutput struct {
	path  string
	write func(io.Writer) error
}

// admitWriteAll writes every output to a temporary file beside it and moves
// them into place only when all were written, so that a failure leaves no
// partial output. With noClobber an existing file is never replaced: the
// temporary file is hard-linked to the final name, which fails if it exists.
func admitWriteAll(outputs []admitOutput, noClobber bool) (err error) {
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if noClobber {
			if _, statErr := os.Lstat(o.path); statErr == nil {
				return fmt.Errorf("%s already exists; published results are never overwritten, choose another file", o.path)
			}
		}
		f, err := os.CreateTemp(filepath.Dir(o.path), "."+filepath.Base(o.path)+".*.tmp")
		if err != nil {
			return err
		}
		temps = append(temps, f.Name())
		bw := bufio.NewWriterSize(f, 1<<20)
		err = o.write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = f.Chmod(0o644)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.path, err)
		}
	}
	i := 0
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if noClobber {
			if err := os.Link(temps[i], o.path); err != nil {
				if errors.Is(err, os.ErrExist) {
					return fmt.Errorf("%s already exists; published results are never overwritten, choose another file", o.path)
				}
				return err
			}
		} else if err := os.Rename(temps[i], o.path); err != nil {
			return err
		}
		i++
	}
	return nil
}
