package api

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// The reference encoding of an answer (encoding/json over the schema's
// shape); appendResult must write exactly the same bytes.
type schoolRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type resultReason struct {
	Batch  int       `json:"batch"`
	School schoolRef `json:"school"`
	Text   i18n.Text `json:"text"`
}

type admissionResult struct {
	ExamNo      string         `json:"exam_no"`
	Year        int            `json:"year"`
	PublishedAt time.Time      `json:"published_at"`
	Snapshot    string         `json:"snapshot"`
	Admitted    bool           `json:"admitted"`
	Batch       *int           `json:"batch"`
	School      *schoolRef     `json:"school"`
	Seat        *string        `json:"seat"`
	Total       float64        `json:"total"`
	Rank        int            `json:"rank"`
	Outcome     i18n.Text      `json:"outcome"`
	Reasons     []resultReason `json:"reasons"`
}

func resultOf(ans enrol.Answer) admissionResult {
	out := admissionResult{ExamNo: ans.ExamNo, Year: ans.Year, PublishedAt: ans.PublishedAt.UTC(), Snapshot: ans.Snapshot,
		Admitted: ans.Admitted, Total: ans.Total, Rank: ans.Rank, Outcome: ans.Outcome, Reasons: []resultReason{}}
	if ans.Admitted {
		b, seat := ans.Batch, ans.Seat
		out.Batch, out.Seat, out.School = &b, &seat, &schoolRef{Code: ans.School, Name: ans.SchoolName}
	}
	for _, r := range ans.Reasons {
		out.Reasons = append(out.Reasons, resultReason{Batch: r.Batch, School: schoolRef{Code: r.School, Name: r.SchoolName}, Text: r.Text})
	}
	return out
}

