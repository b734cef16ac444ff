package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"golang.org/x/term"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/server"
	"edubureau/year"
)

func init() {
	register(&command{name: "serve", summary: "serve the bureau's web pages and API", run: runServe})
}

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("serve", "[flags]", e)
	cl := config.Flags(fs, e.getenv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	log := newLogger(cfg, e)
	ring, err := loadKeyring(cfg, e, false, sqlitePath(cfg.DB))
	if err != nil {
		return err
	}
	d, j, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	srv, err := server.New(cfg, d, j, ring, log, version)
	if err != nil {
		return err
	}
	password := cfg.AdminPassword
	generated := password == ""
	if generated {
		password = auth.RandomPassword()
	}
	created, err := srv.Auth().EnsureAdmin(ctx, cfg.AdminUser, password)
	if err != nil {
		return fmt.Errorf("create the first administrator: %w", err)
	}
	login := ""
	if created {
		login = fmt.Sprintf("login: %s / %s", cfg.AdminUser, password)
		if !generated {
			login = fmt.Sprintf("login: %s / (the password in EDUBUREAU_ADMIN_PASSWORD)", cfg.AdminUser)
		}
	}
	return listenAndServe(ctx, cfg, srv, e, login)
}

func newLogger(cfg config.Config, e env) *slog.Logger {
	f, _ := e.stderr.(*os.File)
	isTerm := f != nil && term.IsTerminal(int(f.Fd()))
	log := cfg.Logger(e.stderr, isTerm)
	slog.SetDefault(log)
	return log
}

// openApp opens and migrates the database, settles the jurisdiction, and
// records the academic and fiscal years.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, area.Area, error) {
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, area.Area{}, err
	}
	stored, err := area.StoredJurisdiction(ctx, d)
	if err != nil {
		d.Close()
		return nil, area.Area{}, err
	}
	code := cfg.Jurisdiction
	switch {
	case code != "" && stored != "" && code != stored:
		d.Close()
		return nil, area.Area{}, fmt.Errorf("the database %s belongs to jurisdiction %s, not %s", d.Where, stored, code)
	case code == "" && stored != "":
		code = stored
	case code == "":
		code = "4304"
	}
	j, err := area.Jurisdiction(code)
	if err == nil {
		err = area.Sync(ctx, d, j.Code)
	}
	if err == nil {
		err = year.Ensure(ctx, d, time.Now())
	}
	if err != nil {
		d.Close()
		return nil, area.Area{}, err
	}
	log.Info("database ready", "db", d.Where, "dialect", string(d.Dialect), "jurisdiction", j.Code, "name", j.Name)
	return d, j, nil
}

// listenAndServe listens, prints the address (and the login, when given), and serves until ctx ends.
func listenAndServe(ctx context.Context, cfg config.Config, srv *server.Server, e env, login string) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", cfg.Addr, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(e.stdout, "edubureau listening on %s://%s\n", scheme, ln.Addr().String())
	if login != "" {
		fmt.Fprintln(e.stdout, login)
	}
	if f, ok := e.stdout.(*os.File); ok {
		f.Sync()
	}
	return srv.Serve(ctx, ln)
}
