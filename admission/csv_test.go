package admission

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"edubureau/fault"
)

func TestReadPlan(t *testing.T) {
	in := "\uFEFFschool, batch ,junior,places,min_score,note\n" +
		" S001 ,1, J01 ,10,550.5,x\n" +
		"S001,2,,20,,\n" +
		"\"S002\",2,,0,-3,y\n"
	plan, lines, err := ReadPlan(strings.NewReader(in), "plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []PlanRow{
		{Batch: 1, School: "S001", Junior: "J01", Places: 10, MinScore: 550.5, HasMin: true},
		{Batch: 2, School: "S001", Places: 20},
		{Batch: 2, School: "S002", Places: 0, MinScore: -3, HasMin: true},
	}
	if !reflect.DeepEqual(plan, want) || !reflect.DeepEqual(lines, []int{2, 3, 4}) {
		t.Errorf("got %+v %v", plan, lines)
	}
}

// wantCSVError checks that err is a *CSVError at file/row/column.
func wantCSVError(t *testing.T, err error, file string, row int, column string) {
	t.Helper()
	var ce *CSVError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CSVError", err)
	}
	if ce.File != file || ce.Row != row || ce.Column != column {
		t.Errorf("got %s row %d column %q (%v), want %s row %d column %q", ce.File, ce.Row, ce.Column, err, file, row, column)
	}
	msg := err.Error()
	if !strings.Contains(msg, file) || !strings.Contains(msg, "row ") || (column != "" && !strings.Contains(msg, column)) {
		t.Errorf("message %q does not name the place", msg)
	}
	if ce.Msg.ZH == "" || ce.Msg.EN == "" || ce.Msg.ZH == ce.Msg.EN {
		t.Errorf("message not in both languages: %+v", ce.Msg)
	}
	if fault.KindOf(err) != fault.Invalid {
		t.Errorf("kind %s, want invalid", fault.KindOf(err))
	}
}

const planHeader = "batch,school,junior,places,min_score\n"

func TestReadPlanErrors(t *testing.T) {
	tests := []struct {
		name, in string
		row      int
		column   string
	}{
		{"empty file", "", 1, ""},
		{"missing column", "batch,school,junior,places\n1,S1,,1\n", 1, "min_score"},
		{"batch zero", planHeader + "1,S1,,1,\n0,S1,,1,\n", 3, "batch"},
		{"batch not a number", planHeader + "one,S1,,1,\n", 2, "batch"},
		{"batch negative", planHeader + "-1,S1,,1,\n", 2, "batch"},
		{"negative places", planHeader + "1,S1,,-5,\n", 2, "places"},
		{"places not an integer", planHeader + "1,S1,,2.5,\n", 2, "places"},
		{"min score not a number", planHeader + "1,S1,,5,high\n", 2, "min_score"},
		{"min score NaN", planHeader + "1,S1,,5,NaN\n", 2, "min_score"},
		{"empty school", planHeader + "1, ,,5,\n", 2, "school"},
		{"school with a bar", planHeader + "1,S1|S2,,5,\n", 2, "school"},
		{"short row", planHeader + "1,S1,,5\n", 2, "min_score"},
		{"long row", planHeader + "1,S1,,5,,x\n", 2, "#6"},
		{"repeated column", "batch,school,junior,places,min_score,school\n", 1, "school"},
		{"no rows", planHeader, 1, ""},
		{"bad quoting", planHeader + "1,S\"1,,5,\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadPlan(strings.NewReader(tt.in), "PLAN.csv")
			wantCSVError(t, err, "PLAN.csv", tt.row, tt.column)
		})
	}
}

