package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/calendar"
	"edubureau/config"
	"edubureau/db"
	"edubureau/i18n"
)

func init() {
	register(&command{
		name:    "calendar",
		summary: "the working-day calendar: calendar import FILE.json | calendar show YEAR",
		run:     runCalendar,
	})
}

const calendarUsage = `usage: edubureau calendar import FILE.json [--db DSN]
       edubureau calendar show YEAR [--db DSN]

import stores a year's holiday notice (国务院办公厅关于某年部分节假日安排的通知)
in the holiday-cn JSON format, as the calendar page does; a bad file is refused
(exit 1) with the entry at fault named, and nothing is written. The years
2020–2026 are built in.
show lists a year's holidays and make-up workdays and counts its working days.
`

func runCalendar(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, calendarUsage)
		return usageError{errors.New("a subcommand is needed: import or show")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, calendarUsage)
		return flag.ErrHelp
	case "import":
		return calendarImport(ctx, args[1:], e)
	case "show":
		return calendarShow(ctx, args[1:], e)
	}
	fmt.Fprint(e.stderr, calendarUsage)
	return usageError{fmt.Errorf("unknown subcommand %q: import or show", args[0])}
}

func calendarFlagSet(sub, usage, about string, e env) *flag.FlagSet {
	fs := newFlagSet("calendar "+sub, usage, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau calendar %s %s\n\n%s\n\n", sub, usage, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseWithOne parses flags placed before or after the one positional
// argument ("import 2027.json --db …" as well as "import --db … 2027.json").
func parseWithOne(fs *flag.FlagSet, args []string, what string) (string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(pos) {
	case 0:
		return "", usageError{fmt.Errorf("%s is required", what)}
	case 1:
		return pos[0], nil
	}
	return "", usageError{fmt.Errorf("one %s only; unexpected argument %q", what, pos[1])}
}

func openCalendarDB(ctx context.Context, cl *config.Loader) (*db.DB, error) {
	cfg, err := cl.Load()
	if err != nil {
		return nil, usageError{err}
	}
	return db.Open(ctx, cfg.DB)
}

func calendarImport(ctx context.Context, args []string, e env) error {
	fs := calendarFlagSet("import", "FILE.json [--db DSN]",
		"Store a year's holiday notice in the holiday-cn JSON format ({\"year\":2027,\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true},…]}).\n"+
			"A bad file (a date twice, a date outside the year, a file for another year…) exits 1 naming the entry; nothing is written.\n"+
			"A built-in year (2020–2026) or a year already imported is refused unless the content is the same, which changes nothing.", e)
	cl := config.Flags(fs, e.getenv, "db")
	file, err := parseWithOne(fs, args, "FILE.json")
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return exitCode{1, fmt.Errorf("cannot open %s: %v", file, unwrapPath(err))}
	}
	defer f.Close()
	// Check the file before touching the database, so that a bad file is
	// reported the same whether or not the database answers.
	if _, err := calendar.ParseNotice(io.LimitReader(f, calendar.MaxNoticeBytes), file); err != nil {
		return exitCode{1, err}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return exitCode{1, fmt.Errorf("cannot read %s: %v", file, err)}
	}
	d, err := openCalendarDB(ctx, cl)
	if err != nil {
		return err
	}
	defer d.Close()
	by := "cli"
	if u := e.getenv("USER"); u != "" {
		by = "cli:" + u
	}
	n, stored, err := calendar.Import(ctx, d, f, file, audit.Actor{Username: by})
	if err != nil {
		return exitCode{1, err}
	}
	off, makeUp := 0, 0
	for _, day := range n.Days {
		if day.OffDay {
			off++
		} else {
			makeUp++
		}
	}
	if !stored {
		fmt.Fprintln(e.stdout, i18n.T("%d 年的节假日安排已是此内容，未作改动", "the calendar for %d already has this content; nothing changed", n.Year).String())
		return nil
	}
	fmt.Fprintln(e.stdout, i18n.T("已导入 %d 年的节假日安排（%s）：%d 个休息日，%d 个调休上班日",
		"imported the calendar for %d (%s): %d days off, %d make-up workdays", n.Year, file, off, makeUp).String())
	return nil
}

// unwrapPath drops the path that *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func calendarShow(ctx context.Context, args []string, e env) error {
	fs := calendarFlagSet("show", "YEAR [--db DSN]",
		"List a year's holidays and make-up workdays (built in or imported) and count its working days.\n"+
			"A year without a published notice follows the weekend rule and is marked provisional.", e)
	cl := config.Flags(fs, e.getenv, "db")
	arg, err := parseWithOne(fs, args, "YEAR")
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(arg)
	if err != nil {
		return usageError{fmt.Errorf("YEAR %q is not a year (e.g. 2025)", arg)}
	}
	d, err := openCalendarDB(ctx, cl)
	if err != nil {
		return err
	}
	defer d.Close()
	y, _, err := calendar.Year(ctx, d, year)
	if err != nil {
		return exitCode{1, err}
	}
	writeYear(e.stdout, y)
	return nil
}

// writeYear prints a year as `calendar show` does.
func writeYear(w io.Writer, y calendar.YearInfo) {
	switch {
	case !y.Published:
		fmt.Fprintf(w, "%d: no notice published — the weekend rule applies; deadlines in this year are provisional\n", y.Year)
		fmt.Fprintf(w, "%d：尚未发布节假日安排，按双休日推算，期限为暂定\n", y.Year)
	case y.BuiltIn:
		fmt.Fprintf(w, "%d: built in (%s)\n", y.Year, y.Source)
	default:
		fmt.Fprintf(w, "%d: imported from %s by %s on %s\n", y.Year, y.Source, y.ImportedBy, y.ImportedAt.Format("2006-01-02 15:04 UTC"))
	}
	for _, p := range y.Papers {
		fmt.Fprintf(w, "  notice: %s\n", p)
	}
	if y.Published {
		fmt.Fprintf(w, "\nholidays and make-up workdays (放假与调休上班):\n")
		for _, h := range y.Notice.Holidays() {
			fmt.Fprintf(w, "  %s\n", h.Name)
			if len(h.Off) > 0 {
				fmt.Fprintf(w, "    off (休)     %s\n", dateRuns(h.Off))
			}
			if len(h.MakeUp) > 0 {
				fmt.Fprintf(w, "    work (班)    %s\n", dateRuns(h.MakeUp))
			}
		}
		fmt.Fprintln(w)
	}
	note := ""
	if y.Provisional {
		note = " (provisional: the next year's notice may still move late December)"
		if !y.Published {
			note = " (provisional)"
		}
	}
	fmt.Fprintf(w, "working days in %d (工作日): %d%s\n", y.Year, y.Workdays, note)
}

// dateRuns writes dates as runs of consecutive days with their weekdays:
// "2025-01-28 Tue – 2025-02-04 Tue (8 days), 2025-02-08 Sat".
func dateRuns(ds []calendar.Date) string {
	var parts []string
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] == ds[j].AddDays(1) {
			j++
		}
		s := fmt.Sprintf("%s %s", ds[i], ds[i].Weekday().String()[:3])
		if j > i {
			s += fmt.Sprintf(" – %s %s (%d days)", ds[j], ds[j].Weekday().String()[:3], j-i+1)
		}
		parts = append(parts, s)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
