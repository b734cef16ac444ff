// Command resultsday helps scripts/bench-results-day.sh measure the public
// results lookup: it prints lookup paths of real students from a demo
// database, and serves a bare net/http handler to compare the server with.
//
//	go run ./scripts/resultsday paths --db DSN --key-file FILE [--n 2000]
//	go run ./scripts/resultsday bare --addr 127.0.0.1:PORT --body FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"edubureau/db"
	"edubureau/pii"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: resultsday paths|bare …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "paths":
		err = paths(os.Args[2:])
	case "bare":
		err = bare(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "resultsday:", err)
		os.Exit(1)
	}
}

// paths prints one lookup path per line for students of the published year.
func paths(args []string) error {
	fs := flag.NewFlagSet("paths", flag.ExitOnError)
	dsn := fs.String("db", "", "the demo database")
	keyFile := fs.String("key-file", "", "its key file")
	n := fs.Int("n", 2000, "how many students")
	fs.Parse(args)
	ctx := context.Background()
	d, err := db.OpenNoMigrate(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	ring, err := pii.LoadKey("", *keyFile)
	if err != nil {
		return err
	}
	rows, err := d.QueryContext(ctx, `SELECT s.exam_no, s.id_number FROM zhongkao_student s JOIN zhongkao_publication p ON p.year = s.year
		ORDER BY s.line LIMIT $1`, *n)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var exam, enc string
		if err := rows.Scan(&exam, &enc); err != nil {
			return err
		}
		id, err := ring.Decrypt(enc, "zhongkao_student.id_number")
		if err != nil {
			return err
		}
		fmt.Printf("/api/v1/public/admission/results?exam_no=%s&id_suffix=%s\n", exam, id[len(id)-6:])
	}
	return rows.Err()
}

// bare serves body as JSON on the lookup's path: net/http and nothing else.
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address")
	bodyFile := fs.String("body", "", "the response body")
	fs.Parse(args)
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/public/admission/results", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}
