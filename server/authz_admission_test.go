package server

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/enrol"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// admissionEntries are the admission pages (web/admission*.go): records at
// school A (珠晖区, which the inspector is assigned) and at school B (衡阳县):
// a plan each, a zone each with a child in it and a drawn lottery, and a
// published 中考 run with one student from each.
func admissionEntries(t *testing.T, d *db.DB, srv *Server) map[string]entry {
	t.Helper()
	ctx := context.Background()
	o := srv.Results().Office
	if o.Keyring == nil {
		o.Keyring = testKeyring(t)
	}
	by := enrol.System("seed", "matrix")
	if _, err := o.Schools.Create(ctx, scope.Everything, school.School{Code: "3443000003", Name: "珠晖区高中", Type: school.Senior,
		Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"}, school.Actor{Username: "seed"}); err != nil {
		t.Fatal(err)
	}
	const year = 2026
	plan := func(code string) string {
		p, err := o.CreatePlan(ctx, by, enrol.PlanInput{Year: year, Grade: 1, School: code, Rows: []enrol.PlanRow{{Batch: 1, Places: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.SetPlanState(ctx, by, p.ID, 0, "approve"); err != nil {
			t.Fatal(err)
		}
		return "/admission/plans/" + strconv.FormatInt(p.ID, 10)
	}
	planA, planB := plan(schoolA), plan(schoolB)
	feature := func(code, sch string, x float64) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"zone":%q,"schools":[%q]},"geometry":{"type":"Polygon","coordinates":[[[%g,26],[%g,26],[%g,27],[%g,27],[%g,26]]]}}`,
			code, sch, x, x+0.1, x+0.1, x, x)
	}
	geo := `{"type":"FeatureCollection","features":[` + feature("ZA", schoolA, 112.5) + "," + feature("ZB", schoolB, 112.7) + `]}`
	if _, err := o.ImportZones(ctx, by, year, 1, strings.NewReader(geo), "matrix.geojson"); err != nil {
		t.Fatal(err)
	}
	zones, err := o.Zones(ctx, scope.Everything, enrol.ZoneFilter{Year: year, Grade: 1})
	if err != nil || len(zones.Items) != 2 {
		t.Fatal(zones, err)
	}
	zoneA, zoneB := zones.Items[0], zones.Items[1]
	kids, err := o.AddApplicants(ctx, by, []enrol.ApplicantInput{
		{Year: year, Grade: 1, County: "430405", Name: "甲", IDNumber: idno.MakeResidentID("430405", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), 11), Lng: 112.55, Lat: 26.5},
		{Year: year, Grade: 1, County: "430421", Name: "乙", IDNumber: idno.MakeResidentID("430421", time.Date(2020, 1, 3, 0, 0, 0, 0, time.UTC), 12), Lng: 112.75, Lat: 26.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	lottery := func(z enrol.Zone, ticket string) string {
		l, err := o.CreateLottery(ctx, by, enrol.LotteryInput{Year: year, Grade: 1, Kind: enrol.LotteryZone, ZoneID: z.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.AddEntries(ctx, by, l.ID, []enrol.EntryInput{{Ticket: ticket}}); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Freeze(ctx, by, l.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := o.AnnounceSeed(ctx, by, l.ID, 0, "matrix"); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Draw(ctx, by, l.ID, 0); err != nil {
			t.Fatal(err)
		}
		return "/admission/lotteries/" + strconv.FormatInt(l.ID, 10)
	}
	lotA, lotB := lottery(zoneA, kids[0].Number), lottery(zoneB, kids[1].Number)
	id := func(seq int) string {
		return idno.MakeResidentID("430405", time.Date(2011, 1, seq, 0, 0, 0, 0, time.UTC), seq)
	}
	cohort := "exam_no,junior,total,b1,id_no\nE1," + schoolA + ",600,3443000003," + id(1) + "\nE2," + schoolB + ",590,3443000003," + id(2) + "\n"
	if _, err := o.Import(ctx, by, enrol.SeniorPlanKind{Office: o}, "PLAN.csv", []byte("batch,school,junior,places,min_score\n1,3443000003,,1,\n"),
		map[string]string{"year": strconv.Itoa(year)}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Import(ctx, by, enrol.ZhongkaoKind{Office: o}, "cohort.csv", []byte(cohort), map[string]string{"year": strconv.Itoa(year)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.ApproveAll(ctx, by, year, 10); err != nil {
		t.Fatal(err)
	}
	sim, err := o.Simulate(ctx, by, year)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := o.Publish(ctx, by, year, sim.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Results().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	run := "/admission/zhongkao/runs/" + strconv.FormatInt(pub.ID, 10)
	zA, zB := "/admission/zones/"+strconv.FormatInt(zoneA.ID, 10), "/admission/zones/"+strconv.FormatInt(zoneB.ID, 10)
	aA, aB := "/admission/applicants/"+strconv.FormatInt(kids[0].ID, 10), "/admission/applicants/"+strconv.FormatInt(kids[1].ID, 10)
	publicLot := strings.Replace(lotA, "/admission/", "/portal/admission/", 1)
	blank := url.Values{}
	v, e := "admission.view", "admission.edit"
	y := "?year=2026"
	return map[string]entry{
		"GET /admission":                                    {need: v, path: "/admission" + y},
		"GET /admission/plans":                              {need: v, path: "/admission/plans" + y},
		"GET /admission/plans/export.csv":                   {need: v, path: "/admission/plans/export.csv" + y},
		"GET /admission/plans/export.xlsx":                  {need: v, path: "/admission/plans/export.xlsx" + y},
		"GET /admission/plans/new":                          {need: e, path: "/admission/plans/new" + y},
		"POST /admission/plans":                             {need: e, path: "/admission/plans", form: blank},
		"POST /admission/plans/approve-all":                 {need: e, path: "/admission/plans/approve-all", form: blank},
		"GET /admission/plans/{id}":                         {need: v, path: planA, out: planB},
		"GET /admission/plans/{id}/edit":                    {need: e, path: planA + "/edit", out: planB + "/edit"},
		"POST /admission/plans/{id}":                        {need: e, path: planA, out: planB, form: blank},
		"POST /admission/plans/{id}/state":                  {need: e, path: planA + "/state", out: planB + "/state", form: url.Values{"action": {"none"}}},
		"GET /admission/zones":                              {need: v, path: "/admission/zones" + y},
		"GET /admission/zones/map":                          {need: v, path: "/admission/zones/map" + y},
		"GET /admission/zones/export.geojson":               {need: v, path: "/admission/zones/export.geojson" + y},
		"POST /admission/zones/import":                      {need: e, path: "/admission/zones/import", form: url.Values{"year": {"2026"}}},
		"POST /admission/zones/assign":                      {need: e, path: "/admission/zones/assign", form: url.Values{"year": {"2026"}}},
		"GET /admission/zones/{id}":                         {need: v, path: zA, out: zB},
		"POST /admission/zones/{id}":                        {need: e, path: zA, out: zB, form: blank},
		"POST /admission/zones/{id}/delete":                 {need: e, path: zA + "/delete", out: zB + "/delete", form: blank}, // refused: the zone has a lottery
		"GET /admission/applicants":                         {need: v, path: "/admission/applicants" + y},
		"GET /admission/applicants/export.csv":              {need: v, path: "/admission/applicants/export.csv" + y},
		"POST /admission/applicants":                        {need: e, path: "/admission/applicants", form: blank},
		"POST /admission/applicants/import":                 {need: e, path: "/admission/applicants/import", form: blank},
		"POST /admission/applicants/from-registry":          {need: e, path: "/admission/applicants/from-registry", form: blank},
		"GET /admission/applicants/{id}":                    {need: v, path: aA, out: aB},
		"POST /admission/applicants/{id}/reveal":            {need: "admission.view_pii", path: aA + "/reveal", out: aB + "/reveal", form: blank},
		"GET /admission/lotteries":                          {need: v, path: "/admission/lotteries" + y},
		"POST /admission/lotteries":                         {need: e, path: "/admission/lotteries", form: blank},
		"GET /admission/lotteries/{id}":                     {need: v, path: lotA, out: lotB},
		"GET /admission/lotteries/{id}/results.csv":         {need: v, path: lotA + "/results.csv", out: lotB + "/results.csv"},
		"POST /admission/lotteries/{id}/entries":            {need: e, path: lotA + "/entries", out: lotB + "/entries", form: blank},
		"POST /admission/lotteries/{id}/fill":               {need: e, path: lotA + "/fill", out: lotB + "/fill", form: blank},
		"POST /admission/lotteries/{id}/remove":             {need: e, path: lotA + "/remove", out: lotB + "/remove", form: blank},
		"POST /admission/lotteries/{id}/freeze":             {need: e, path: lotA + "/freeze", out: lotB + "/freeze", form: blank},
		"POST /admission/lotteries/{id}/seed":               {need: e, path: lotA + "/seed", out: lotB + "/seed", form: blank},
		"POST /admission/lotteries/{id}/draw":               {need: e, path: lotA + "/draw", out: lotB + "/draw", form: blank},
		"POST /admission/lotteries/{id}/cancel":             {need: e, path: lotA + "/cancel", out: lotB + "/cancel", form: blank},
		"POST /admission/lotteries/{id}/verify":             {need: v, path: lotA + "/verify", out: lotB + "/verify", form: blank},
		"GET /admission/zhongkao":                           {need: v, path: "/admission/zhongkao" + y},
		"POST /admission/zhongkao/simulate":                 {need: e, path: "/admission/zhongkao/simulate", form: url.Values{"year": {"2026"}}, city: true},
		"POST /admission/zhongkao/publish":                  {need: e, path: "/admission/zhongkao/publish", form: blank, city: true},
		"GET /admission/zhongkao/runs/{id}":                 {need: v, path: run},
		"GET /admission/zhongkao/runs/{id}/results.csv":     {need: v, path: run + "/results.csv"},
		"GET /admission/zhongkao/runs/{id}/cutoffs.csv":     {need: v, path: run + "/cutoffs.csv"},
		"GET /admission/zhongkao/runs/{id}/snapshot":        {need: v, path: run + "/snapshot"},
		"GET /admission/zhongkao/runs/{id}/students/{exam}": {need: v, path: run + "/students/E1", out: run + "/students/E2"},

		"GET /portal/admission":                               {path: "/portal/admission"},
		"GET /portal/admission/plans":                         {path: "/portal/admission/plans" + y},
		"GET /portal/admission/lotteries":                     {path: "/portal/admission/lotteries" + y},
		"GET /portal/admission/lotteries/{id}":                {path: publicLot},
		"GET /portal/admission/lotteries/{id}/applicants.csv": {path: publicLot + "/applicants.csv"},
		"GET /portal/admission/lotteries/{id}/results.csv":    {path: publicLot + "/results.csv"},
		"GET /portal/admission/results":                       {path: "/portal/admission/results"},
		"POST /portal/admission/results":                      {path: "/portal/admission/results", form: url.Values{"exam_no": {"E1"}, "id_suffix": {id(1)[12:]}}},
		"GET /api/v1/public/admission/results":                {path: "/api/v1/public/admission/results?exam_no=E1&id_suffix=" + id(1)[12:]},
	}
}

func testKeyring(t *testing.T) *pii.Keyring {
	t.Helper()
	k, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