func TestReadApplicants(t *testing.T) {
	in := "\uFEFFexam_no,junior,total,math,chinese,b2,b1,biology\n" +
		"E1,J1,608.5,120,110, S1 | S2 ,S3,x\n" +
		"E2,,600,100,100,,,\n" +
		"E3,J2, 590 ,99.5,0,S2,,\n"
	apps, lines, err := ReadApplicants(strings.NewReader(in), "a.csv", []int{1, 2}, []string{"chinese", "math"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Applicant{
		{ExamNo: "E1", Junior: "J1", Total: 608.5, TieBreak: []float64{110, 120},
			Choices: []BatchChoice{{Batch: 1, Schools: []string{"S3"}}, {Batch: 2, Schools: []string{"S1", "S2"}}}},
		{ExamNo: "E2", Total: 600, TieBreak: []float64{100, 100}},
		{ExamNo: "E3", Junior: "J2", Total: 590, TieBreak: []float64{0, 99.5},
			Choices: []BatchChoice{{Batch: 2, Schools: []string{"S2"}}}},
	}
	if !reflect.DeepEqual(apps, want) || !reflect.DeepEqual(lines, []int{2, 3, 4}) {
		t.Errorf("got %+v %v", apps, lines)
	}
}

const appHeader = "exam_no,junior,total,chinese,b1,b2\n"

func TestReadApplicantsErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		tiebreaks []string
		row       int
		column    string
	}{
		{"missing exam_no", "junior,total,b1,b2\n", nil, 1, "exam_no"},
		{"missing junior", "exam_no,total,b1,b2\n", nil, 1, "junior"},
		{"missing total", "exam_no,junior,b1,b2\n", nil, 1, "total"},
		{"missing batch column", "exam_no,junior,total,b1\n", nil, 1, "b2"},
		{"batch column without plan rows", "exam_no,junior,total,b1,b2,b3\n", nil, 1, "b3"},
		{"bad batch number", "exam_no,junior,total,b1,b2,b0\n", nil, 1, "b0"},
		{"leading zero batch", "exam_no,junior,total,b1,b2,b01\n", nil, 1, "b01"},
		{"unknown tie-break", appHeader, []string{"math"}, 1, "math"},
		{"total as tie-break", appHeader, []string{"total"}, 1, "total"},
		{"choices as tie-break", appHeader, []string{"b1"}, 1, "b1"},
		{"tie-break twice", appHeader, []string{"chinese", "chinese"}, 1, "chinese"},
		{"non-numeric total", appHeader + "E1,J1,abc,1,,\n", nil, 2, "total"},
		{"empty total", appHeader + "E1,J1,,1,,\n", nil, 2, "total"},
		{"infinite total", appHeader + "E1,J1,1e999,1,,\n", nil, 2, "total"},
		{"hex total", appHeader + "E1,J1,0x10,1,,\n", nil, 2, "total"},
		{"non-numeric tie-break", appHeader + "E1,J1,600,1,,\nE2,J1,600,ninety,,\n", []string{"chinese"}, 3, "chinese"},
		{"empty exam number", appHeader + " ,J1,600,1,,\n", nil, 2, "exam_no"},
		{"empty choice in a list", appHeader + "E1,J1,600,1,S1||S2,\n", nil, 2, "b1"},
		{"trailing bar", appHeader + "E1,J1,600,1,,S1|\n", nil, 2, "b2"},
		{"short row", appHeader + "E1,J1,600\n", nil, 2, "chinese"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadApplicants(strings.NewReader(tt.in), "APPLICANTS.csv", []int{1, 2}, tt.tiebreaks)
			wantCSVError(t, err, "APPLICANTS.csv", tt.row, tt.column)
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	plan, apps, tbs := SyntheticCohort(500, 9)
	var pb, ab bytes.Buffer
	if err := WritePlan(&pb, plan); err != nil {
		t.Fatal(err)
	}
	if err := WriteApplicants(&ab, apps, tbs, Batches(plan)); err != nil {
		t.Fatal(err)
	}
	plan2, _, err := ReadPlan(&pb, "p")
	if err != nil {
		t.Fatal(err)
	}
	apps2, _, err := ReadApplicants(&ab, "a", Batches(plan2), tbs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plan, plan2) {
		t.Error("plan changed in the round trip")
	}
	if !reflect.DeepEqual(apps, apps2) {
		t.Error("applicants changed in the round trip")
	}
}

func TestWriteResultsAndCutoffs(t *testing.T) {
	plan := []PlanRow{quota(1, "S1", "J1", 1), withMin(gen(1, "S1", 2), 600), gen(2, "S2", 3)}
	apps := []Applicant{
		app("E3", "J1", 612.5, nil, "1:S1"),
		app("E1", "J1", 640, nil, "1:S1"),
		app("E2", "J2", 590, nil, "1:S1", "2:S2"),
		app("E4", "J2", 100, nil),
	}
	res, err := Place(plan, apps)
	if err != nil {
		t.Fatal(err)
	}
	var rb, cb, eb bytes.Buffer
	if err := WriteResults(&rb, &res); err != nil {
		t.Fatal(err)
	}
	if err := WriteCutoffs(&cb, &res); err != nil {
		t.Fatal(err)
	}
	if err := WriteExplanations(&eb, &res); err != nil {
		t.Fatal(err)
	}
	wantR := "exam_no,batch,school,seat\nE1,1,S1,quota\nE2,2,S2,general\nE3,1,S1,general\nE4,,,\n"
	wantC := "batch,school,junior,places,admitted,lowest_total\n1,S1,J1,1,1,640\n1,S1,,2,1,612.5\n2,S2,,3,1,590\n"
	if rb.String() != wantR {
		t.Errorf("results\n%s\nwant\n%s", rb.String(), wantR)
	}
	if cb.String() != wantC {
		t.Errorf("cutoffs\n%s\nwant\n%s", cb.String(), wantC)
	}
	if !strings.Contains(eb.String(), "E2,未被 S1 录取（第 1 批次）：统招名额：其最低控制线为 600.0") &&
		!strings.Contains(eb.String(), "not admitted to S1 (batch 1): its minimum score is 600.0; your total is 590.0") {
		t.Errorf("explanations:\n%s", eb.String())
	}
}

func TestLotteryCSV(t *testing.T) {
	ids, lines, err := ReadLotteryIDs(strings.NewReader("\uFEFFname,id\nA, 7 \nB,\"8,9\"\n"), "ids.csv")
	if err != nil || !reflect.DeepEqual(ids, []string{"7", "8,9"}) || !reflect.DeepEqual(lines, []int{2, 3}) {
		t.Errorf("got %q %v %v", ids, lines, err)
	}
	for _, tt := range []struct {
		name, in string
		row      int
		column   string
	}{
		{"missing id", "name\nA\n", 1, "id"},
		{"empty id", "id\n1\n \n", 3, "id"},
		{"duplicate id", "id\n1\n2\n1\n", 4, "id"},
	} {
		_, _, err := ReadLotteryIDs(strings.NewReader(tt.in), "ids.csv")
		wantCSVError(t, err, "ids.csv", tt.row, tt.column)
	}
	ts, _ := Draw("seed", []string{"a", "b,c", "d"}, 2)
	var b bytes.Buffer
	if err := WriteTickets(&b, ts); err != nil {
		t.Fatal(err)
	}
	back, _, err := ReadTickets(&b, "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := VerifyDraw("seed", []string{"d", "a", "b,c"}, 2, back); m != nil || err != nil {
		t.Errorf("written draw does not verify: %+v %v", m, err)
	}
	for _, tt := range []struct {
		name, in string
		row      int
		column   string
	}{
		{"missing admitted", "id,rank\na,1\n", 1, "admitted"},
		{"bad rank", "id,rank,admitted\na,first,true\n", 2, "rank"},
		{"zero rank", "id,rank,admitted\na,0,true\n", 2, "rank"},
		{"bad admitted", "id,rank,admitted\na,1,yes\n", 2, "admitted"},
	} {
		_, _, err := ReadTickets(strings.NewReader(tt.in), "r.csv")
		wantCSVError(t, err, "r.csv", tt.row, tt.column)
	}
}

// The fuzz targets check that no input makes a reader panic, that every
// refusal is a *CSVError, and that what is accepted survives a round trip.

func checkFuzzErr(t *testing.T, err error) {
	var ce *CSVError
	if err != nil && !errors.As(err, &ce) {
		t.Fatalf("error of type %T: %v", err, err)
	}
}

func FuzzReadPlan(f *testing.F) {
	f.Add(planHeader + "1,S1,J1,3,550\n2,S1,,5,\n")
	f.Add("\uFEFF" + planHeader + "1,\"S 1\",,0,-1.5\n")
	f.Add(planHeader + "1,S1,,5\n")
	f.Fuzz(func(t *testing.T, in string) {
		plan, _, err := ReadPlan(strings.NewReader(in), "p")
		checkFuzzErr(t, err)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WritePlan(&b, plan); err != nil {
			t.Fatal(err)
		}
		again, _, err := ReadPlan(&b, "p")
		if err != nil || !reflect.DeepEqual(plan, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, plan, again)
		}
		if _, err := Place(plan, nil); err != nil {
			t.Fatalf("a plan the reader accepts is refused by Place: %v", err)
		}
	})
}

func FuzzReadApplicants(f *testing.F) {
	f.Add(appHeader + "E1,J1,600.5,90,S1|S2,S3\nE2,,1,2,,\n")
	f.Add("\uFEFF" + appHeader + "\"E,1\",J1,-0,1e2, S1 ,\n")
	f.Add(appHeader + "E1,J1,600,90,S1||S2,\n")
	f.Fuzz(func(t *testing.T, in string) {
		apps, _, err := ReadApplicants(strings.NewReader(in), "a", []int{1, 2}, []string{"chinese"})
		checkFuzzErr(t, err)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteApplicants(&b, apps, []string{"chinese"}, []int{1, 2}); err != nil {
			t.Fatal(err)
		}
		again, _, err := ReadApplicants(&b, "a", []int{1, 2}, []string{"chinese"})
		if err != nil || !reflect.DeepEqual(apps, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, apps, again)
		}
	})
}

