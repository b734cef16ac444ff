package audit

import (
	"context"
	"database/sql"
	"fmt"

	"edubureau/db"
	"edubureau/i18n"
)

// Tampering is what Verify found wrong with an entry.
type Tampering string

const (
	Altered  Tampering = "altered"  // its content no longer matches its hash
	Deleted  Tampering = "deleted"  // it is missing from the chain
	Inserted Tampering = "inserted" // it is not part of the chain as written
)

// Problem is the first bad entry of the chain.
type Problem struct {
	Seq    int64
	Kind   Tampering
	Reason i18n.Text // how it shows, e.g. "a gap in seq"
}

// Message names the entry and what happened to it.
func (p Problem) Message() i18n.Text {
	switch p.Kind {
	case Altered:
		return i18n.T("第 %d 条审计记录被篡改（哈希不符）", "entry %d was altered (hash mismatch)", p.Seq)
	case Deleted:
		return i18n.T("第 %d 条审计记录缺失（被删除）", "entry %d is missing (deleted)", p.Seq)
	}
	return i18n.T("第 %d 条审计记录是插入的", "entry %d was inserted", p.Seq)
}

// Report is the result of Verify.
type Report struct {
	Entries int64    // entries checked (up to the problem, if any)
	First   int64    // seq of the first entry checked (0 when none)
	Last    int64    // seq of the last entry checked
	Anchor  int64    // seq of the last purged entry (0 when never purged)
	Head    int64    // seq recorded as the end of the chain
	Problem *Problem // the first bad entry; nil when the log is intact
}

// Intact reports whether the whole chain checked out.
func (r Report) Intact() bool { return r.Problem == nil }

// Message says in one line whether the log is intact, or names the first bad entry.
func (r Report) Message() i18n.Text {
	if r.Problem != nil {
		return r.Problem.Message()
	}
	switch r.Entries {
	case 0:
		return i18n.T("审计日志完好：0 条", "audit log intact: 0 entries")
	case 1:
		return i18n.T("审计日志完好：1 条，序号 %d", "audit log intact: 1 entry, seq %d", r.First)
	}
	return i18n.T("审计日志完好：%d 条，序号 %d–%d", "audit log intact: %d entries, seq %d–%d", r.Entries, r.First, r.Last)
}

// Verify walks the whole chain in seq order, reading one entry at a time
// (constant memory), from the purge anchor (or the beginning) to the head,
// and names the first bad entry. It reads one consistent snapshot, so
// entries appended meanwhile do not disturb it.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if l.DB.Dialect == db.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	// On SQLite a read-only transaction is a plain BEGIN (not IMMEDIATE): a
	// WAL snapshot that does not hold up writers.
	tx, err := l.DB.BeginTx(ctx, opts)
	if err != nil {
		return Report{}, fmt.Errorf("audit: begin verify: %w", err)
	}
	defer tx.Rollback()
	return verify(ctx, tx)
}

func verify(ctx context.Context, q db.Querier) (Report, error) {
	h, err := readHead(ctx, q, "")
	if err != nil {
		return Report{}, err
	}
	a, err := readAnchor(ctx, q)
	if err != nil {
		return Report{}, err
	}
	r := Report{Anchor: a.Seq, Head: h.Seq}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return r, fmt.Errorf("audit: read the chain: %w", err)
	}
	defer rows.Close()
	expect := a.Seq + 1
	prev, prevPrev := a.Hash, ""
	found := func(seq int64, kind Tampering, reason i18n.Text) (Report, error) {
		r.Problem = &Problem{Seq: seq, Kind: kind, Reason: reason}
		return r, nil
	}
	for rows.Next() {
		g, raw, err := scan(rows)
		if err != nil {
			return r, fmt.Errorf("audit: read entry: %w", err)
		}
		switch {
		case g.Seq < expect:
			// Only entries at or below the anchor can come first: the
			// primary key forbids duplicates, and a purge removed those.
			return found(g.Seq, Inserted, i18n.T("序号不在清除锚点 %d 之后", "its seq is not after the purge anchor %d", a.Seq))
		case g.Seq > expect:
			return found(expect, Deleted, i18n.T("序号 %d 之后缺少 %d", "seq jumps from %d to %d", expect-1, g.Seq))
		case g.Seq > h.Seq:
			return found(g.Seq, Inserted, i18n.T("链头记录的末尾序号为 %d", "the head says the chain ends at seq %d", h.Seq))
		}
		if Hash(g.Seq, g.Entry, raw, g.PrevHash) != g.Hash {
			// An entry renumbered by one, with its content intact, shows
			// where an entry was slipped in before it or taken out.
			switch g.Hash {
			case Hash(g.Seq-1, g.Entry, raw, g.PrevHash):
				return found(g.Seq-1, Inserted, i18n.T("其后的记录被重新编号", "the entries after it were renumbered"))
			case Hash(g.Seq+1, g.Entry, raw, g.PrevHash):
				return found(g.Seq, Deleted, i18n.T("其后的记录被重新编号", "the entries after it were renumbered"))
			}
			return found(g.Seq, Altered, i18n.T("内容与哈希不符", "its content does not match its hash"))
		}
		if g.PrevHash != prev {
			if prevPrev != "" && g.PrevHash == prevPrev {
				// g follows the entry two back: the one between is extra.
				return found(g.Seq-1, Inserted, i18n.T("第 %d 条记录链接的是它之前的记录", "entry %d is chained to the entry before it", g.Seq))
			}
			return found(g.Seq-1, Deleted, i18n.T("第 %d 条记录的前驱哈希与第 %d 条不符", "the previous hash of entry %d does not match entry %d", g.Seq, g.Seq-1))
		}
		if r.First == 0 {
			r.First = g.Seq
		}
		r.Last = g.Seq
		r.Entries++
		prevPrev, prev = prev, g.Hash
		expect++
	}
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("audit: read the chain: %w", err)
	}
	switch {
	case expect-1 < h.Seq:
		return found(expect, Deleted, i18n.T("链头记录的末尾序号为 %d", "the head says the chain ends at seq %d", h.Seq))
	case prev != h.Hash:
		return found(h.Seq, Altered, i18n.T("与链头记录的哈希不符", "its hash does not match the head"))
	}
	return r, nil
}
