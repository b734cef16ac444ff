package db

import (
	"strings"

	"github.com/pressly/goose/v3"
)

// The triggers that keep what the bureau has published about admissions as
// it was published, whatever a program or a database user later tries
// (package enrol refuses the same changes first, with a message; these are
// the guard behind it):
//
//   - a lottery's list, once frozen, takes no entry in or out; its seed and
//     the list's digest, once set, never change; a drawn or cancelled lottery
//     never changes and is never deleted; the draw's results are written
//     once, while the lottery is seeded, and never updated or deleted;
//   - a published 中考 run, its results and cut-offs, every snapshot and the
//     publication head never change or disappear (the head only moves
//     forward); results are added to a published run only before its
//     snapshot exists (in the publishing transaction).
const admissionTriggersVersion = 31

func admissionTriggers(d Dialect) *goose.Migration {
	up, down := sqliteAdmissionTriggers, sqliteAdmissionTriggersDown
	if d == Postgres {
		up, down = postgresAdmissionTriggers, postgresAdmissionTriggersDown
	}
	m := goose.NewGoMigration(admissionTriggersVersion,
		&goose.GoFunc{RunTx: execEach(up)},
		&goose.GoFunc{RunTx: execEach(down)})
	m.Source = "00031_admission_triggers.go"
	return m
}

// sqliteRefuse is a BEFORE trigger that aborts with msg when cond holds ("" = always).
func sqliteRefuse(name, event, table, cond, msg string) string {
	when := ""
	if cond != "" {
		when = " WHEN " + cond
	}
	return "CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table + when +
		"\nBEGIN SELECT RAISE(ABORT, '" + strings.ReplaceAll(msg, "'", "''") + "'); END"
}

var sqliteAdmissionTriggers = []string{
	sqliteRefuse("admission_lottery_final", "UPDATE", "admission_lottery", "OLD.state IN ('drawn', 'cancelled')",
		"a drawn or cancelled lottery cannot change"),
	sqliteRefuse("admission_lottery_fixed", "UPDATE", "admission_lottery",
		"(OLD.seed <> '' AND NEW.seed <> OLD.seed) OR (OLD.list_digest <> '' AND NEW.list_digest <> OLD.list_digest) OR (OLD.state <> 'open' AND NEW.state = 'open')",
		"a lottery's frozen list, its digest and its seed cannot change"),
	sqliteRefuse("admission_lottery_no_delete", "DELETE", "admission_lottery", "OLD.state <> 'open'",
		"only an open lottery may be deleted"),
	sqliteRefuse("admission_lottery_entry_insert", "INSERT", "admission_lottery_entry",
		"(SELECT state FROM admission_lottery WHERE id = NEW.lottery_id) <> 'open'", "the lottery's list is frozen"),
	sqliteRefuse("admission_lottery_entry_update", "UPDATE", "admission_lottery_entry",
		"(SELECT state FROM admission_lottery WHERE id = OLD.lottery_id) <> 'open'", "the lottery's list is frozen"),
	sqliteRefuse("admission_lottery_entry_delete", "DELETE", "admission_lottery_entry",
		"(SELECT state FROM admission_lottery WHERE id = OLD.lottery_id) <> 'open'", "the lottery's list is frozen"),
	sqliteRefuse("admission_lottery_result_insert", "INSERT", "admission_lottery_result",
		"(SELECT state FROM admission_lottery WHERE id = NEW.lottery_id) <> 'seeded'", "results are written only by the draw of a seeded lottery"),
	sqliteRefuse("admission_lottery_result_no_update", "UPDATE", "admission_lottery_result", "", "lottery results cannot change"),
	sqliteRefuse("admission_lottery_result_no_delete", "DELETE", "admission_lottery_result", "", "lottery results cannot be deleted"),

	sqliteRefuse("zhongkao_run_published_update", "UPDATE", "zhongkao_run", "OLD.kind = 'published'", "a published run cannot change"),
	sqliteRefuse("zhongkao_run_published_delete", "DELETE", "zhongkao_run", "OLD.kind = 'published'", "a published run cannot be deleted"),
	sqliteRefuse("zhongkao_result_no_update", "UPDATE", "zhongkao_result", "", "placement results cannot change"),
	sqliteRefuse("zhongkao_result_published_delete", "DELETE", "zhongkao_result",
		"(SELECT kind FROM zhongkao_run WHERE id = OLD.run_id) = 'published'", "a published run's results cannot be deleted"),
	sqliteRefuse("zhongkao_result_sealed_insert", "INSERT", "zhongkao_result",
		"EXISTS (SELECT 1 FROM zhongkao_snapshot WHERE run_id = NEW.run_id)", "a published run's results are sealed"),
	sqliteRefuse("zhongkao_cutoff_no_update", "UPDATE", "zhongkao_cutoff", "", "cut-offs cannot change"),
	sqliteRefuse("zhongkao_cutoff_published_delete", "DELETE", "zhongkao_cutoff",
		"(SELECT kind FROM zhongkao_run WHERE id = OLD.run_id) = 'published'", "a published run's cut-offs cannot be deleted"),
	sqliteRefuse("zhongkao_cutoff_sealed_insert", "INSERT", "zhongkao_cutoff",
		"EXISTS (SELECT 1 FROM zhongkao_snapshot WHERE run_id = NEW.run_id)", "a published run's cut-offs are sealed"),
	sqliteRefuse("zhongkao_snapshot_no_update", "UPDATE", "zhongkao_snapshot", "", "a snapshot cannot change"),
	sqliteRefuse("zhongkao_snapshot_no_delete", "DELETE", "zhongkao_snapshot", "", "a snapshot cannot be deleted"),
	sqliteRefuse("zhongkao_publication_no_delete", "DELETE", "zhongkao_publication", "", "the publication head cannot be deleted"),
	sqliteRefuse("zhongkao_publication_forward", "UPDATE", "zhongkao_publication", "NEW.serial <= OLD.serial OR NEW.id <> OLD.id",
		"the publication head only moves forward"),
}

