package auth

import (
	"sync"
	"time"
)

// sessionCache keeps recently checked sessions in memory so that a request
// does not cost a database round trip (the access check must add little to
// a request's time). An entry is trusted for at most SessionCacheTTL; every
// change this process makes to a user or a session drops the affected
// entries at once, so the bound matters only for changes made by another
// instance, which take effect within it.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]cachedSession // by session id
	gen     map[int64]uint64         // by user id: bumped on every change to the user
}

type cachedSession struct {
	user     User
	gen      uint64
	lastSeen time.Time
	expires  time.Time
	checked  time.Time
}

// maxCachedSessions bounds the cache; past it, it starts afresh.
const maxCachedSessions = 100_000

func (c *sessionCache) get(id string, now time.Time, ttl, idle time.Duration) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.gen != c.gen[e.user.ID] || now.Sub(e.checked) >= ttl || now.Before(e.checked) {
		return User{}, false
	}
	if !now.Before(e.expires) || now.Sub(e.lastSeen) >= idle {
		delete(c.entries, id)
		return User{}, false
	}
	return e.user, true
}

func (c *sessionCache) put(id string, u User, lastSeen, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedSessions {
		c.entries = map[string]cachedSession{}
	}
	if c.gen == nil {
		c.gen = map[int64]uint64{}
	}
	c.entries[id] = cachedSession{user: u, gen: c.gen[u.ID], lastSeen: lastSeen, expires: expires, checked: now}
}

// forget drops one session.
func (c *sessionCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// forgetUser drops every session of a user (after a change to the user).
func (c *sessionCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil {
		c.gen = map[int64]uint64{}
	}
	c.gen[userID]++
}
