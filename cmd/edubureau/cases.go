package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/config"
	"edubureau/db"
	"edubureau/i18n"
	"edubureau/scope"
)

func init() {
	register(&command{
		name:    "cases",
		summary: "casework from the command line: cases escalate (daily cron job) | cases list [--overdue]",
		run:     runCases,
	})
}

const casesUsage = `usage: edubureau cases escalate [--db DSN]
       edubureau cases list [--db DSN] [--overdue]

escalate takes the escalation step (逾期升级督办) on every open case that is
past its deadline and whose type escalates (assigned tasks), once per case,
and prints how many it escalated. Run it daily from cron, e.g.
  15 0 * * *  edubureau cases escalate --db postgres://…
list prints the open cases by deadline (those with no period running last);
--overdue only those past their deadline.
`

func runCases(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, casesUsage)
		return usageError{errors.New("a subcommand is needed: escalate or list")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, casesUsage)
		return flag.ErrHelp
	case "escalate":
		return casesEscalate(ctx, args[1:], e)
	case "list":
		return casesList(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, casesUsage)
	return usageError{fmt.Errorf("unknown subcommand %q: escalate or list", args[0])}
}

func casesFlagSet(sub, usage, about string, e env) *flag.FlagSet {
	fs := newFlagSet("cases "+sub, usage, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau cases %s %s\n\n%s\n\n", sub, usage, about)
		fs.PrintDefaults()
	}
	return fs
}

// openCases opens the database and builds the case engine as server.New
// does: the shipped types, the shared audit log, the stored calendar.
func openCases(ctx context.Context, fs *flag.FlagSet, cl *config.Loader, args []string) (*db.DB, *casework.Engine, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	cfg, err := cl.Load()
	if err != nil {
		return nil, nil, usageError{err}
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	eng, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	eng.Audit = audit.New(d)
	cal, err := calendar.HolderFor(d).Calendar(ctx)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	eng.Calendar = func() *calendar.Calendar { return cal }
	return d, eng, nil
}

// caseOperator is the operator at the command line: the database is theirs, so
// they reach every case; the audit log names them.
func caseOperator(e env) casework.Actor {
	by := "cli"
	if u := e.getenv("USER"); u != "" {
		by = "cli:" + u
	}
	return casework.Actor{Actor: audit.Actor{Username: by}, Can: func(p string) bool { return p == auth.CaseEdit }, Scope: scope.Everything}
}

func casesEscalate(ctx context.Context, args []string, e env) error {
	fs := casesFlagSet("escalate", "[--db DSN]",
		"Escalate every open case past its deadline whose type escalates (assigned tasks), once each; print how many.", e)
	cl := config.Flags(fs, e.getenv, "db")
	d, eng, err := openCases(ctx, fs, cl, args)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := eng.EscalateOverdue(ctx, caseOperator(e))
	if err != nil {
		return exitCode{1, fmt.Errorf("escalated %d, then: %w", n, err)}
	}
	fmt.Fprintln(e.stdout, i18n.T("已升级督办 %d 件逾期案件（%s）", "escalated %d overdue cases (%s)", n, eng.Today()).String())
	return nil
}

func casesList(ctx context.Context, args []string, e env) error {
	fs := casesFlagSet("list", "[--db DSN] [--overdue]",
		"Print the open cases by deadline; --overdue only those past it. Days left count working days (negative: overdue).", e)
	cl := config.Flags(fs, e.getenv, "db")
	overdue := fs.Bool("overdue", false, "only the cases past their deadline")
	d, eng, err := openCases(ctx, fs, cl, args)
	if err != nil {
		return err
	}
	defer d.Close()
	cases, err := openCaseList(ctx, eng, *overdue)
	if err != nil {
		return exitCode{1, err}
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NUMBER\tTYPE\tSTATE\tRECEIVED\tDUE\tLEFT (WD)\tHANDLER\tSUBJECT")
	for _, c := range cases {
		due, left := "-", "-"
		if !c.DueOn.IsZero() {
			due = c.DueOn.String()
			if c.DueProvisional {
				due += "*"
			}
			if n, _, ok := eng.Remaining(c); ok {
				left = fmt.Sprint(n)
			}
		} else if !c.StoppedSince.IsZero() {
			due = "stopped " + c.StoppedSince.String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Number, c.Type, c.State, c.ReceivedOn, due, left, c.Handler, clip(c.Subject, 40))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	what := "open"
	if *overdue {
		what = "overdue"
	}
	fmt.Fprintf(e.stdout, "%d %s cases on %s (* provisional: a year with no published calendar)\n", len(cases), what, eng.Today())
	return nil
}

// openCaseList reads every open case (or every overdue one), by deadline. The
// engine lists open cases per section, by deadline; every case belongs to
// one of the bureau's sections, so the sections together are all of them.
func openCaseList(ctx context.Context, eng *casework.Engine, overdue bool) ([]casework.Case, error) {
	var out []casework.Case
	collect := func(list func(page int) (casework.Page, error)) error {
		for page := 1; ; page++ {
			p, err := list(page)
			if err != nil {
				return err
			}
			out = append(out, p.Items...)
			if len(p.Items) < p.PerPage {
				return nil
			}
		}
	}
	if overdue {
		if err := collect(func(page int) (casework.Page, error) {
			return eng.Overdue(ctx, scope.Everything, page, casework.MaxPerPage)
		}); err != nil {
			return nil, err
		}
		return out, nil
	}
	for _, s := range auth.Sections {
		if err := collect(func(page int) (casework.Page, error) {
			return eng.ForSection(ctx, s.Code, scope.Everything, page, casework.MaxPerPage)
		}); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b casework.Case) int {
		switch {
		case a.DueOn.IsZero() != b.DueOn.IsZero():
			if a.DueOn.IsZero() {
				return 1
			}
			return -1
		case a.DueOn != b.DueOn:
			return a.DueOn.Compare(b.DueOn)
		}
		return strings.Compare(a.Number, b.Number)
	})
	return out, nil
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