var sqliteAdmissionTriggersDown = []string{
	`DROP TRIGGER zhongkao_publication_forward`,
	`DROP TRIGGER zhongkao_publication_no_delete`,
	`DROP TRIGGER zhongkao_snapshot_no_delete`,
	`DROP TRIGGER zhongkao_snapshot_no_update`,
	`DROP TRIGGER zhongkao_cutoff_sealed_insert`,
	`DROP TRIGGER zhongkao_cutoff_published_delete`,
	`DROP TRIGGER zhongkao_cutoff_no_update`,
	`DROP TRIGGER zhongkao_result_sealed_insert`,
	`DROP TRIGGER zhongkao_result_published_delete`,
	`DROP TRIGGER zhongkao_result_no_update`,
	`DROP TRIGGER zhongkao_run_published_delete`,
	`DROP TRIGGER zhongkao_run_published_update`,
	`DROP TRIGGER admission_lottery_result_no_delete`,
	`DROP TRIGGER admission_lottery_result_no_update`,
	`DROP TRIGGER admission_lottery_result_insert`,
	`DROP TRIGGER admission_lottery_entry_delete`,
	`DROP TRIGGER admission_lottery_entry_update`,
	`DROP TRIGGER admission_lottery_entry_insert`,
	`DROP TRIGGER admission_lottery_no_delete`,
	`DROP TRIGGER admission_lottery_fixed`,
	`DROP TRIGGER admission_lottery_final`,
}

