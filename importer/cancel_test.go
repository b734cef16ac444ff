package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/scope"
)

// generated is a CSV of n people made on the fly, never held whole: row i
// is P followed by i in 8 digits.
type generated struct {
	n, next int
	buf     bytes.Buffer
	header  bool
}

func generate(n int) *generated { return &generated{n: n} }

func (g *generated) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) {
		switch {
		case !g.header:
			g.buf.WriteString("编号,姓名,性别,出生日期,电话\n")
			g.header = true
		case g.next < g.n:
			g.next++
			fmt.Fprintf(&g.buf, "P%08d,学生%d,%s,2015-09-%02d,1380013%04d\n", g.next, g.next, [2]string{"男", "女"}[g.next%2], g.next%28+1, g.next%10000)
		default:
			if g.buf.Len() == 0 {
				return 0, io.EOF
			}
			return g.buf.Read(p)
		}
	}
	return g.buf.Read(p)
}

func (g *generated) Close() error { return nil }

// generatedSource is n generated rows, re-generated each time it is opened.
func generatedSource(n int) Source {
	return ReaderSource(fmt.Sprintf("generated-%d.csv", n), 0, func() (io.ReadCloser, error) { return generate(n), nil })
}

func TestCancelLeavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var seen int64
		res, err := f.svc.Run(ctx, Request{Kind: people{slowWrite: 5 * time.Millisecond}, Source: generatedSource(40000),
			Options: Options{Mode: ValidOnly, Progress: func(p Progress) {
				seen = p.Rows
				if p.Rows >= 12000 { // three batches written inside the transaction
					cancel()
				}
			}}, Actor: audit.Actor{Username: "tester"}, Scope: scope.Everything})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Cancelled || seen < 12000 {
			t.Fatalf("status %s after %d rows", res.Status, seen)
		}
		if n := f.count(); n != 0 {
			t.Fatalf("a cancelled import left %d rows", n)
		}
		j, err := f.svc.Job(context.Background(), Viewer{Scope: scope.Everything}, res.JobID)
		if err != nil || j.Status != Cancelled || j.Created != 0 {
			t.Fatalf("job %+v %v", j, err)
		}
	})
}

// TestBackgroundImport starts an import as the web page does, follows it and cancels it.
func TestBackgroundImport(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	src := f.file("people.csv", []byte(goodCSV))
	id, err := f.svc.Start(Request{Kind: people{}, Source: src, Actor: audit.Actor{UserID: 7, Username: "web"}, Scope: scope.Everything, Via: "web"}, true)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := f.svc.Live(id)
	if !ok {
		t.Fatal("not live")
	}
	<-l.Done()
	p, res, err := l.Snapshot()
	if err != nil || res == nil || res.Status != Done || res.Created != 3 || p.Phase != PhaseDone || p.Fraction() != 1 {
		t.Fatalf("%+v %+v %v", p, res, err)
	}
	if _, err := os.Stat(src.Path); !os.IsNotExist(err) {
		t.Fatal("the upload was not removed")
	}
	// The history shows it to its user and to the whole jurisdiction, not to a county.
	for _, c := range []struct {
		v    Viewer
		want bool
	}{{Viewer{UserID: 7}, true}, {Viewer{Scope: scope.Everything}, true}, {Viewer{UserID: 8, Scope: scope.Area("430405")}, false}} {
		_, err := f.svc.Job(context.Background(), c.v, id)
		if (err == nil) != c.want {
			t.Errorf("viewer %+v: %v", c.v, err)
		}
	}

	// A long one, cancelled.
	id, err = f.svc.Start(Request{Kind: people{slowWrite: 20 * time.Millisecond}, Source: generatedSource(200000), Actor: audit.Actor{Username: "web"}, Scope: scope.Everything}, false)
	if err != nil {
		t.Fatal(err)
	}
	l, _ = f.svc.Live(id)
	for {
		p, _, _ := l.Snapshot()
		if p.Rows > 5000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !f.svc.Cancel(id) {
		t.Fatal("cancel refused")
	}
	<-l.Done()
	if _, res, _ := l.Snapshot(); res.Status != Cancelled || f.count() != 3 {
		t.Fatalf("%s, %d rows", res.Status, f.count())
	}
	if f.svc.Cancel(id) {
		t.Fatal("cancelled twice")
	}
}

// TestKilledImportLeavesNothing runs an import in a child process, kills it
// (SIGKILL: no clean-up of any kind) while rows are being written inside the
// transaction, and checks that the database has none of them.
func TestKilledImportLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dsns := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "kill.db")}
	if os.Getenv(dbtest.EnvPostgres) != "" {
		dsns["postgres"] = dbtest.PostgresDSN(t)
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			makePeopleTable(t, d)
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledImportChild$", "-test.v")
			cmd.Env = append(os.Environ(), "IMPORTER_KILL_DSN="+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			writing := false
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "WRITING") {
					writing = true
					break
				}
			}
			if !writing {
				cmd.Wait()
				t.Fatal("the child never got to writing")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			// PostgreSQL rolls back when it notices the connection is gone.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int
				if err := d.QueryRow(`SELECT COUNT(*) FROM test_person`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Fatalf("a killed import left %d rows", n)
				}
				var running int
				if err := d.QueryRow(`SELECT COUNT(*) FROM import_job WHERE status = 'running'`).Scan(&running); err != nil {
					t.Fatal(err)
				}
				if running == 1 || time.Now().After(deadline) {
					if running != 1 {
						t.Fatal("the job record of the killed import is missing")
					}
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			// A service started afterwards shows it as interrupted.
			time.Sleep(1100 * time.Millisecond)
			page, err := New(d, nil, "").Jobs(context.Background(), Viewer{Scope: scope.Everything}, "", 1, 10)
			if err != nil || len(page.Jobs) != 1 || page.Jobs[0].Status != Interrupted {
				t.Fatalf("%+v %v", page, err)
			}
		})
	}
}

// TestKilledImportChild is the child of TestKilledImportLeavesNothing.
func TestKilledImportChild(t *testing.T) {
	dsn := os.Getenv("IMPORTER_KILL_DSN")
	if dsn == "" {
		t.Skip("run by TestKilledImportLeavesNothing")
	}
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	said := false
	New(d, nil, "").Run(context.Background(), Request{Kind: people{slowWrite: 50 * time.Millisecond}, Source: generatedSource(1000000),
		Options: Options{Mode: ValidOnly, Progress: func(p Progress) {
			if p.Rows >= 3*writeBatch && !said {
				said = true
				fmt.Println("WRITING")
			}
		}}, Actor: audit.Actor{Username: "child"}, Scope: scope.Everything})
	t.Fatal("the import ended before it was killed")
}