func FuzzReadLotteryIDs(f *testing.F) {
	f.Add("id\n1\n2\n")
	f.Add("\uFEFFname,id\nx,\"a,b\"\n")
	f.Add("id\n1\n1\n")
	f.Fuzz(func(t *testing.T, in string) {
		ids, _, err := ReadLotteryIDs(strings.NewReader(in), "ids")
		checkFuzzErr(t, err)
		if err != nil {
			return
		}
		if _, err := Draw("seed", ids, 1); err != nil {
			t.Fatalf("ids the reader accepts are refused by Draw: %v", err)
		}
	})
}

func FuzzReadTickets(f *testing.F) {
	f.Add("id,rank,admitted\na,1,true\nb,2,false\n")
	f.Add("id,rank,admitted\na,x,true\n")
	f.Fuzz(func(t *testing.T, in string) {
		_, _, err := ReadTickets(strings.NewReader(in), "r")
		checkFuzzErr(t, err)
	})
}

func TestReadColumnsAndHeader(t *testing.T) {
	f := "\uFEFFid, prefs ,other\n a ,S1|S2,x\nb,,y\n"
	recs, lines, err := ReadColumns(strings.NewReader(f), "list.csv", []string{"id"}, []string{"prefs", "absent"})
	if err != nil || len(recs) != 2 || recs[0][0] != "a" || recs[0][1] != "S1|S2" || recs[1][2] != "" || lines[1] != 3 {
		t.Fatalf("%q %v %v", recs, lines, err)
	}
	_, _, err = ReadColumns(strings.NewReader("name\nx\n"), "list.csv", []string{"id"}, nil)
	wantCSVError(t, err, "list.csv", 1, "id")
	_, _, err = ReadColumns(strings.NewReader("id,prefs\na\n"), "list.csv", []string{"id"}, nil)
	wantCSVError(t, err, "list.csv", 2, "prefs")
	h, err := Header(strings.NewReader("exam_no, b2 ,b1,total\n"), "a.csv")
	if err != nil || len(h) != 4 || h[1] != "b2" {
		t.Fatalf("%q %v", h, err)
	}
	if bs, err := ChoiceBatches(h, "a.csv"); err != nil || len(bs) != 2 || bs[0] != 1 || bs[1] != 2 {
		t.Fatalf("%v %v", bs, err)
	}
	_, err = ChoiceBatches([]string{"exam_no", "b01"}, "a.csv")
	wantCSVError(t, err, "a.csv", 1, "b01")
}