// On PostgreSQL one function refuses with the message given as the
// trigger's argument; the guards that look at another table are functions
// of their own (a trigger's WHEN cannot hold a subquery there).
var postgresAdmissionTriggers = []string{
	`CREATE FUNCTION admission_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % refused: %', TG_TABLE_NAME, TG_OP, TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
END
$$`,
	`CREATE FUNCTION admission_lottery_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE st TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT state INTO st FROM admission_lottery WHERE id = NEW.lottery_id;
    ELSE
        SELECT state INTO st FROM admission_lottery WHERE id = OLD.lottery_id;
    END IF;
    IF st IS DISTINCT FROM 'open' THEN
        RAISE EXCEPTION 'admission_lottery_entry: % refused: the lottery''s list is frozen', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$`,
	`CREATE FUNCTION admission_lottery_result_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT state FROM admission_lottery WHERE id = NEW.lottery_id) IS DISTINCT FROM 'seeded' THEN
        RAISE EXCEPTION 'admission_lottery_result: INSERT refused: results are written only by the draw of a seeded lottery' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$`,
	`CREATE FUNCTION zhongkao_sealed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM zhongkao_snapshot WHERE run_id = NEW.run_id) THEN
            RAISE EXCEPTION '%: INSERT refused: a published run is sealed', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF (SELECT kind FROM zhongkao_run WHERE id = OLD.run_id) = 'published' THEN
        RAISE EXCEPTION '%: DELETE refused: a published run''s rows cannot be deleted', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$`,
	`CREATE TRIGGER admission_lottery_final BEFORE UPDATE ON admission_lottery FOR EACH ROW
    WHEN (OLD.state IN ('drawn', 'cancelled')) EXECUTE FUNCTION admission_refuse('a drawn or cancelled lottery cannot change')`,
	`CREATE TRIGGER admission_lottery_fixed BEFORE UPDATE ON admission_lottery FOR EACH ROW
    WHEN ((OLD.seed <> '' AND NEW.seed <> OLD.seed) OR (OLD.list_digest <> '' AND NEW.list_digest <> OLD.list_digest) OR (OLD.state <> 'open' AND NEW.state = 'open'))
    EXECUTE FUNCTION admission_refuse('a lottery''s frozen list, its digest and its seed cannot change')`,
	`CREATE TRIGGER admission_lottery_no_delete BEFORE DELETE ON admission_lottery FOR EACH ROW
    WHEN (OLD.state <> 'open') EXECUTE FUNCTION admission_refuse('only an open lottery may be deleted')`,
	`CREATE TRIGGER admission_lottery_no_truncate BEFORE TRUNCATE ON admission_lottery FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('lotteries are kept')`,
	`CREATE TRIGGER admission_lottery_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON admission_lottery_entry FOR EACH ROW EXECUTE FUNCTION admission_lottery_entry_guard()`,
	`CREATE TRIGGER admission_lottery_entry_no_truncate BEFORE TRUNCATE ON admission_lottery_entry FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('lottery lists are kept')`,
	`CREATE TRIGGER admission_lottery_result_insert BEFORE INSERT ON admission_lottery_result FOR EACH ROW EXECUTE FUNCTION admission_lottery_result_guard()`,
	`CREATE TRIGGER admission_lottery_result_no_change BEFORE UPDATE OR DELETE ON admission_lottery_result FOR EACH ROW EXECUTE FUNCTION admission_refuse('lottery results cannot change')`,
	`CREATE TRIGGER admission_lottery_result_no_truncate BEFORE TRUNCATE ON admission_lottery_result FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('lottery results cannot change')`,

	`CREATE TRIGGER zhongkao_run_published BEFORE UPDATE OR DELETE ON zhongkao_run FOR EACH ROW
    WHEN (OLD.kind = 'published') EXECUTE FUNCTION admission_refuse('a published run cannot change')`,
	`CREATE TRIGGER zhongkao_run_no_truncate BEFORE TRUNCATE ON zhongkao_run FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('runs are kept')`,
	`CREATE TRIGGER zhongkao_result_no_update BEFORE UPDATE ON zhongkao_result FOR EACH ROW EXECUTE FUNCTION admission_refuse('placement results cannot change')`,
	`CREATE TRIGGER zhongkao_result_sealed BEFORE INSERT OR DELETE ON zhongkao_result FOR EACH ROW EXECUTE FUNCTION zhongkao_sealed_guard()`,
	`CREATE TRIGGER zhongkao_result_no_truncate BEFORE TRUNCATE ON zhongkao_result FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('placement results are kept')`,
	`CREATE TRIGGER zhongkao_cutoff_no_update BEFORE UPDATE ON zhongkao_cutoff FOR EACH ROW EXECUTE FUNCTION admission_refuse('cut-offs cannot change')`,
	`CREATE TRIGGER zhongkao_cutoff_sealed BEFORE INSERT OR DELETE ON zhongkao_cutoff FOR EACH ROW EXECUTE FUNCTION zhongkao_sealed_guard()`,
	`CREATE TRIGGER zhongkao_cutoff_no_truncate BEFORE TRUNCATE ON zhongkao_cutoff FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('cut-offs are kept')`,
	`CREATE TRIGGER zhongkao_snapshot_no_change BEFORE UPDATE OR DELETE ON zhongkao_snapshot FOR EACH ROW EXECUTE FUNCTION admission_refuse('a snapshot cannot change')`,
	`CREATE TRIGGER zhongkao_snapshot_no_truncate BEFORE TRUNCATE ON zhongkao_snapshot FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('snapshots are kept')`,
	`CREATE TRIGGER zhongkao_publication_no_delete BEFORE DELETE ON zhongkao_publication FOR EACH ROW EXECUTE FUNCTION admission_refuse('the publication head cannot be deleted')`,
	`CREATE TRIGGER zhongkao_publication_forward BEFORE UPDATE ON zhongkao_publication FOR EACH ROW
    WHEN (NEW.serial <= OLD.serial OR NEW.id <> OLD.id) EXECUTE FUNCTION admission_refuse('the publication head only moves forward')`,
	`CREATE TRIGGER zhongkao_publication_no_truncate BEFORE TRUNCATE ON zhongkao_publication FOR EACH STATEMENT EXECUTE FUNCTION admission_refuse('the publication head is kept')`,
}

