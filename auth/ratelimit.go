package auth

import (
	"slices"
	"sync"
	"time"
)

// Limiter is a token bucket per key (an IP address): each key may spend
// perMinute attempts at once, and earns them back at perMinute per minute.
// It lives in memory: a restart forgets it, which only helps for a minute.
//
// It never grows without bound: a bucket that has refilled is the same as no
// bucket, so sweeps drop it; and past maxEntries keys the oldest are dropped.
type Limiter struct {
	mu         sync.Mutex
	buckets    map[string]*bucket
	lastSweep  time.Time
	maxEntries int
}

type bucket struct {
	tokens float64   // attempts left at `at`
	at     time.Time // when tokens was last computed
}

// defaultMaxEntries bounds the memory of the limiter (about 100 bytes each).
const defaultMaxEntries = 100_000

// NewLimiter returns an empty limiter.
func NewLimiter() *Limiter {
	return &Limiter{buckets: map[string]*bucket{}, maxEntries: defaultMaxEntries}
}

// Allow spends one attempt of key at now, with perMinute attempts a minute.
// When none is left it returns false and how long until the next one.
func (l *Limiter) Allow(key string, now time.Time, perMinute int) (bool, time.Duration) {
	if perMinute <= 0 {
		return true, 0
	}
	rate := float64(perMinute) / float64(time.Minute) // tokens per nanosecond
	capacity := float64(perMinute)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= time.Minute || len(l.buckets) >= l.maxEntries {
		l.sweep(now, rate, capacity)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: capacity, at: now}
		l.buckets[key] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(capacity, b.tokens+float64(d)*rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / rate)
	return false, max(wait, time.Second).Round(time.Second)
}

// sweep drops the buckets that have refilled; if the limiter is still full
// (a flood from very many addresses), it drops the least recently used half.
func (l *Limiter) sweep(now time.Time, rate, capacity float64) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))*rate >= capacity {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxEntries {
		return
	}
	times := make([]time.Time, 0, len(l.buckets))
	for _, b := range l.buckets {
		times = append(times, b.at)
	}
	cutoff := medianTime(times)
	for k, b := range l.buckets {
		if !b.at.After(cutoff) {
			delete(l.buckets, k)
		}
	}
}

func medianTime(ts []time.Time) time.Time {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return ts[len(ts)/2]
}

// Len is how many keys the limiter holds (for tests and metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
