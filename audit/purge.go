package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

// Purge removes the entries older than before, as long as before is not
// within the retention period, and returns how many it removed. It removes
// a prefix of the chain — every entry up to the first one at or after
// before — in one transaction, records the last removed entry's seq and
// hash as the anchor Verify starts from, and records the purge itself as an
// entry by by. It refuses to purge a chain that does not verify: that would
// destroy the evidence.
func (l *Log) Purge(ctx context.Context, before time.Time, by string) (int, error) {
	now := l.now().UTC()
	limit := now.Add(-l.retention())
	if before.After(limit) {
		days := int(l.retention() / (24 * time.Hour))
		return 0, fault.New(fault.Invalid,
			"审计记录至少保留 %d 天：只能清除 %s 之前的记录",
			"audit entries are kept for at least %d days: only entries before %s may be purged",
			days, limit.In(chinaTime).Format(time.DateOnly))
	}
	before = before.UTC().Truncate(time.Microsecond)
	n := 0
	err := l.DB.InTx(ctx, func(tx db.Tx) error {
		if l.DB.Dialect == db.Postgres {
			// The trigger lets this transaction's DELETE through (for entries
			// older than 180 days by the database's clock), and no other.
			if _, err := tx.ExecContext(ctx, `SET LOCAL edubureau.audit_purge = 'on'`); err != nil {
				return fmt.Errorf("audit purge: %w", err)
			}
		}
		h, err := readHead(ctx, tx, l.forUpdate())
		if err != nil {
			return err
		}
		rep, err := verify(ctx, tx)
		if err != nil {
			return err
		}
		if !rep.Intact() {
			m := rep.Message()
			return &fault.Error{Kind: fault.Conflict, Msg: i18n.Text{
				ZH: fmt.Sprintf("审计日志链未通过校验（%s），拒绝清除：清除会销毁证据", m.ZH),
				EN: fmt.Sprintf("the audit chain does not verify (%s); refusing to purge, which would destroy the evidence", m.EN)}}
		}
		// The entries to remove end just before the first one at or after
		// before (an entry recorded in a long transaction may carry an
		// earlier time than the one before it: the chain is cut by seq).
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_log WHERE at >= $1`, atBound(before)).Scan(&first); err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		upto := h.Seq
		if first.Valid {
			upto = first.Int64 - 1
		}
		if upto > rep.Anchor {
			var hash string
			if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, upto).Scan(&hash); err != nil {
				return fmt.Errorf("audit purge: read entry %d: %w", upto, err)
			}
			if l.DB.Dialect == db.SQLite {
				if _, err := tx.ExecContext(ctx, `DROP TRIGGER audit_log_no_delete`); err != nil {
					return fmt.Errorf("audit purge: %w", err)
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= $1`, upto)
			if err != nil {
				return fmt.Errorf("audit purge: delete entries up to %d: %w", upto, err)
			}
			if l.DB.Dialect == db.SQLite {
				if _, err := tx.ExecContext(ctx, db.SQLiteAuditNoDelete); err != nil {
					return fmt.Errorf("audit purge: %w", err)
				}
			}
			m, _ := res.RowsAffected()
			n = int(m)
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_anchor (seq, hash, purged_before, entries, purged_at, purged_by)
				VALUES ($1, $2, $3, $4, $5, $6)`, upto, hash, before, n, now.Truncate(time.Microsecond), clean(by, maxShort)); err != nil {
				return fmt.Errorf("audit purge: record the anchor: %w", err)
			}
		}
		detail := fmt.Sprintf("nothing recorded before %s to purge", before.Format(time.RFC3339))
		if n > 0 {
			detail = fmt.Sprintf("purged %d entries (seq %d–%d) recorded before %s", n, rep.Anchor+1, upto, before.Format(time.RFC3339))
		}
		return l.Record(ctx, tx, Entry{At: now, Username: by, Action: "audit.purge", Outcome: OK,
			RecordType: "audit_log", RecordID: fmt.Sprint(max(upto, rep.Anchor)), Detail: detail})
	})
	return n, err
}

// chinaTime is China Standard Time (UTC+8, no daylight saving since 1991),
// the bureau's calendar for messages.
var chinaTime = time.FixedZone("CST", 8*3600)
