package main

import (
	"context"
	"fmt"

	"edubureau/config"
	"edubureau/db"
)

func init() {
	register(&command{name: "migrate", summary: "apply the database migrations (or show their status)", run: runMigrate})
}

func runMigrate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("migrate", "[--db DSN] [status]", e)
	cl := config.Flags(fs, e.getenv, "db")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != "status") {
		return usageError{fmt.Errorf("unexpected arguments %v (only `status` is allowed)", fs.Args())}
	}
	d, err := db.OpenNoMigrate(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	if fs.Arg(0) == "status" {
		st, err := d.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			fmt.Fprintln(e.stdout, s)
		}
		return nil
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s: %d migration(s) applied, schema up to date\n", d.Where, n)
	return nil
}
