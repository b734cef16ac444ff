package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressBar draws "step [#####.....]  45% 1234/2740" on a terminal, redrawn
// in place; elsewhere (a log file, CI) it prints a line per step and at most
// one line every few seconds.
type progressBar struct {
	w        io.Writer
	terminal bool
	step     string
	last     time.Time
	lastPct  int
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, terminal: ok && term.IsTerminal(int(f.Fd())), lastPct: -1}
}

// Update shows done of total for step.
func (p *progressBar) Update(step string, done, total int) {
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	newStep := step != p.step
	if newStep && p.step != "" && p.terminal {
		fmt.Fprintln(p.w)
	}
	p.step = step
	now := time.Now()
	if !newStep && pct == p.lastPct {
		return
	}
	if !p.terminal && !newStep && done != total && now.Sub(p.last) < 3*time.Second {
		return
	}
	p.last, p.lastPct = now, pct
	const width = 30
	filled := width * pct / 100
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	if p.terminal {
		fmt.Fprintf(p.w, "\r%-12s %s %3d%% %d/%d", step, bar, pct, done, total)
		return
	}
	fmt.Fprintf(p.w, "%-12s %s %3d%% %d/%d\n", step, bar, pct, done, total)
}

// Done ends the bar's line.
func (p *progressBar) Done() {
	if p.terminal && p.step != "" {
		fmt.Fprintln(p.w)
	}
}
