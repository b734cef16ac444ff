package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/config"
	"edubureau/db"
	"edubureau/i18n"
	"edubureau/mail"
	"edubureau/scope"
)

func init() {
	register(&command{
		name:    "cases",
		summary: "casework from the command line: cases escalate | remind (daily cron jobs) | cases list [--overdue]",
		run:     runCases,
	})
}

const casesUsage = `usage: edubureau cases escalate [--db DSN]
       edubureau cases remind [--db DSN] [--smtp-host H …] [--dry-run]
       edubureau cases list [--db DSN] [--overdue]

escalate takes the escalation step (逾期升级督办) on every open case that is
past its deadline and whose type escalates (assigned tasks), once per case,
and prints how many it escalated. Run it daily from cron, e.g.
  15 0 * * *  edubureau cases escalate --db postgres://…
remind sends each user with an e-mail address one digest of their cases that
are overdue or due within 3 working days and of the escalated tasks they handle
or their section owns — at most one a day, however often it runs. Run it daily
after escalate, e.g.
  30 7 * * 1-5  edubureau cases remind --db postgres://…   (SMTP settings in EDUBUREAU_SMTP_*)
--dry-run prints the digests instead of sending them.
list prints the open cases by deadline (those with no period running last);
--overdue only those past their deadline.
`

func runCases(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, casesUsage)
		return usageError{errors.New("a subcommand is needed: escalate, remind or list")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, casesUsage)
		return flag.ErrHelp
	case "escalate":
		return casesEscalate(ctx, args[1:], e)
	case "list":
		return casesList(ctx, args[1:], e)
	case "remind":
		return casesRemind(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, casesUsage)
	return usageError{fmt.Errorf("unknown subcommand %q: escalate, remind or list", args[0])}
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
	d, eng, _, err := openCasesConfig(ctx, fs, cl, args)
	return d, eng, err
}

// openCasesConfig is openCases, also returning the configuration loaded.
func openCasesConfig(ctx context.Context, fs *flag.FlagSet, cl *config.Loader, args []string) (*db.DB, *casework.Engine, config.Config, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, config.Config{}, err
	}
	if fs.NArg() > 0 {
		return nil, nil, config.Config{}, usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	cfg, err := cl.Load()
	if err != nil {
		return nil, nil, config.Config{}, usageError{err}
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, config.Config{}, err
	}
	eng, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		d.Close()
		return nil, nil, config.Config{}, err
	}
	eng.Audit = audit.New(d)
	cal, err := calendar.HolderFor(d).Calendar(ctx)
	if err != nil {
		d.Close()
		return nil, nil, config.Config{}, err
	}
	eng.Calendar = func() *calendar.Calendar { return cal }
	return d, eng, cfg, nil
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

// openCaseList reads every open case (or every overdue one), by deadline.
func openCaseList(ctx context.Context, eng *casework.Engine, overdue bool) ([]casework.Case, error) {
	list := eng.AllOpen
	if overdue {
		list = eng.Overdue
	}
	var out []casework.Case
	for page := 1; ; page++ {
		p, err := list(ctx, scope.Everything, page, casework.MaxPerPage)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if len(p.Items) < p.PerPage {
			return out, nil
		}
	}
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func casesRemind(ctx context.Context, args []string, e env) error {
	fs := casesFlagSet("remind", "[--db DSN] [--smtp-host H] [--smtp-port N] [--smtp-user U] [--smtp-from ADDR] [--smtp-tls MODE] [--public-url URL] [--dry-run]",
		"E-mail each user (with an address) one digest of their overdue cases, those due within 3 working days, and escalated tasks; once a day.", e)
	cl := config.Flags(fs, e.getenv, "db", "smtp-host", "smtp-port", "smtp-user", "smtp-password", "smtp-from", "smtp-tls", "public-url")
	dry := fs.Bool("dry-run", false, "print the digests instead of sending them (nothing is recorded)")
	d, eng, cfg, err := openCasesConfig(ctx, fs, cl, args)
	if err != nil {
		return err
	}
	defer d.Close()
	if !*dry && !cfg.Mail().Configured() {
		return usageError{errors.New("SMTP is not configured: set --smtp-host and --smtp-from (EDUBUREAU_SMTP_HOST, EDUBUREAU_SMTP_FROM), or use --dry-run")}
	}
	svc := auth.New(d)
	var users []auth.User
	for page := 1; ; page++ {
		p, err := svc.ListUsers(ctx, auth.UserFilter{Status: "active", Page: page, PerPage: auth.MaxUsersPerPage})
		if err != nil {
			return exitCode{1, err}
		}
		users = append(users, p.Items...)
		if len(p.Items) < p.PerPage {
			break
		}
	}
	if *dry {
		n := 0
		for _, u := range users {
			if !u.Can(auth.CaseView) {
				continue
			}
			r, err := eng.RemindersFor(ctx, u.ID, u.Section, u.Scope())
			if err != nil {
				return exitCode{1, err}
			}
			if r.Count() == 0 {
				continue
			}
			n++
			subject, body := eng.Digest(r, u.Username, cfg.PublicURL)
			to := u.Email
			if to == "" {
				to = "(no e-mail address)"
			}
			fmt.Fprintf(e.stdout, "To: %s <%s>\nSubject: %s\n\n%s\n", u.Username, to, subject, body)
		}
		fmt.Fprintf(e.stdout, "%d digests (dry run: nothing sent or recorded)\n", n)
		return nil
	}
	mc := cfg.Mail()
	send := func(to, subject, body string) error {
		return mail.Send(ctx, mc, mail.Message{To: to, Subject: subject, Body: body})
	}
	rep, err := eng.SendReminders(ctx, users, send, cfg.PublicURL, caseOperator(e))
	if err != nil {
		return exitCode{1, err}
	}
	fmt.Fprintln(e.stdout, i18n.T("已发送 %d 份提醒；今日已发送过 %d 人，无待办 %d 人，未登记邮箱 %d 人，发送失败 %d 人（%s）",
		"sent %d digests; %d already sent today, %d with nothing due, %d without an e-mail address, %d failed (%s)",
		rep.Sent, rep.AlreadySent, rep.Nothing, rep.NoAddress, rep.Failed, eng.Today()).String())
	for _, f := range rep.Failures {
		fmt.Fprintln(e.stderr, "failed: "+f)
	}
	if rep.Failed > 0 {
		return exitCode{1, fmt.Errorf("%d digests could not be sent; run again to retry them", rep.Failed)}
	}
	return nil
}
