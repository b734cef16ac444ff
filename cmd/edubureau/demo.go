package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/demo"
	"edubureau/fault"
	"edubureau/server"
)

func init() {
	register(&command{name: "demo", summary: "build a synthetic Hengyang-like jurisdiction into an empty database, then serve it", run: runDemo})
}

// demoPassword is the demo administrator's password unless --admin-password
// gives another. A demo is for looking around, so it is printed every time.
const demoPassword = "Jiaoyu-Demo-2026"

func runDemo(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("demo", "[--db DSN] [--addr HOST:PORT] [--scale small|city] [--students N] [--seed N] [--admin-password P] [--no-serve]", e)
	cl := config.Flags(fs, e.getenv, "addr", "log-format", "log-level", "max-body", "max-upload", "import-dir", "shutdown-timeout", "key-file", "signin-rate", "results-rate", "results-poll")
	dsn := fs.String("db", "sqlite:edubureau-demo.db", "database to build into and serve (env EDUBUREAU_DB is not used here, so a demo never touches a real database by accident)")
	scale := fs.String("scale", "small", "size of the jurisdiction: small (~250 schools) or city (~3,000 schools)")
	seed := fs.Int64("seed", 1, "seed of the generator: the same seed builds the same data")
	password := fs.String("admin-password", demoPassword, "password of the demo administrator (user admin)")
	noServe := fs.Bool("no-serve", false, "build the data, then exit without serving")
	students := fs.Int("students", 0, "about how many students to register (0: the scale's, 30000 small or 1200000 city; -1: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	sc, err := demo.ParseScale(*scale)
	if err != nil {
		return usageError{err}
	}
	if err := auth.CheckPassword("admin", *password); err != nil {
		return usageError{fmt.Errorf("bad --admin-password: %v", err)}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	if _, _, _, err := db.ParseDSN(*dsn); err != nil {
		return usageError{fmt.Errorf("bad --db: %v", err)}
	}
	cfg.DB = *dsn
	start := time.Now()
	log := newLogger(cfg, e)
	// The demo keeps its key for personal data beside its database.
	ring, err := loadKeyring(cfg, e, true, sqlitePath(cfg.DB))
	if err != nil {
		return err
	}
	d, j, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	var schools int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM school`).Scan(&schools); err != nil {
		d.Close()
		return fmt.Errorf("inspect %s: %w", d.Where, err)
	}
	if schools == 0 {
		fmt.Fprintf(e.stderr, "building a %s demo jurisdiction (%s, seed %d) into %s\n", sc, j.Name, *seed, d.Where)
		d.Close()
		opt := demo.Options{Scale: sc, Seed: *seed, Jurisdiction: j.Code, CasesAsOf: chinaToday(), Keyring: ring, Students: *students}
		if err := buildDemo(ctx, cfg.DB, opt, e, start); err != nil {
			return err
		}
		if d, j, err = openApp(ctx, cfg, log); err != nil {
			return err
		}
	} else {
		state, err := demo.BuildState(ctx, d)
		if err == nil && state == demo.BuildStarted {
			err = fault.New(fault.Conflict, "数据库 %s 中的演示数据没有建完（上次构建被中断）：请删除该数据库（SQLite 即该文件及其 .key 文件）后重新运行 demo",
				"the demo build in %s was interrupted before it finished: delete the database (for SQLite, the file and its .key file) and run the demo again", d.Where)
		}
		if err != nil {
			d.Close()
			return err
		}
		fmt.Fprintf(e.stderr, "%s already holds %d schools: serving what is there\n", d.Where, schools)
	}
	defer d.Close()
	srv, err := server.New(cfg, d, j, ring, log, version)
	if err != nil {
		return err
	}
	a := srv.Auth()
	// The demo's users are hashed at a demo-only cost (their password is
	// printed anyway): five hashes at the full cost were most of a small
	// demo's start-up. The first sign-in of each rehashes it at the full cost.
	full := a.Argon2
	a.Argon2 = demoArgon2
	defer func() { a.Argon2 = full }()
	if created, err := a.EnsureAdmin(ctx, "admin", *password); err != nil {
		return fmt.Errorf("create the demo administrator: %w", err)
	} else if !created {
		if err := a.SetPassword(ctx, "admin", *password); err != nil {
			return fmt.Errorf("set the demo administrator's password: %w", err)
		}
	}
	others, err := ensureDemoUsers(ctx, a, d, j, *password)
	if err != nil {
		return fmt.Errorf("create the demo users: %w", err)
	}
	a.Argon2 = full
	if *noServe {
		fmt.Fprintf(e.stdout, "demo database ready: %s\nlogin: admin / %s\n%s\n", d.Where, *password, others)
		return nil
	}
	return listenAndServe(ctx, cfg, srv, e, "login: admin / "+*password+"\n"+others)
}

// buildDemo builds the demo into the empty database at dsn, opened for the
// build alone (db.OpenForBuild: nothing reads it meanwhile), and prints what
// it made and how long each step took.
func buildDemo(ctx context.Context, dsn string, opt demo.Options, e env, start time.Time) error {
	d, err := db.OpenForBuild(ctx, dsn)
	if err != nil {
		return err
	}
	// The build allocates as it goes (each student checked, sealed and
	// written): collecting at 300 % of the live heap instead of 100 % took
	// a tenth off the city's processor time (87 s against 97 s) for 1.0 GB
	// resident instead of 0.6 GB. Serving after runs with the default.
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(300))
	}
	bar := newProgressBar(e.stderr)
	sum, err := demo.Build(ctx, d, opt, bar.Update)
	bar.Done()
	if cerr := d.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("build the demo: %w", err)
	}
	fmt.Fprintf(e.stderr, "built %d schools and %d students in %.1fs\n", sum.Schools, sum.Students, time.Since(start).Seconds())
	var steps []string
	for _, st := range sum.Steps {
		steps = append(steps, fmt.Sprintf("%s %.1fs", st.Step, st.Took.Seconds()))
	}
	fmt.Fprintf(e.stderr, "  (%s)\n", strings.Join(steps, ", "))
	return nil
}

// demoArgon2 is the cost of the demo users' password hashes (8 MiB, one
// pass): cheap enough that creating them takes a fraction of a second.
var demoArgon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}

// ensureDemoUsers adds one user of each kind the access model knows (when
// missing), so that the demo shows what each sees: a county bureau's
// schools section and students section, a school's administrator, an
// inspector and an auditor — and, for transfers across counties, another
// county's school and students section. It returns a line naming them.
func ensureDemoUsers(ctx context.Context, a *auth.Service, d *db.DB, j area.Area, password string) (string, error) {
	var schoolCode, schoolName, county, countyName string
	err := d.QueryRowContext(ctx, `SELECT s.code, s.name, s.county_code, c.name FROM school s JOIN area c ON c.code = s.county_code
		WHERE s.type = 'primary' AND s.status = 'active' ORDER BY s.code LIMIT 1`).Scan(&schoolCode, &schoolName, &county, &countyName)
	if db.IsNoRows(err) {
		return "", nil // no school to attach them to
	}
	if err != nil {
		return "", fmt.Errorf("find a school for the demo users: %w", err)
	}
	users := []auth.NewUser{
		{Username: "county.staff", DisplayName: countyName + "教育局学校管理股", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: county, Section: "schools"},
		{Username: "county.students", DisplayName: countyName + "教育局学籍管理股", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: county, Section: "students"},
		{Username: "school.admin", DisplayName: schoolName, Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: schoolCode},
		{Username: "inspector", DisplayName: "责任督学", Role: auth.Inspector, OrgKind: auth.OrgCounty, OrgCode: county, Schools: []string{schoolCode}},
		{Username: "auditor", DisplayName: "审计员", Role: auth.Auditor, OrgKind: auth.OrgCity, OrgCode: j.Code},
	}
	// Another county's primary school and students section: a transfer
	// between the two schools needs both county bureaus.
	var otherCode, otherName, otherCounty, otherCountyName string
	err = d.QueryRowContext(ctx, `SELECT s.code, s.name, s.county_code, c.name FROM school s JOIN area c ON c.code = s.county_code
		WHERE s.type = 'primary' AND s.status = 'active' AND s.county_code <> $1 ORDER BY s.code LIMIT 1`, county).Scan(&otherCode, &otherName, &otherCounty, &otherCountyName)
	if err != nil && !db.IsNoRows(err) {
		return "", fmt.Errorf("find a second school for the demo users: %w", err)
	}
	if err == nil {
		users = append(users,
			auth.NewUser{Username: "school.admin2", DisplayName: otherName, Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: otherCode},
			auth.NewUser{Username: "county2.students", DisplayName: otherCountyName + "教育局学籍管理股", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: otherCounty, Section: "students"})
	}
	var names []string
	for _, nu := range users {
		names = append(names, nu.Username)
		if _, err := a.UserByName(ctx, nu.Username); err == nil {
			continue
		}
		nu.Password = password
		if _, err := a.CreateUser(ctx, nu); err != nil {
			return "", fmt.Errorf("%s: %w", nu.Username, err)
		}
	}
	line := fmt.Sprintf("also, with the same password: %s (county.staff and county.students work in %s; school.admin runs %s",
		strings.Join(names, ", "), countyName, schoolName)
	if otherCode != "" {
		line += fmt.Sprintf("; school.admin2 runs %s in %s, where county2.students works", otherName, otherCountyName)
	}
	return line + ")", nil
}

// chinaToday is today's date in China, as a UTC midnight (the demo's cases
// are dated up to it).
func chinaToday() time.Time {
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}