func TestAppendResultIsTheJSON(t *testing.T) {
	when := time.Date(2026, 7, 10, 9, 30, 15, 123456000, time.UTC)
	for _, ans := range []enrol.Answer{
		{ExamNo: "2026001", Year: 2026, PublishedAt: when, Snapshot: strings.Repeat("ab", 32), Admitted: true, Batch: 2, School: "3443000001",
			SchoolName: `衡阳市"第一"中学\`, Seat: "quota", Total: 612.5, Rank: 17, Outcome: i18n.T("被录取", "admitted"),
			Reasons: []enrol.AnswerReason{{Batch: 1, School: "3443000002", SchoolName: "a<b>&c", Text: i18n.T("未被录取\t（控制字符\x01）", "not admitted\n\r\u2028 x")}}},
		{ExamNo: "x", Year: 2027, PublishedAt: when, Snapshot: "s", Total: 100, Rank: 9000, Outcome: i18n.T("未被录取", "not admitted")},
	} {
		want, err := encode(resultOf(ans))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendResult(nil, ans); !bytes.Equal(got, want) {
			t.Errorf("appendResult\n got %s\nwant %s", got, want)
		}
	}
}

// testAdmission is the public results lookup: before and after a
// publication, right and wrong ID suffixes, the guards' 429s, and an
// instance that cannot load the publication (503).
func testAdmission(t *testing.T, f *fixture) {
	ctx := context.Background()
	ring, err := pii.NewKeyring(bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg := school.New(f.d)
	if _, err := reg.Create(ctx, scope.Everything, school.School{Code: "3443000099", Name: "衡阳市示范高中", Type: school.Senior,
		Ownership: school.Public, County: "430421", Status: school.Active, OpenedOn: "1950-09-01"}, school.Actor{Username: "seed"}); err != nil {
		t.Fatal(err)
	}
	o := enrol.New(f.d, reg, ring, "4304")
	rd := enrol.NewResultsDay(o, nil)
	f.api.d.Admissions, f.api.d.Results = o, rd

	const path = "/api/v1/public/admission/results"
	id1 := idno.MakeResidentID("430408", time.Date(2011, 4, 5, 0, 0, 0, 0, time.UTC), 123)
	id2 := idno.MakeResidentID("430408", time.Date(2011, 6, 7, 0, 0, 0, 0, time.UTC), 246)
	q := func(exam, suffix string) string { return path + "?exam_no=" + exam + "&id_suffix=" + suffix }
	f.run(t, []call{
		{name: "no publication yet", path: q("E1", id1[12:]), as: "anon", status: 404},
		{name: "unknown parameter", path: path + "?exam_no=E1&id_suffix=123456&name=x", as: "anon", status: 400, fields: []string{"name"}},
		{name: "bad suffix", path: q("E1", "12345"), as: "anon", status: 422, fields: []string{"id_suffix"}},
		{name: "no exam number", path: q("", "123456"), as: "anon", status: 422, fields: []string{"exam_no"}},
	})

	by := enrol.ActorOf(auth.User{ID: 1, Username: "admin", Role: auth.Admin, OrgKind: auth.OrgCity}, "127.0.0.1", "t")
	cohort := "exam_no,junior,total,chinese,b1,id_no,name\n" +
		"E1,3143000003,600,100,3443000099," + id1 + ",张一\n" +
		"E2,3143000003,590,100,3443000099," + id2 + ",李二\n"
	plan := "batch,school,junior,places,min_score\n1,3443000099,,1,\n"
	if _, err := o.Import(ctx, by, enrol.SeniorPlanKind{Office: o}, "PLAN.csv", []byte(plan), map[string]string{"year": "2026"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Import(ctx, by, enrol.ZhongkaoKind{Office: o}, "cohort.csv", []byte(cohort), map[string]string{"year": "2026", "tiebreak": "chinese"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.ApproveAll(ctx, by, 2026, 10); err != nil {
		t.Fatal(err)
	}
	sim, err := o.Simulate(ctx, by, 2026)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := o.Publish(ctx, by, 2026, sim.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	f.run(t, []call{
		{name: "admitted", path: q("E1", id1[12:]), as: "anon", status: 200, headers: []string{"X-Snapshot: " + pub.SnapshotSHA256, "Cache-Control: no-store"},
			want: []string{`"admitted":true`, `"code":"3443000099"`, `"name":"衡阳市示范高中"`, `"seat":"general"`, `"rank":1`}},
		{name: "not admitted, with the reason", path: q("E2", strings.ToLower(id2[12:])), as: "anon", status: 200,
			want: []string{`"admitted":false`, `"school":null`, "its last place went to 600.0; your total is 590.0"}},
		{name: "a wrong suffix", path: q("E1", id2[12:]), as: "anon", status: 404, headers: []string{"X-Snapshot: " + pub.SnapshotSHA256}},
		{name: "an unknown exam number", path: q("E9", id1[12:]), as: "anon", status: 404},
	})
	// Too many wrong attempts: 429, then the right suffix is refused too
	// until the window passes.
	rd.Strikes = &enrol.Strikes{PerAddress: 100, PerExam: 2, Window: time.Minute}
	f.run(t, []call{
		{name: "strike 1", path: q("E2", "000000"), as: "anon", status: 404},
		{name: "strike 2", path: q("E2", "000001"), as: "anon", status: 404},
		{name: "blocked", path: q("E2", id2[12:]), as: "anon", status: 429, headers: []string{"Retry-After"}},
		{name: "another number is not blocked", path: q("E1", id1[12:]), as: "anon", status: 200},
	})
	// Over capacity: the gate refuses at once.
	rd.Gate = enrol.NewGate(1, 0)
	f.run(t, []call{
		{name: "within capacity", path: q("E1", id1[12:]), as: "anon", status: 200},
		{name: "over capacity", path: q("E1", id1[12:]), as: "anon", status: 429, headers: []string{"Retry-After"}},
	})
	// An instance that cannot load the new publication answers 503 until it can.
	if _, err := f.d.ExecContext(ctx, `UPDATE zhongkao_publication SET serial = serial + 1, sha256 = 'not-the-content' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	rd2 := enrol.NewResultsDay(o, nil)
	if _, err := rd2.Refresh(ctx); err == nil {
		t.Fatal("a snapshot whose SHA-256 does not match was loaded")
	}
	f.api.d.Results = rd2
	f.run(t, []call{{name: "loading", path: q("E1", id1[12:]), as: "anon", status: 503, headers: []string{"Retry-After"}}})
	f.api.d.Admissions, f.api.d.Results = nil, nil
}
