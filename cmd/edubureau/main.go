// Command edubureau runs a municipal or district education bureau: one binary
// with a subcommand per job (serve, demo, migrate, import, admit, user, …).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"syscall"
)

// env is what a subcommand may touch of the outside world, so that tests can
// run the real commands with their own streams and environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand. Each file of this package registers its own in init.
type command struct {
	name    string
	summary string // one line, shown by `edubureau help`
	run     func(ctx context.Context, args []string, e env) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("edubureau: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError makes the process exit with status 2 (a mistake in the command line).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// exitCode lets a command choose its exit status (e.g. an import that refused rows).
type exitCode struct {
	code int
	err  error
}

func (x exitCode) Error() string { return x.err.Error() }
func (x exitCode) Unwrap() error { return x.err }

// newFlagSet returns a FlagSet whose -h prints a usage line, the summary and the flags.
func newFlagSet(name, usage string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: edubureau %s %s\n\n", name, usage)
		if c := commands[name]; c != nil {
			fmt.Fprintf(e.stderr, "%s\n\n", c.summary)
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "edubureau — software for an education bureau (教育局)")
	fmt.Fprintln(w, "\nusage: edubureau COMMAND [flags]   (edubureau COMMAND -h for a command's flags)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "edubureau: unknown command %q (run `edubureau help`)\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], e)
	var ue usageError
	var xc exitCode
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "edubureau %s: %v\n", c.name, err)
		return 2
	case errors.As(err, &xc):
		if xc.err != nil {
			fmt.Fprintf(e.stderr, "edubureau %s: %v\n", c.name, xc.err)
		}
		return xc.code
	default:
		fmt.Fprintf(e.stderr, "edubureau %s: %v\n", c.name, err)
		return 1
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	endProfile := cpuProfile(os.Getenv("EDUBUREAU_CPUPROFILE"))
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	endProfile()
	stop()
	os.Exit(code)
}

// cpuProfile writes the process's CPU profile to path, when set, until the
// returned function is called: how the demo's build and an import are
// profiled (docs/performance.md).
func cpuProfile(path string) (end func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "edubureau: EDUBUREAU_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
