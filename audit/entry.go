// Package audit is the bureau's tamper-evident, append-only audit log: every
// change (who, organisation, IP, time, action, record, before → after with
// personal fields masked), every view of unmasked personal data, every
// denied request and every sign-in.
//
// Entries form one hash chain: entry n carries SHA-256 over its own content,
// its seq n and the hash of entry n−1, so altering, deleting or inserting an
// entry breaks the chain at that entry and Verify names it. The application
// has no path that updates or deletes entries except Purge, which removes
// entries older than the retention period (at least 180 days, Cybersecurity
// Law Art. 21) and keeps the chain verifiable from an anchor. Triggers refuse
// any other UPDATE or DELETE on both databases (db/gomigrations.go).
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/auth"
	"edubureau/fault"
)

// Outcomes of an audited action.
const (
	OK     = "ok"     // done
	Failed = "failed" // attempted and failed (a wrong password)
	Denied = "denied" // refused by access control
)

// Entry is one audited event, as the caller describes it.
type Entry struct {
	At         time.Time // when; zero means the log's clock now
	UserID     int64     // who acted (0 when unknown)
	Username   string
	OrgKind    string // city | county | school
	OrgCode    string
	IP         string
	RequestID  string
	Action     string // e.g. auth.sign_in, school.update, student.view_pii
	Outcome    string // ok | failed | denied; empty means ok
	RecordType string // what was acted on, e.g. "school", "user"
	RecordID   string
	Detail     string   // a short note: a reason given, a query; never a password or a token
	Changes    []Change // before → after, personal fields already masked (see Diff)
}

// Change is one field's value before and after a change.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Logged is an entry as stored: with its place in the chain.
type Logged struct {
	Seq int64
	Entry
	PrevHash string
	Hash     string
}

// By fills in who acted from a signed-in user.
func (e Entry) By(u auth.User) Entry {
	e.UserID, e.Username, e.OrgKind, e.OrgCode = u.ID, u.Username, u.OrgKind, u.OrgCode
	return e
}

// FromEvent turns an event of the auth service (sign-ins, sign-outs, changes
// to users and tokens) into an entry.
func FromEvent(ev auth.Event) Entry {
	return Entry{UserID: ev.UserID, Username: ev.Username, OrgKind: ev.OrgKind, OrgCode: ev.OrgCode, IP: ev.IP,
		Action: ev.Action, Outcome: ev.Outcome, RecordType: ev.RecordType, RecordID: ev.RecordID, Detail: ev.Detail}
}

// Limits on stored text, in runes. Hostile input (a 1 MB "user name" typed
// into the sign-in form) is cut, never refused: its attempt must be recorded.
const (
	maxShort  = 200
	maxDetail = 2000
	maxChange = 500
)

// clean makes s storable on both databases and bounded: valid UTF-8, no NUL
// (PostgreSQL refuses both), at most max runes.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// normalise prepares an entry for storing: the time in UTC to the
// microsecond (PostgreSQL keeps no more, and the hash must cover exactly
// what is stored), text cleaned and bounded, the outcome checked.
func normalise(e Entry, now func() time.Time) (Entry, error) {
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Outcome == "" {
		e.Outcome = OK
	}
	switch e.Outcome {
	case OK, Failed, Denied:
	default:
		return e, fault.New(fault.Invalid, "审计结果 %q 无效（应为 ok、failed 或 denied）",
			"audit outcome %q is not ok, failed or denied", e.Outcome)
	}
	e.Action = clean(strings.TrimSpace(e.Action), 100)
	if e.Action == "" {
		return e, fault.New(fault.Invalid, "审计记录缺少操作名称", "an audit entry needs an action")
	}
	for _, p := range []*string{&e.Username, &e.OrgKind, &e.OrgCode, &e.IP, &e.RequestID, &e.RecordType, &e.RecordID} {
		*p = clean(*p, maxShort)
	}
	e.Detail = clean(e.Detail, maxDetail)
	if len(e.Changes) > 0 {
		cs := make([]Change, len(e.Changes))
		for i, c := range e.Changes {
			cs[i] = Change{Field: clean(c.Field, maxShort), Before: clean(c.Before, maxChange), After: clean(c.After, maxChange)}
		}
		e.Changes = cs
	}
	return e, nil
}

// encodeChanges is the stored form of the changes: "" when there are none,
// otherwise their JSON array.
func encodeChanges(cs []Change) (string, error) {
	if len(cs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return "", fmt.Errorf("encode audit changes: %w", err)
	}
	return string(b), nil
}

func decodeChanges(s string) ([]Change, error) {
	if s == "" {
		return nil, nil
	}
	var cs []Change
	if err := json.Unmarshal([]byte(s), &cs); err != nil {
		return nil, fmt.Errorf("decode audit changes: %w", err)
	}
	return cs, nil
}

// ZeroHash is the predecessor of the first entry of a log never purged.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashVersion separates this encoding from any later one.
const hashVersion = "edubureau.audit.v1"

// Hash is the hash of an entry at seq whose stored changes are changes and
// whose predecessor's hash is prev: hex SHA-256 over a canonical encoding of
// every stored column. Each field is written as its length (8 bytes, big
// endian) followed by its bytes, so no two different entries encode alike
// whatever characters their fields contain; the time is RFC 3339 in UTC with
// up to nanoseconds (normalise has cut it to microseconds).
func Hash(seq int64, e Entry, changes, prev string) string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(hashVersion)
	put(strconv.FormatInt(seq, 10))
	put(e.At.UTC().Format(time.RFC3339Nano))
	put(strconv.FormatInt(e.UserID, 10))
	for _, s := range []string{e.Username, e.OrgKind, e.OrgCode, e.IP, e.RequestID, e.Action, e.Outcome,
		e.RecordType, e.RecordID, e.Detail, changes, prev} {
		put(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}
