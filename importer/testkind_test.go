package importer

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/i18n"
)

// people is the test kind: a person with a code (the natural key), a name,
// a gender (coded), a birth date and a phone. Its table is made by the test.
type people struct {
	// slowWrite, when set, sleeps in every Write (the kill and cancel tests).
	slowWrite time.Duration
}

const peopleTable = `CREATE TABLE test_person (code TEXT PRIMARY KEY, name TEXT NOT NULL, gender TEXT NOT NULL,
	birth TEXT NOT NULL, phone TEXT NOT NULL)`

func makePeopleTable(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := d.Exec(peopleTable); err != nil {
		t.Fatal(err)
	}
}

func (people) Spec() Spec {
	return Spec{
		Name: "people", Title: i18n.T("人员", "People"), Permission: "school.edit", Sheet: "人员信息", KeyColumn: "code",
		Columns: []Column{
			{Key: "code", ZH: "编号", EN: "Code", Aliases: []string{"人员编号"}, Required: true, Text: true, Example: "P0001",
				Note: i18n.T("P 加 4 位数字", "P and 4 digits")},
			{Key: "name", ZH: "姓名", EN: "Name", Required: true, MaxLen: 20},
			{Key: "gender", ZH: "性别", EN: "Gender", Required: true, Codes: []Code{{Value: "1", Label: i18n.T("男", "Male")}, {Value: "2", Label: i18n.T("女", "Female")}}},
			{Key: "birth", ZH: "出生日期", EN: "Date of birth", Required: true, Date: true, Example: "2015-09-01"},
			{Key: "phone", ZH: "电话", EN: "Phone", Text: true},
		},
		Instructions: []i18n.Text{i18n.T("测试用。", "For tests.")},
	}
}

type person struct{ code, name, gender, birth, phone string }

type peopleWriter struct {
	k  people
	tx *sql.Tx
}

func (k people) Begin(ctx context.Context, s *Session) (Writer, error) {
	return &peopleWriter{k: k, tx: s.Tx}, nil
}

func (w *peopleWriter) Check(it *Item) {
	p := person{code: strings.ToUpper(it.Row.Value("code")), name: it.Row.Value("name"), gender: it.Row.Value("gender"),
		birth: it.Row.Value("birth"), phone: it.Row.Value("phone")}
	if p.code != "" && (len(p.code) < 5 || p.code[0] != 'P' || !isDigits(p.code[1:])) {
		it.Refuse("code", i18n.T("编号应为 P 加 4 位数字", "the code is P and 4 digits"))
	}
	if p.birth != "" {
		if _, err := time.Parse(time.DateOnly, p.birth); err != nil {
			it.Refuse("birth", i18n.T("“%s”不是有效日期", "%q is not a valid date", p.birth))
		}
	}
	if p.name == "警告" {
		it.Warn("name", i18n.T("测试警告", "a test warning"))
	}
	it.Record, it.Key = p, p.code
}

func (w *peopleWriter) lookup(ctx context.Context, p person) (person, bool, error) {
	var o person
	err := w.tx.QueryRowContext(ctx, `SELECT code, name, gender, birth, phone FROM test_person WHERE code = $1`, p.code).
		Scan(&o.code, &o.name, &o.gender, &o.birth, &o.phone)
	if db.IsNoRows(err) {
		return o, false, nil
	}
	return o, err == nil, err
}

// Verify refuses the code P9999, which stands for "taken at another school".
func (w *peopleWriter) Verify(ctx context.Context, items []*Item) error {
	for _, it := range items {
		if it.Record.(person).code == "P9999" {
			it.Refuse("code", i18n.T("编号 P9999 已被别处使用", "code P9999 is taken elsewhere"))
		}
	}
	return nil
}

func (w *peopleWriter) Write(ctx context.Context, items []*Item) error {
	if w.k.slowWrite > 0 {
		time.Sleep(w.k.slowWrite)
	}
	if err := w.Verify(ctx, items); err != nil {
		return err
	}
	for _, it := range items {
		if it.Refused() {
			continue
		}
		p := it.Record.(person)
		old, found, err := w.lookup(ctx, p)
		if err != nil {
			return err
		}
		switch {
		case !found:
			_, err = w.tx.ExecContext(ctx, `INSERT INTO test_person (code, name, gender, birth, phone) VALUES ($1, $2, $3, $4, $5)`,
				p.code, p.name, p.gender, p.birth, p.phone)
			it.Outcome = Created
		case old == p:
			it.Outcome = Unchanged
		default:
			_, err = w.tx.ExecContext(ctx, `UPDATE test_person SET name = $2, gender = $3, birth = $4, phone = $5 WHERE code = $1`,
				p.code, p.name, p.gender, p.birth, p.phone)
			it.Outcome = Updated
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *peopleWriter) Finish(ctx context.Context) error { return nil }
