package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"edubureau/audit"
	"edubureau/config"
	"edubureau/db"
	"edubureau/i18n"
)

func init() {
	register(&command{
		name:    "audit",
		summary: "check the audit log's hash chain, or purge entries past retention: audit verify|purge",
		run:     runAudit,
	})
}

const auditUsage = `usage: edubureau audit verify [--db DSN]
       edubureau audit purge --before YYYY-MM-DD [--db DSN] [--audit-retention DURATION]

verify walks the audit log's hash chain and says "audit log intact" (exit 0) or
names the first altered, deleted or inserted entry (exit 1).
purge removes the entries recorded before the given day (00:00 China Standard
Time); entries younger than the retention period (at least 180 days) are never
purged. The chain stays verifiable, and the purge is itself recorded.
`

func runAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, auditUsage)
		return usageError{errors.New("a subcommand is needed: verify or purge")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, auditUsage)
		return flag.ErrHelp
	case "verify":
		return auditVerify(ctx, args[1:], e)
	case "purge":
		return auditPurge(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, auditUsage)
	return usageError{fmt.Errorf("unknown subcommand %q: verify or purge", args[0])}
}

func auditFlagSet(sub, usage, about string, e env) *flag.FlagSet {
	fs := newFlagSet("audit "+sub, usage, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau audit %s %s\n\n%s\n\n", sub, usage, about)
		fs.PrintDefaults()
	}
	return fs
}

// openAudit opens (and migrates) the database of the loaded settings.
func openAudit(ctx context.Context, cl *config.Loader, fs *flag.FlagSet) (*audit.Log, func(), error) {
	cfg, err := cl.Load()
	if err != nil {
		return nil, nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	l := audit.New(d)
	l.Retention = cfg.AuditRetention
	return l, func() { d.Close() }, nil
}

func auditVerify(ctx context.Context, args []string, e env) error {
	fs := auditFlagSet("verify", "[--db DSN]",
		"Walk the audit log's hash chain from its start (or the last purge) to its head; exit 0 when intact,\n1 naming the first altered, deleted or inserted entry.", e)
	cl := config.Flags(fs, e.getenv, "db")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	l, done, err := openAudit(ctx, cl, fs)
	if err != nil {
		return err
	}
	defer done()
	r, err := l.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, r.Message().EN)
	if r.Problem != nil {
		fmt.Fprintln(e.stdout, r.Message().ZH)
		fmt.Fprintf(e.stdout, "  %s (%s)\n", r.Problem.Reason.EN, r.Problem.Reason.ZH)
		return exitCode{1, nil}
	}
	if r.Anchor > 0 {
		fmt.Fprintf(e.stdout, "  verified from the purge anchor at seq %d\n", r.Anchor)
	}
	return nil
}

func auditPurge(ctx context.Context, args []string, e env) error {
	fs := auditFlagSet("purge", "--before YYYY-MM-DD [--db DSN] [--audit-retention DURATION]",
		"Remove the audit entries recorded before the given day (00:00 China Standard Time). Days within\nthe retention period (at least 180 days) are refused. The chain stays verifiable and the purge is recorded.", e)
	before := fs.String("before", "", "remove entries recorded before this day, YYYY-MM-DD (China Standard Time)")
	cl := config.Flags(fs, e.getenv, "db", "audit-retention")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *before == "" {
		return usageError{errors.New("--before YYYY-MM-DD is required")}
	}
	day, err := time.ParseInLocation(time.DateOnly, *before, cst)
	if err != nil {
		return usageError{fmt.Errorf("--before %q is not a date YYYY-MM-DD", *before)}
	}
	l, done, err := openAudit(ctx, cl, fs)
	if err != nil {
		return err
	}
	defer done()
	by := "cli"
	if u := e.getenv("USER"); u != "" {
		by = "cli:" + u
	}
	n, err := l.Purge(ctx, day, by)
	if err != nil {
		return exitCode{1, err}
	}
	fmt.Fprintln(e.stdout, i18n.T("已清除 %d 条 %s 之前的审计记录；审计链仍可校验", "purged %d audit entries recorded before %s; the chain stays verifiable",
		n, *before).String())
	return nil
}

// cst is China Standard Time (UTC+8, no daylight saving since 1991).
var cst = time.FixedZone("CST", 8*3600)
