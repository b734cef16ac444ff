package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"edubureau/admission"
	"edubureau/config"
	"edubureau/db"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
)

func init() {
	register(&command{
		name:    "lottery",
		summary: "draw or verify an auditable admission lottery (电脑随机录取): lottery draw|verify",
		run:     runLottery,
	})
}

const lotteryUsage = `usage: edubureau lottery draw   --applicants FILE.csv --places N --seed TEXT --out FILE.csv
       edubureau lottery verify --applicants FILE.csv --places N --seed TEXT --results FILE.csv
       edubureau lottery verify --lottery ID [--db DSN]

The draw is fixed by a seed announced before it and by the frozen applicant list:
each application's key is SHA-256(seed, a zero byte, id); applications are ranked
by key ascending; the first N are admitted, the rest form the waiting list in order
(docs/lottery.md). "verify" recomputes a published draw and says MATCH (exit 0) or
names the first differing row (exit 1): from files, or a lottery drawn in the
database (--lottery, its id as the admission pages show it).
`

func runLottery(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, lotteryUsage)
		return usageError{errors.New("a subcommand is needed: draw or verify")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, lotteryUsage)
		return flag.ErrHelp
	case "draw":
		return lotteryDraw(ctx, args[1:], e)
	case "verify":
		return lotteryVerify(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, lotteryUsage)
	return usageError{fmt.Errorf("unknown subcommand %q: draw or verify", args[0])}
}

// lotteryFlags are the flags draw and verify share.
type lotteryFlags struct {
	applicants, seed string
	places           int
}

func lotteryFlagSet(sub, usage, about string, e env, lf *lotteryFlags) *flag.FlagSet {
	fs := newFlagSet("lottery "+sub, usage, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau lottery %s %s\n\n%s\n\n", sub, usage, about)
		fs.PrintDefaults()
	}
	fs.StringVar(&lf.applicants, "applicants", "", "the frozen applicant list: a CSV file with a column id")
	fs.IntVar(&lf.places, "places", 0, "the number of places N: the first N in the draw are admitted")
	fs.StringVar(&lf.seed, "seed", "", "the seed announced before the draw, used exactly as given (UTF-8, not trimmed)")
	return fs
}

// check validates the shared flags after parsing.
func (lf *lotteryFlags) check(fs *flag.FlagSet, outFlag, outVal string) error {
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"applicants", "places", "seed", outFlag} {
		if !set[name] {
			return usageError{fmt.Errorf("--%s is required", name)}
		}
	}
	if lf.applicants == "" || outVal == "" {
		return usageError{errors.New("--applicants and --" + outFlag + " need a file name")}
	}
	if lf.places < 0 {
		return usageError{fmt.Errorf("--places must not be negative (got %d)", lf.places)}
	}
	if err := admission.CheckSeed(lf.seed); err != nil {
		return usageError{fmt.Errorf("--seed: %w", err)}
	}
	return admitCheckPaths([]string{lf.applicants}, []string{outVal})
}

func lotteryDraw(ctx context.Context, args []string, e env) error {
	var lf lotteryFlags
	fs := lotteryFlagSet("draw", "--applicants FILE.csv --places N --seed TEXT --out FILE.csv",
		"Draw the lottery and write id,rank,admitted in rank order. An existing --out file is never overwritten.", e, &lf)
	out := fs.String("out", "", "where to write the draw: id,rank,admitted sorted by rank")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := lf.check(fs, "out", *out); err != nil {
		return usageErrorOf(err)
	}
	ids, _, err := admitRead(lf.applicants, func(r io.Reader) ([]string, []int, error) {
		return admission.ReadLotteryIDs(r, lf.applicants)
	})
	if err != nil {
		return err
	}
	ts, err := admission.Draw(lf.seed, ids, lf.places)
	if err != nil {
		return err
	}
	if err := admitWriteAll([]admitOutput{{*out, func(w io.Writer) error { return admission.WriteTickets(w, ts) }}}, true); err != nil {
		return err
	}
	digest := admission.ApplicantListDigest(ids)
	fmt.Fprintln(e.stdout, i18n.T("已摇号：%d 份申请，%d 个名额，录取 %d 份；申请名单 SHA-256 %s；结果已写入 %s",
		"drawn: %d applications, %d places, %d admitted; applicant list SHA-256 %s; results written to %s",
		len(ids), lf.places, min(lf.places, len(ids)), hex.EncodeToString(digest[:]), *out).String())
	return nil
}

