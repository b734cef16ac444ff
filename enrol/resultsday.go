package enrol

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"edubureau/pii"
)

// ResultsDay serves the published placement from memory: it loads the
// snapshot the publication head names at start and whenever the head moves
// (polled every Poll), so lookups never touch the database and always show
// exactly one published run. Several instances behind a load balancer each
// load the same snapshot by its id and SHA-256 (docs/admission.md).
//
// Two guards stand in front of lookups. Gate bounds the work one instance
// takes on: beyond its rate or its concurrency a lookup is refused at once
// (the server answers 429 with Retry-After) instead of queueing until
// everything slows to a stop. Strikes bounds guessing: wrong attempts are
// counted per client address and per exam number, and past the limit that
// address or that exam number is refused for the rest of the window.
type ResultsDay struct {
	Office  *Office
	Poll    time.Duration
	Log     *slog.Logger
	Gate    *Gate
	Strikes *Strikes

	cur     atomic.Pointer[Snapshot]
	serial  atomic.Int64
	pending atomic.Bool // a publication exists that is not loaded (yet)
	mu      sync.Mutex  // one load at a time
}

// NewResultsDay returns the service with the default guards.
func NewResultsDay(o *Office, log *slog.Logger) *ResultsDay {
	return &ResultsDay{Office: o, Poll: 5 * time.Second, Log: log, Gate: NewGate(DefaultRate, DefaultConcurrency), Strikes: NewStrikes()}
}

// Current is the snapshot being served, or nil before the first publication
// is loaded.
func (rd *ResultsDay) Current() *Snapshot { return rd.cur.Load() }

// Pending reports whether a publication exists that is not served yet (the
// instance is still loading it, or failed to).
func (rd *ResultsDay) Pending() bool { return rd.pending.Load() }

// Refresh checks the publication head and loads its snapshot when it moved.
// It reports whether the snapshot changed.
func (rd *ResultsDay) Refresh(ctx context.Context) (bool, error) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	var serial int64
	var snapID *int64
	var sum string
	if err := rd.Office.DB.QueryRowContext(ctx, `SELECT serial, snapshot_id, sha256 FROM zhongkao_publication WHERE id = 1`).Scan(&serial, &snapID, &sum); err != nil {
		return false, fmt.Errorf("read the publication head: %w", err)
	}
	if serial == rd.serial.Load() || snapID == nil {
		return false, nil
	}
	if cur := rd.cur.Load(); cur != nil && cur.SHA256 == sum {
		rd.serial.Store(serial)
		return false, nil
	}
	rd.pending.Store(true)
	var content []byte
	var runID int64
	if err := rd.Office.DB.QueryRowContext(ctx, `SELECT run_id, content FROM zhongkao_snapshot WHERE id = $1`, *snapID).Scan(&runID, &content); err != nil {
		return false, fmt.Errorf("read snapshot %d: %w", *snapID, err)
	}
	start := time.Now()
	s, err := DecodeSnapshot(content, sum)
	if err != nil {
		return false, err
	}
	s.ID = *snapID
	rd.cur.Store(s)
	rd.serial.Store(serial)
	rd.pending.Store(false)
	if rd.Log != nil {
		rd.Log.Info("results day: serving snapshot", "snapshot", s.SHA256, "year", s.Year(), "run", runID,
			"students", s.Students(), "bytes", s.Size, "load_ms", time.Since(start).Milliseconds())
	}
	return true, nil
}

