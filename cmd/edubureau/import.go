package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/config"
	"edubureau/db"
	"edubureau/enrol"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
)

func init() {
	register(&command{
		name:    "import",
		summary: "bulk import from CSV or Excel, no row limit: import KIND FILE | import template KIND (" + importKinds + ")",
		run:     runImport,
	})
}

// importKinds are the kinds the command imports, in the bureau's words.
const importKinds = "students|schools|zhongkao|senior-plans"

const importUsage = `usage: edubureau import students|schools FILE [--school CODE] [--dry-run] [--valid-only] [--report FILE.xlsx] [--db DSN]
       edubureau import senior-plans FILE --year YEAR [--school CODE] [--dry-run] [--report FILE.xlsx] [--db DSN]
       edubureau import zhongkao FILE --year YEAR [--tiebreak SUBJECTS] [--dry-run] [--report FILE.xlsx] [--db DSN]
       edubureau import template students|schools|zhongkao|senior-plans > template.xlsx

Import a CSV (UTF-8 with or without BOM, or GBK) or an Excel .xlsx file, of any
size. Columns are matched by their header, in Chinese or English; download
the template to see them. Every row is checked; problems are printed by row
and column, and written with the rows they concern to a report (.xlsx).

By default nothing is written if any row has a problem (all or nothing);
--valid-only writes the valid rows and reports the rest. --dry-run checks
everything, the database included, and writes nothing. Importing the same
file again changes nothing; a corrected file updates. Ctrl-C stops the
import and nothing is written.

The admission office's kinds are one whole each, imported all or nothing, for
the year of entry --year: senior-plans is a year's senior-high plans (the
columns of the file mode's PLAN.csv: batch, school, junior, places,
min_score); zhongkao is a year's 中考 cohort (exam number, junior school, ID
number, name, total, subject scores, choices b1, b2, … as S001|S002), with
--tiebreak naming the tie-break subjects in the city's order (e.g.
语文,数学,英语 or chinese,math,english). Import the plans first: a choice is
checked against them.

Exit status: 0 when every row was imported (or, with --dry-run, is valid),
1 when any row was refused or the file could not be read, 2 for a mistake in
the command line. Students and the 中考 cohort need the key for personal data
(EDUBUREAU_KEY or --key-file).
`

func runImport(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stderr, importUsage)
		if len(args) == 0 {
			return usageError{errors.New("say what to import: " + importKinds + " (or template)")}
		}
		return flag.ErrHelp
	}
	if args[0] == "template" {
		return importTemplate(args[1:], e)
	}
	return importFile(ctx, args[0], args[1:], e)
}

// importKind builds a kind on the database (nil for its description
// only); students and the 中考 cohort need the keyring.
func importKind(ctx context.Context, name string, d *db.DB, log *audit.Log, ring *pii.Keyring) (importer.Kind, error) {
	switch name {
	case "schools":
		if d == nil {
			return school.ImportKind{}, nil
		}
		schools := school.New(d)
		schools.Audit = log
		return school.ImportKind{Registry: schools}, nil
	case "students":
		if d == nil || ring == nil {
			return student.ImportKind{}, nil
		}
		reg := student.New(d, ring)
		reg.Audit = log
		reg.Schools.Audit = log
		return student.ImportKind{Registry: reg}, nil
	case "zhongkao", "senior-plans":
		var o *enrol.Office
		if d != nil {
			j, err := area.StoredJurisdiction(ctx, d)
			if err != nil {
				return nil, err
			}
			schools := school.New(d)
			schools.Audit = log
			o = enrol.New(d, schools, ring, j)
			o.Audit = log
		}
		if name == "zhongkao" {
			return enrol.ZhongkaoKind{Office: o}, nil
		}
		return enrol.SeniorPlanKind{Office: o}, nil
	}
	return nil, usageError{fmt.Errorf("unknown kind %q: %s", name, strings.ReplaceAll(importKinds, "|", ", "))}
}

func importTemplate(args []string, e env) error {
	if len(args) != 1 {
		fmt.Fprint(e.stderr, importUsage)
		return usageError{errors.New("usage: edubureau import template " + importKinds + " > template.xlsx")}
	}
	k, err := importKind(context.Background(), args[0], nil, nil, nil)
	if err != nil {
		return err
	}
	if f, ok := e.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return usageError{errors.New("the template is an Excel file: redirect it, e.g. edubureau import template " + args[0] + " > template.xlsx")}
	}
	return importer.WriteTemplate(e.stdout, k.Spec())
}

