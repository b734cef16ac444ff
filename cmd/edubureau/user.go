package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

func init() {
	register(&command{name: "user", summary: "manage users: add, list, disable, enable, reset-password", run: runUser})
	userCommands = userSubcommands()
}

type userCommand struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, e env) error
}

// userCommands are the subcommands of `edubureau user` (set in init: they refer to it).
var userCommands []userCommand

func userSubcommands() []userCommand {
	return []userCommand{
		{"add", "--username NAME --role ROLE [--org-kind K --org-code C --section S --schools A,B] [--display-name N] [--password P | --password-stdin]",
			"create a user; without a password one is generated, printed once, and must be changed at first sign-in", userAdd},
		{"list", "[--q TEXT] [--role ROLE] [--org-kind K] [--org-code C] [--status active|disabled|locked] [--page N] [--per-page N]",
			"list users as a table", userList},
		{"disable", "USERNAME", "disable a user and end their sessions", func(ctx context.Context, args []string, e env) error {
			return userSetDisabled(ctx, "disable", args, e, true)
		}},
		{"enable", "USERNAME", "enable a user (and lift a lockout)", func(ctx context.Context, args []string, e env) error {
			return userSetDisabled(ctx, "enable", args, e, false)
		}},
		{"reset-password", "USERNAME", "give a user a temporary password, printed once; they must change it at their next sign-in", userResetPassword},
	}
}

func runUser(ctx context.Context, args []string, e env) error {
	usage := func() {
		fmt.Fprintln(e.stderr, "usage: edubureau user SUBCOMMAND [flags]   (edubureau user SUBCOMMAND -h for its flags)")
		fmt.Fprintln(e.stderr, "\nsubcommands:")
		for _, c := range userCommands {
			fmt.Fprintf(e.stderr, "  %-15s %s\n", c.name, c.summary)
		}
	}
	if len(args) == 0 {
		usage()
		return usageError{errors.New("a subcommand is required")}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		return flag.ErrHelp
	}
	for _, c := range userCommands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	return usageError{fmt.Errorf("unknown subcommand %q (add, list, disable, enable, reset-password)", args[0])}
}

// userFlagSet is newFlagSet for "user SUB", with the subcommand's summary.
func userFlagSet(sub string, e env) *flag.FlagSet {
	for _, c := range userCommands {
		if c.name == sub {
			fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
			fs.SetOutput(e.stderr)
			fs.Usage = func() {
				fmt.Fprintf(e.stderr, "usage: edubureau user %s %s\n\n%s\n\n", sub, c.usage, c.summary)
				fs.PrintDefaults()
			}
			return fs
		}
	}
	panic("unknown user subcommand " + sub)
}

// openUsers opens the database and the user service with the policy of cfg.
func openUsers(ctx context.Context, cfg config.Config) (*db.DB, *auth.Service, error) {
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	s := auth.New(d)
	if cfg.PasswordMinLength > 0 {
		s.Policy = auth.Policy{MinLength: cfg.PasswordMinLength, Classes: cfg.PasswordClasses}
	}
	return d, s, nil
}

// cliActor is who acts from the command line, for the audit log.
func cliActor(e env) auth.Actor {
	name := "cli"
	if u := e.getenv("USER"); u != "" {
		name = "cli:" + u
	}
	return auth.Actor{User: auth.User{Username: name}, IP: "local"}
}

// oneLine turns an error into one line in English (the operator's console),
// with the fields at fault.
func oneLine(err error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return err
	}
	parts := []string{fe.Msg.In(i18n.EN)}
	if fe.Kind == fault.Invalid && len(fe.Fields) > 0 {
		parts = parts[:0]
	}
	for _, f := range fe.Fields {
		parts = append(parts, "--"+strings.ReplaceAll(f.Field, "_", "-")+": "+f.Msg.In(i18n.EN))
	}
	return errors.New(strings.Join(parts, "; "))
}