func lotteryVerify(ctx context.Context, args []string, e env) error {
	for _, a := range args {
		if a == "--lottery" || a == "-lottery" || strings.HasPrefix(a, "--lottery=") || strings.HasPrefix(a, "-lottery=") {
			return lotteryVerifyDB(ctx, args, e)
		}
	}
	var lf lotteryFlags
	fs := lotteryFlagSet("verify", "--applicants FILE.csv --places N --seed TEXT --results FILE.csv",
		"Recompute the draw and compare it with published results row by row: MATCH (exit 0) or the first differing row (exit 1).", e, &lf)
	results := fs.String("results", "", "the published draw: id,rank,admitted")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := lf.check(fs, "results", *results); err != nil {
		return usageErrorOf(err)
	}
	ids, _, err := admitRead(lf.applicants, func(r io.Reader) ([]string, []int, error) {
		return admission.ReadLotteryIDs(r, lf.applicants)
	})
	if err != nil {
		return err
	}
	published, lines, err := admitRead(*results, func(r io.Reader) ([]admission.Ticket, []int, error) {
		return admission.ReadTickets(r, *results)
	})
	if err != nil {
		return err
	}
	m, err := admission.VerifyDraw(lf.seed, ids, lf.places, published)
	if err != nil {
		return err
	}
	if m == nil {
		digest := admission.ApplicantListDigest(ids)
		fmt.Fprintln(e.stdout, "MATCH")
		fmt.Fprintln(e.stdout, i18n.T("公布的结果与重新计算一致：%d 行；申请名单 SHA-256 %s",
			"the published results match the recomputed draw: %d rows; applicant list SHA-256 %s",
			len(published), hex.EncodeToString(digest[:])).String())
		return nil
	}
	row := 2 // the first data row when the file has none
	switch {
	case m.Index < len(lines):
		row = lines[m.Index]
	case len(lines) > 0:
		row = lines[len(lines)-1] + 1
	}
	where := i18n.T("%s 第 %d 行（第 %d 名）：", "%s: row %d (position %d): ", *results, row, m.Index+1)
	fmt.Fprintln(e.stdout, "MISMATCH: "+i18n.Text{ZH: where.ZH + m.Msg.ZH, EN: where.EN + m.Msg.EN}.String())
	return exitCode{code: 1, err: errors.New(i18n.T("公布的结果与重新计算的不一致", "the published results do not match the recomputed draw").String())}
}

// usageErrorOf keeps a usage error as it is and makes anything else one.
func usageErrorOf(err error) error {
	var ue usageError
	if errors.As(err, &ue) {
		return err
	}
	return usageError{err}
}

// lotteryVerifyDB is `lottery verify --lottery ID`: recompute a drawn
// lottery from the frozen list and the seed stored in the database and
// compare it with the stored results (enrol.VerifyLottery).
func lotteryVerifyDB(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("lottery verify", "--lottery ID [--db DSN]", e)
	cl := config.Flags(fs, e.getenv, "db")
	id := fs.Int64("lottery", 0, "the id of a drawn lottery in the database")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *id <= 0 {
		return usageError{errors.New("--lottery needs the id of a lottery (a positive number)")}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	o := enrol.New(d, school.New(d), nil, "")
	v, err := o.VerifyLottery(ctx, *id)
	if err != nil {
		return exitCode{1, errors.New(fault.As(err).Msg.String())}
	}
	l := v.Lottery
	check := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}
	fmt.Fprintf(e.stdout, "%s (%d)\n", l.Title, l.ID)
	fmt.Fprintf(e.stdout, "  %s\n", i18n.T("%d 份申请，%d 个名额；种子 %q（%s 公布）", "%d applications, %d places; seed %q (announced %s)",
		l.Entries, l.Places, l.Seed, l.SeedAt.Format(time.RFC3339)).String())
	fmt.Fprintf(e.stdout, "  %s %s\n", check(v.ListOK), i18n.T("名单 SHA-256 %s（锁定时 %s）", "list SHA-256 %s (at freezing %s)", v.ListDigest, l.ListDigest).String())
	fmt.Fprintf(e.stdout, "  %s %s\n", check(v.DigestOK), i18n.T("结果文件 SHA-256 %s（摇号时 %s）", "results file SHA-256 %s (at the draw %s)", v.ResultsSHA, l.ResultsDigest).String())
	fmt.Fprintf(e.stdout, "  %s %s\n", check(v.ResultsOK), i18n.T("逐行重新计算 %d 行", "%d rows recomputed one by one", v.Rows).String())
	if v.Match() {
		fmt.Fprintln(e.stdout, "MATCH")
		return nil
	}
	msg := i18n.T("名单或结果与记录不符", "the list or the results do not match what was recorded")
	if v.Mismatch != nil {
		msg = i18n.Text{ZH: fmt.Sprintf("第 %d 名：%s", v.MismatchRank, v.Mismatch.ZH), EN: fmt.Sprintf("rank %d: %s", v.MismatchRank, v.Mismatch.EN)}
	}
	fmt.Fprintln(e.stdout, "MISMATCH: "+msg.String())
	return exitCode{code: 1, err: errors.New(i18n.T("公布的结果与重新计算的不一致", "the published results do not match the recomputed draw").String())}
}
