package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// Migrations written in Go, for what the two dialects cannot say in the same
// SQL: the triggers that make the audit tables append-only.
//
// Goose versions are shared between the SQL files and these: version 5 is
// the audit triggers, so the next SQL migration is 00006; version 31 is the
// admission triggers (admission_triggers.go).
const auditTriggersVersion = 5

// goMigrations returns the Go migrations for dialect d.
func goMigrations(d Dialect) []*goose.Migration {
	up, down := sqliteAuditTriggers, sqliteAuditTriggersDown
	if d == Postgres {
		up, down = postgresAuditTriggers, postgresAuditTriggersDown
	}
	triggers := goose.NewGoMigration(auditTriggersVersion,
		&goose.GoFunc{RunTx: execEach(up)},
		&goose.GoFunc{RunTx: execEach(down)})
	triggers.Source = "00005_audit_triggers.go" // its name in `edubureau migrate status`
	return []*goose.Migration{triggers, studentsMigration(d), admissionTriggers(d)}
}

// execEach runs statements one by one (pgx runs one statement per Exec with arguments,
// and a failure then names its statement).
func execEach(stmts []string) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%.60s…: %w", s, err)
			}
		}
		return nil
	}
}

// SQLiteAuditNoDelete is the SQLite trigger that refuses every DELETE from
// audit_log. A purge drops it and creates it again inside its own
// transaction (SQLite's DDL is transactional, so no other writer ever sees
// the table unguarded).
const SQLiteAuditNoDelete = `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused (only edubureau audit purge may remove old entries)'); END`

var sqliteAuditTriggers = []string{
	`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END`,
	SQLiteAuditNoDelete,
	`CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END`,
	// The head only moves forward: rolling it back would hide deleted last entries.
	`CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END`,
	`CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor
BEGIN SELECT RAISE(ABORT, 'audit purge anchors are append-only: UPDATE refused'); END`,
	`CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN SELECT RAISE(ABORT, 'audit purge anchors are append-only: DELETE refused'); END`,
}

var sqliteAuditTriggersDown = []string{
	`DROP TRIGGER audit_anchor_no_delete`,
	`DROP TRIGGER audit_anchor_no_update`,
	`DROP TRIGGER audit_head_forward`,
	`DROP TRIGGER audit_head_no_delete`,
	`DROP TRIGGER audit_log_no_delete`,
	`DROP TRIGGER audit_log_no_update`,
}

// On PostgreSQL a DELETE from audit_log passes only inside a purge's
// transaction (SET LOCAL edubureau.audit_purge = 'on') and only for entries
// older than 180 days by the database's own clock: the Cybersecurity Law
// (Art. 21) keeps network logs for at least six months.
var postgresAuditTriggers = []string{
	`CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$`,
	`CREATE FUNCTION audit_log_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('edubureau.audit_purge', true), '') = 'on'
       AND OLD.at < (now() AT TIME ZONE 'UTC') - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: DELETE of entry % refused (only a purge may remove entries older than 180 days)', OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END
$$`,
	`CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'the audit head only moves forward' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$`,
	`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse()`,
	`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard_delete()`,
	`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()`,
	`CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_refuse()`,
	`CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_guard()`,
	`CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()`,
	`CREATE TRIGGER audit_anchor_no_change BEFORE UPDATE OR DELETE ON audit_anchor FOR EACH ROW EXECUTE FUNCTION audit_refuse()`,
	`CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()`,
}

var postgresAuditTriggersDown = []string{
	`DROP TRIGGER audit_anchor_no_truncate ON audit_anchor`,
	`DROP TRIGGER audit_anchor_no_change ON audit_anchor`,
	`DROP TRIGGER audit_head_no_truncate ON audit_head`,
	`DROP TRIGGER audit_head_forward ON audit_head`,
	`DROP TRIGGER audit_head_no_delete ON audit_head`,
	`DROP TRIGGER audit_log_no_truncate ON audit_log`,
	`DROP TRIGGER audit_log_no_delete ON audit_log`,
	`DROP TRIGGER audit_log_no_update ON audit_log`,
	`DROP FUNCTION audit_head_guard()`,
	`DROP FUNCTION audit_log_guard_delete()`,
	`DROP FUNCTION audit_refuse()`,
}