func userAdd(ctx context.Context, args []string, e env) error {
	fs := userFlagSet("add", e)
	cl := config.Flags(fs, e.getenv, "db", "password-min-length", "password-classes")
	username := fs.String("username", "", "the user name (2–50 letters, digits or . _ -)")
	role := fs.String("role", "", "admin | staff | school_admin | inspector | auditor")
	orgKind := fs.String("org-kind", "", "city | county | school (default: city for admin, school for school_admin)")
	orgCode := fs.String("org-code", "", "the county's area code (county) or the school's identifier (school)")
	section := fs.String("section", "", "the section, for staff: "+sectionCodes())
	schools := fs.String("schools", "", "an inspector's assigned schools, comma-separated identifiers")
	display := fs.String("display-name", "", "the person's name as shown")
	email := fs.String("email", "", "work e-mail address, for reminders (optional)")
	password := fs.String("password", "", "the password (visible in the process list: prefer --password-stdin or the prompt)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	mustChange := fs.Bool("must-change", false, "make the user choose a new password at first sign-in (always so for a generated one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	if *username == "" || *role == "" {
		return usageError{errors.New("--username and --role are required")}
	}
	if *password != "" && *fromStdin {
		return usageError{errors.New("give --password or --password-stdin, not both")}
	}
	pw, generated := *password, false
	switch {
	case *fromStdin:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the password from standard input: %v", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	case pw == "":
		if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			if pw, err = promptPassword(f, e); err != nil {
				return err
			}
		} else {
			pw, generated = auth.RandomPassword(), true
		}
	}
	d, s, err := openUsers(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if generated {
		for s.CheckPassword(*username, pw) != nil { // a stricter policy than the default
			pw += auth.RandomPassword()
		}
	}
	var list []string
	for _, c := range strings.Split(*schools, ",") {
		if c = strings.TrimSpace(c); c != "" {
			list = append(list, c)
		}
	}
	u, err := s.CreateUser(ctx, auth.NewUser{Username: *username, DisplayName: *display, Email: *email, Password: pw, Role: auth.Role(*role),
		OrgKind: *orgKind, OrgCode: *orgCode, Section: *section, Schools: list, MustChangePassword: *mustChange || generated,
		By: cliActor(e)})
	if err != nil {
		return oneLine(err)
	}
	fmt.Fprintf(e.stdout, "created user %s (%s, %s %s)\n", u.Username, u.Role, u.OrgKind, u.OrgCode)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n(shown once; it must be changed at first sign-in)\n", pw)
	}
	return nil
}

func promptPassword(f *os.File, e env) (string, error) {
	fmt.Fprint(e.stderr, "password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %v", err)
	}
	fmt.Fprint(e.stderr, "again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %v", err)
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

func sectionCodes() string {
	var out []string
	for _, s := range auth.Sections {
		out = append(out, s.Code)
	}
	return strings.Join(out, ", ")
}

func userList(ctx context.Context, args []string, e env) error {
	fs := userFlagSet("list", e)
	cl := config.Flags(fs, e.getenv, "db")
	q := fs.String("q", "", "part of the user name or display name")
	role := fs.String("role", "", "only this role")
	orgKind := fs.String("org-kind", "", "only this organisation kind")
	orgCode := fs.String("org-code", "", "only this organisation")
	status := fs.String("status", "", "active | disabled | locked")
	page := fs.Int("page", 1, "page number")
	perPage := fs.Int("per-page", 50, fmt.Sprintf("users per page (at most %d)", auth.MaxUsersPerPage))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	f := auth.UserFilter{Query: *q, Role: auth.Role(*role), OrgKind: *orgKind, OrgCode: *orgCode, Status: *status, Page: *page, PerPage: *perPage}
	if err := f.Check(); err != nil {
		return usageError{oneLine(err)}
	}
	d, s, err := openUsers(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	p, err := s.ListUsers(ctx, f)
	if err != nil {
		return oneLine(err)
	}
	// The display name (often Chinese, two columns a character) comes last,
	// so that its width cannot push the other columns out of line.
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tORGANISATION\tSECTION\tSTATUS\tTOTP\tCREATED\tDISPLAY NAME")
	now := time.Now()
	for _, u := range p.Items {
		st := "active"
		switch {
		case u.Disabled:
			st = "disabled"
		case u.LockedUntil != nil && now.Before(*u.LockedUntil):
			st = "locked"
		case u.MustChangePassword:
			st = "must-change-password"
		}
		org := u.OrgKind
		if u.OrgCode != "" {
			org += ":" + u.OrgCode
		}
		if len(u.Schools) > 0 {
			org += " (" + strings.Join(u.Schools, ",") + ")"
		}
		totp := "-"
		if u.TOTPEnabled {
			totp = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, org,
			dashIfEmpty(u.Section), st, totp, u.CreatedAt.Format(time.DateOnly), dashIfEmpty(u.DisplayName))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d user(s); page %d of %d\n", p.Total, p.Page, max(p.Pages(), 1))
	return nil
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneUser parses "user SUB [--db DSN] USERNAME" and finds the user.
func oneUser(ctx context.Context, sub string, args []string, e env, settings ...string) (*db.DB, *auth.Service, auth.User, error) {
	fs := userFlagSet(sub, e)
	cl := config.Flags(fs, e.getenv, append([]string{"db"}, settings...)...)
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, auth.User{}, err
	}
	if fs.NArg() != 1 {
		return nil, nil, auth.User{}, usageError{errors.New("give exactly one USERNAME")}
	}
	cfg, err := cl.Load()
	if err != nil {
		return nil, nil, auth.User{}, usageError{err}
	}
	d, s, err := openUsers(ctx, cfg)
	if err != nil {
		return nil, nil, auth.User{}, err
	}
	u, err := s.UserByName(ctx, fs.Arg(0))
	if err != nil {
		d.Close()
		return nil, nil, auth.User{}, oneLine(err)
	}
	return d, s, u, nil
}

func userSetDisabled(ctx context.Context, sub string, args []string, e env, disabled bool) error {
	d, s, u, err := oneUser(ctx, sub, args, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := s.SetDisabled(ctx, cliActor(e), u.ID, disabled); err != nil {
		return oneLine(err)
	}
	fmt.Fprintf(e.stdout, "user %s %sd\n", u.Username, sub)
	return nil
}

func userResetPassword(ctx context.Context, args []string, e env) error {
	d, s, u, err := oneUser(ctx, "reset-password", args, e, "password-min-length", "password-classes")
	if err != nil {
		return err
	}
	defer d.Close()
	temp, err := s.ResetPassword(ctx, cliActor(e), u.ID)
	if err != nil {
		return oneLine(err)
	}
	fmt.Fprintf(e.stdout, "temporary password for %s: %s\n(shown once; it must be changed at the next sign-in; their sessions have ended)\n", u.Username, temp)
	return nil
}