var postgresAdmissionTriggersDown = []string{
	`DROP TRIGGER zhongkao_publication_no_truncate ON zhongkao_publication`,
	`DROP TRIGGER zhongkao_publication_forward ON zhongkao_publication`,
	`DROP TRIGGER zhongkao_publication_no_delete ON zhongkao_publication`,
	`DROP TRIGGER zhongkao_snapshot_no_truncate ON zhongkao_snapshot`,
	`DROP TRIGGER zhongkao_snapshot_no_change ON zhongkao_snapshot`,
	`DROP TRIGGER zhongkao_cutoff_no_truncate ON zhongkao_cutoff`,
	`DROP TRIGGER zhongkao_cutoff_sealed ON zhongkao_cutoff`,
	`DROP TRIGGER zhongkao_cutoff_no_update ON zhongkao_cutoff`,
	`DROP TRIGGER zhongkao_result_no_truncate ON zhongkao_result`,
	`DROP TRIGGER zhongkao_result_sealed ON zhongkao_result`,
	`DROP TRIGGER zhongkao_result_no_update ON zhongkao_result`,
	`DROP TRIGGER zhongkao_run_no_truncate ON zhongkao_run`,
	`DROP TRIGGER zhongkao_run_published ON zhongkao_run`,
	`DROP TRIGGER admission_lottery_result_no_truncate ON admission_lottery_result`,
	`DROP TRIGGER admission_lottery_result_no_change ON admission_lottery_result`,
	`DROP TRIGGER admission_lottery_result_insert ON admission_lottery_result`,
	`DROP TRIGGER admission_lottery_entry_no_truncate ON admission_lottery_entry`,
	`DROP TRIGGER admission_lottery_entry_guard ON admission_lottery_entry`,
	`DROP TRIGGER admission_lottery_no_truncate ON admission_lottery`,
	`DROP TRIGGER admission_lottery_no_delete ON admission_lottery`,
	`DROP TRIGGER admission_lottery_fixed ON admission_lottery`,
	`DROP TRIGGER admission_lottery_final ON admission_lottery`,
	`DROP FUNCTION zhongkao_sealed_guard()`,
	`DROP FUNCTION admission_lottery_result_guard()`,
	`DROP FUNCTION admission_lottery_entry_guard()`,
	`DROP FUNCTION admission_refuse()`,
}