// Run loads the current publication, then polls the head until ctx ends.
func (rd *ResultsDay) Run(ctx context.Context) {
	poll := rd.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var refused int64
	for {
		if _, err := rd.Refresh(ctx); err != nil && ctx.Err() == nil && rd.Log != nil {
			rd.Log.Error("results day: cannot load the published snapshot", "err", err)
		}
		// Lookups refused over capacity are not logged one by one: a line per poll.
		if n := rd.Gate.refused(); n != refused && rd.Log != nil {
			rd.Log.Warn("results day: lookups refused over capacity (429)", "since_last", n-refused, "total", n, "every", poll.String())
			refused = n
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Lookup answers a public lookup from the snapshot in memory: ring computes
// the blind index of the typed suffix. ok is false when nothing matches
// (an unknown exam number and a wrong suffix look alike).
func (rd *ResultsDay) Lookup(ring *pii.Keyring, examNo, suffix string) (Answer, *Snapshot, bool) {
	s := rd.cur.Load()
	if s == nil || ring == nil {
		return Answer{}, s, false
	}
	a, ok := s.Lookup(strings.TrimSpace(examNo), SuffixIndex(ring, suffix))
	return a, s, ok
}

// Find is Lookup without rendering the answer: the student's index in the
// snapshot it found them in (Snapshot.Answer, Snapshot.Memo).
func (rd *ResultsDay) Find(ring *pii.Keyring, examNo, suffix string) (int, *Snapshot, bool) {
	s := rd.cur.Load()
	if s == nil || ring == nil {
		return 0, s, false
	}
	i, ok := s.Find(strings.TrimSpace(examNo), SuffixIndex(ring, suffix))
	return i, s, ok
}

// Defaults of the lookup's guards for one instance.
const (
	DefaultRate        = 20000 // lookups a second
	DefaultConcurrency = 512   // lookups in progress at once
	StrikesPerAddress  = 30    // wrong attempts from one address per window
	StrikesPerExam     = 10    // wrong attempts on one exam number per window
	StrikeWindow       = 10 * time.Minute
)

// Gate admits at most Rate lookups a second (a token bucket holding one
// second's worth, so that bursts within the rate pass) and at most
// Concurrency at once; beyond either it refuses at once with the time after
// which to try again.
type Gate struct {
	rate, burst float64
	max         int64
	mu          sync.Mutex
	tokens      float64
	last        time.Time
	inflight    atomic.Int64
	Refused     atomic.Int64 // lookups refused so far, for the logs
}

// NewGate returns a gate; rate ≤ 0 or concurrency ≤ 0 lifts that bound.
func NewGate(rate, concurrency int) *Gate {
	g := &Gate{rate: float64(rate), max: int64(concurrency)}
	g.burst = max(1, g.rate)
	g.tokens = g.burst
	return g
}

// Enter takes a place; ok false means refused, with the wait to suggest.
// A successful Enter must be followed by Leave.
func (g *Gate) Enter(now time.Time) (wait time.Duration, ok bool) {
	if g == nil {
		return 0, true
	}
	if g.max > 0 && g.inflight.Add(1) > g.max {
		g.inflight.Add(-1)
		g.Refused.Add(1)
		return time.Second, false
	}
	if g.rate > 0 {
		g.mu.Lock()
		if !g.last.IsZero() {
			g.tokens = min(g.burst, g.tokens+now.Sub(g.last).Seconds()*g.rate)
		}
		g.last = now
		if g.tokens < 1 {
			need := (1 - g.tokens) / g.rate
			g.mu.Unlock()
			if g.max > 0 {
				g.inflight.Add(-1)
			}
			g.Refused.Add(1)
			return max(time.Second, time.Duration(need*float64(time.Second))), false
		}
		g.tokens--
		g.mu.Unlock()
	}
	return 0, true
}

func (g *Gate) refused() int64 {
	if g == nil {
		return 0
	}
	return g.Refused.Load()
}

// Leave gives the place back.
func (g *Gate) Leave() {
	if g != nil && g.max > 0 {
		g.inflight.Add(-1)
	}
}

// Strikes counts wrong lookups per client address and per exam number in
// fixed windows; memory is bounded (a full table is swept, then cleared).
type Strikes struct {
	PerAddress, PerExam int
	Window              time.Duration
	mu                  sync.Mutex
	counts              map[string]*strike
	lastSweep           time.Time
}

type strike struct {
	n     int
	start time.Time
}

const maxStrikeKeys = 200_000

// NewStrikes returns the counter with the default limits.
func NewStrikes() *Strikes {
	return &Strikes{PerAddress: StrikesPerAddress, PerExam: StrikesPerExam, Window: StrikeWindow, counts: map[string]*strike{}}
}

func (s *Strikes) over(key string, limit int, now time.Time) (time.Duration, bool) {
	st, ok := s.counts[key]
	if !ok || now.Sub(st.start) >= s.Window || st.n < limit {
		return 0, false
	}
	return st.start.Add(s.Window).Sub(now), true
}

// Blocked says whether lookups from addr, or of examNo, are refused now,
// and for how long.
func (s *Strikes) Blocked(addr, examNo string, now time.Time) (time.Duration, bool) {
	if s == nil {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.over("a:"+addr, s.PerAddress, now); ok {
		return w, true
	}
	return s.over("e:"+examNo, s.PerExam, now)
}

// Strike records a wrong lookup from addr of examNo.
func (s *Strikes) Strike(addr, examNo string, now time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]*strike{}
	}
	if len(s.counts) >= maxStrikeKeys || now.Sub(s.lastSweep) >= s.Window {
		for k, st := range s.counts {
			if now.Sub(st.start) >= s.Window {
				delete(s.counts, k)
			}
		}
		s.lastSweep = now
		if len(s.counts) >= maxStrikeKeys {
			s.counts = map[string]*strike{}
		}
	}
	for _, k := range []string{"a:" + addr, "e:" + examNo} {
		st, ok := s.counts[k]
		if !ok || now.Sub(st.start) >= s.Window {
			st = &strike{start: now}
			s.counts[k] = st
		}
		st.n++
	}
}