func importFile(ctx context.Context, kindName string, args []string, e env) error {
	fs := newFlagSet("import "+kindName, "FILE [--school CODE] [--dry-run] [--valid-only] [--report FILE.xlsx] [--db DSN]", e)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, importUsage+"\n")
		fs.PrintDefaults()
	}
	cl := config.Flags(fs, e.getenv, "db", "key-file")
	schoolCode := fs.String("school", "", "the school the file is for: rows may leave the school empty, rows of other schools are refused")
	dryRun := fs.Bool("dry-run", false, "check everything and write nothing")
	validOnly := fs.Bool("valid-only", false, "write the valid rows even when others are refused (default: all or nothing)")
	reportPath := fs.String("report", "", "where to write the report of refused rows (default: FILE's name + .problems.xlsx in the current directory)")
	lang := fs.String("lang", "zh", "language of the messages: zh or en")
	described, err := importKind(ctx, kindName, nil, nil, nil)
	if err != nil {
		return err
	}
	spec := described.Spec()
	params := map[string]*string{}
	for _, p := range spec.Params {
		params[p.Key] = fs.String(p.Key, "", p.Note.EN+" (e.g. "+p.Example+")")
	}
	file, err := parseWithOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, p := range spec.Params {
		values[p.Key] = strings.TrimSpace(*params[p.Key])
		if p.Required && values[p.Key] == "" {
			return usageError{fmt.Errorf("import %s: --%s is required", kindName, p.Key)}
		}
	}
	if spec.Whole && *validOnly {
		return usageError{fmt.Errorf("import %s: the file is one whole, imported all or nothing: --valid-only does not apply", kindName)}
	}
	l := i18n.ParseLang(*lang)
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	src, err := importer.FileSource(file)
	if err != nil {
		return exitCode{1, err}
	}
	if *reportPath == "" {
		*reportPath = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + ".problems.xlsx"
	}
	// Imports stream: a soft memory target keeps the process small whatever
	// the file's size (SQLite's own memory comes on top of it).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
	var ring *pii.Keyring
	if kindName == "students" || kindName == "zhongkao" {
		if ring, err = loadKeyring(cfg, e, false, sqlitePath(cfg.DB)); err != nil {
			return err
		}
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	log := audit.New(d)
	kind, err := importKind(ctx, kindName, d, log, ring)
	if err != nil {
		return err
	}
	by := "cli"
	if u := e.getenv("USER"); u != "" {
		by = "cli:" + u
	}
	mode := importer.AllOrNothing
	if *validOnly {
		mode = importer.ValidOnly
	}
	bar := newProgressBar(e.stderr)
	opt := importer.Options{Mode: mode, DryRun: *dryRun, School: *schoolCode, Params: values, Progress: func(p importer.Progress) {
		label := p.Phase.Label().In(l)
		if p.Phase == importer.PhaseRead && p.Total > 0 {
			shift := 0 // bytes, or KB for a file too big for an int on a 32-bit platform
			if p.Total >= 1<<31 {
				shift = 10
			}
			bar.Update(label, int(p.Bytes>>shift), int(p.Total>>shift))
			return
		}
		bar.Update(label, int(p.Rows), int(p.Rows))
	}}
	svc := importer.New(d, log, "")
	res, err := svc.Run(ctx, importer.Request{Kind: kind, Source: src, Options: opt, Actor: audit.Actor{Username: by},
		Scope: scope.Everything, Via: "cli", ReportPath: *reportPath, Lang: l})
	bar.Done()
	if err != nil {
		return err
	}
	printImport(e, res, l)
	if (res.Status == importer.Done || res.Status == importer.Checked) && res.Refused == 0 && !blocked(res) {
		return nil
	}
	return exitCode{1, nil}
}

// blocked reports a problem of the file as a whole (not a warning).
func blocked(res importer.Result) bool {
	for _, p := range res.Problems {
		if p.Row == 0 && !p.Warning {
			return true
		}
	}
	return false
}

// printImport writes the outcome: the figures, the first problems and where the report is.
func printImport(e env, res importer.Result, l i18n.Lang) {
	w := e.stdout
	if res.Format != "" {
		fmt.Fprintf(w, "%s: %s\n", res.File, res.Format)
	}
	fmt.Fprintln(w, res.Summary(l))
	const shown = 20
	for i, p := range res.Problems {
		if i == shown {
			break
		}
		line := p.In(l)
		if p.Warning {
			line = i18n.T("提示：", "note: ").In(l) + line
		}
		fmt.Fprintln(w, "  "+line)
	}
	if more := res.ProblemCount - int64(min(len(res.Problems), shown)); more > 0 {
		fmt.Fprintln(w, "  "+i18n.T("……另有 %d 个问题", "… and %d more problems", more).In(l))
	}
	if res.Report != "" {
		fmt.Fprintln(w, i18n.T("未导入的行及其问题已写入 %s", "the refused rows and their problems are in %s", res.Report).In(l))
	}
	if res.DryRun {
		fmt.Fprintln(w, i18n.T("（仅检查，没有写入任何数据）", "(a dry run: nothing was written)").In(l))
	}
}
