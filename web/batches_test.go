package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
	"edubureau/scope"
)

// privateSchools registers private schools in 珠晖区 (two) and 衡阳县 (one),
// and training institutions in each.
func privateSchools(t *testing.T, reg *school.Registry) {
	t.Helper()
	lic := func(code, name, county string, typ school.Type) school.School {
		return school.School{Code: code, Name: name, Type: typ, Ownership: school.Private, County: county, Status: school.Active,
			OpenedOn: "2015-09-01", LicenceNo: "教民" + code, LicenceIssuedOn: "2022-01-01", LicenceExpiresOn: "2027-01-01"}
	}
	if err := reg.CreateMany(context.Background(), scope.Everything, []school.School{
		lic("2143000101", "珠晖区育才民办小学", "430405", school.Primary),
		lic("1143000102", "珠晖区阳光幼儿园", "430405", school.Kindergarten),
		lic("3143000103", "衡阳县明德民办中学", "430421", school.Junior),
		lic("9243000106", "珠晖区启航艺术培训学校", "430405", school.Training),
		lic("9243000201", "衡阳县博学培训中心", "430421", school.Training),
	}, school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestAnnualCheckPages: the batch page before and after the start, the
// confirmation (nothing opened until confirmed), a refused start, the
// counts, the filters and the Excel export; a reader may look but not start.
func TestAnnualCheckPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, e := caseFixture(t, d)
		privateSchools(t, f.reg)
		f.signIn()
		year := strconv.Itoa(e.Today().Year() - 1)
		due := e.Today().AddDays(30).String()

		res := f.get("/annual-check")
		if res.status != 200 || !strings.Contains(res.body, "本年度年检尚未启动") || !strings.Contains(res.body, `id="check-start-form"`) ||
			!strings.Contains(res.body, `name="report_due" type="date" value="`+due+`"`) {
			t.Fatalf("before the start: %d\n%s", res.status, between(res.body, "<main", "</main>"))
		}
		// A due date in the past is refused beside its field.
		res = f.post(f.client, "/annual-check/start", url.Values{"year": {year}, "report_due": {"2020-01-01"}})
		if res.status != 422 || !strings.Contains(fieldBlock(res.body, "report_due"), "应晚于今天") || strings.Contains(res.body, `id="check-confirm"`) {
			t.Fatalf("a past due date: %d\n%s", res.status, between(res.body, `id="check-start"`, "</section>"))
		}
		// The confirmation says how many, and opens nothing.
		res = f.post(f.client, "/annual-check/start", url.Values{"year": {year}, "report_due": {due}})
		if res.status != 200 || !strings.Contains(between(res.body, `id="check-plan"`, "</p>"), "将为 5 所民办学校登记年检案件") ||
			!strings.Contains(res.body, `name="confirm" value="yes"`) {
			t.Fatalf("confirmation: %d\n%s", res.status, between(res.body, `id="check-confirm"`, "</section>"))
		}
		if p, _ := e.AnnualCheckProgress(ctx, scope.Everything, e.Today().Year()-1); p.Total != 0 {
			t.Fatal("the confirmation page opened cases")
		}
		res = f.post(f.client, "/annual-check/start", url.Values{"year": {year}, "report_due": {due}, "confirm": {"yes"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/annual-check?year="+year {
			t.Fatalf("start: %d %v", res.status, res.header)
		}
		res = f.get("/annual-check?year=" + year)
		for _, want := range []string{"年检已启动", `id="check-count-total"`, `<span class="figure-value">5</span>`, "珠晖区阳光幼儿园", "待报送自查材料",
			`id="chart-check-states-data"`, `data-state="notified"`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("after the start: missing %q", want)
			}
		}
		if n := strings.Count(res.body, `<tr data-school=`); n != 5 {
			t.Errorf("%d rows", n)
		}
		// Again: nothing new.
		res = f.post(f.client, "/annual-check/start", url.Values{"year": {year}, "report_due": {due}, "confirm": {"yes"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("second start: %d", res.status)
		}
		if res = f.get("/annual-check?year=" + year); !strings.Contains(res.body, "均已有本年度年检案件") {
			t.Error("the second start did not say it opened nothing")
		}
		// Filters.
		if res = f.get("/annual-check?year=" + year + "&county=430421"); strings.Count(res.body, `<tr data-school=`) != 2 { // the junior school and the training institution
			t.Errorf("county filter:\n%s", between(res.body, `id="check-list"`, "</table>"))
		}
		if res = f.get("/annual-check?year=" + year + "&result=excellent"); res.status != 400 || !strings.Contains(res.body, `id="filter-errors"`) {
			t.Errorf("a bad result: %d", res.status)
		}
		if res = f.get("/annual-check?year=1999"); res.status != 400 {
			t.Errorf("a bad year: %d", res.status)
		}
		// Excel: a header and a row per school, with the case numbers.
		res = f.get("/annual-check/export.xlsx?year=" + year)
		if res.status != 200 || !strings.Contains(res.header.Get("Content-Disposition"), "annual-check-"+year) {
			t.Fatalf("export: %d %v", res.status, res.header)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil || len(rows) != 6 || rows[0][1] != "学校标识码" || !strings.HasPrefix(rows[1][5], "衡教检〔") {
			t.Fatalf("sheet %v %v", rows, err)
		}
		// A reader sees the batch but cannot start one, nor sees the form.
		reader := f.newClient()
		f.signInAs(reader, "reader", adminPassword)
		if res := f.getAs(reader, "/annual-check?year="+year); res.status != 200 || strings.Contains(res.body, `id="check-start-form"`) {
			t.Errorf("reader: %d", res.status)
		}
		if res := f.post(reader, "/annual-check/start", url.Values{"year": {year}, "report_due": {due}, "confirm": {"yes"}}); res.status != 403 {
			t.Errorf("reader's start: %d", res.status)
		}
		// The clerk of 珠晖区 sees that county's two.
		clerk := f.newClient()
		f.signInAs(clerk, "clerk", adminPassword)
		if res := f.getAs(clerk, "/annual-check?year="+year); strings.Count(res.body, `<tr data-school=`) != 3 {
			// 2143000101, 1143000102 and the training institution 9243000106
			t.Errorf("the clerk sees:\n%s", between(res.body, `id="check-list"`, "</table>"))
		}
	})
}

// TestTrainingPages: the list, an institution's account (refused, then
// saved), a charge within the rules and one beyond them that opens a case;
// other counties' and other kinds of schools are not found.
func TestTrainingPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, e := caseFixture(t, d)
		privateSchools(t, f.reg)
		f.signIn()
		res := f.get("/training")
		if res.status != 200 || strings.Count(res.body, `<tr data-code=`) != 2 || !strings.Contains(res.body, "未登记") {
			t.Fatalf("list: %d\n%s", res.status, between(res.body, `id="training-list"`, "</table>"))
		}
		res = f.get("/training/9243000106")
		if res.status != 200 || !strings.Contains(res.body, `id="no-account"`) || !strings.Contains(res.body, "教监管函〔2021〕2号") {
			t.Fatalf("detail: %d", res.status)
		}
		res = f.post(f.client, "/training/9243000106/account", url.Values{"kind": {"risk_deposit"}, "bank": {"衡阳银行"},
			"account_no": {"ABC"}, "since": {"2026-01-01"}})
		if res.status != 422 || !strings.Contains(fieldBlock(res.body, "account_no"), "6–40 位数字") ||
			!strings.Contains(fieldBlock(res.body, "deposit"), "须填写保证金金额") {
			t.Fatalf("bad account: %d\n%s", res.status, between(res.body, `id="account"`, "</section>"))
		}
		res = f.post(f.client, "/training/9243000106/account", url.Values{"kind": {"risk_deposit"}, "bank": {"衡阳银行珠晖支行"},
			"account_no": {"6601 0188 0000 12345"}, "deposit": {"500000.00"}, "since": {"2026-01-01"}, "version": {"0"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("account: %d\n%s", res.status, between(res.body, `id="account"`, "</section>"))
		}
		res = f.get("/training/9243000106")
		if !strings.Contains(between(res.body, `id="account-shown"`, "</dl>"), "66010188000012345") || !strings.Contains(res.body, "500000.00") {
			t.Fatalf("account shown:\n%s", between(res.body, `id="account"`, "</section>"))
		}
		today := e.Today()
		charge := func(to string, hours int) url.Values {
			return url.Values{"charged_on": {today.String()}, "course_from": {today.String()}, "course_to": {to},
				"class_hours": {strconv.Itoa(hours)}, "amount": {"4800"}, "paid_into": {"66010188000012345"}, "open_case": {"yes"}}
		}
		res = f.post(f.client, "/training/9243000106/checks", charge(today.AddDays(40).String(), 40))
		if res.status != http.StatusSeeOther {
			t.Fatalf("a good charge: %d", res.status)
		}
		res = f.get("/training/9243000106")
		if !strings.Contains(res.body, "符合预收费规定") || !strings.Contains(res.body, "符合规定") {
			t.Error("the good charge is not shown as such")
		}
		res = f.post(f.client, "/training/9243000106/checks", charge(today.AddDays(200).String(), 96))
		loc := res.header.Get("Location")
		if res.status != http.StatusSeeOther || !regexp.MustCompile(`^/training/9243000106#check-\d+$`).MatchString(loc) {
			t.Fatalf("a bad charge: %d %s", res.status, loc)
		}
		res = f.get("/training/9243000106")
		row := between(res.body, `id="`+strings.TrimPrefix(loc, "/training/9243000106#")+`"`, "</tr>")
		if !strings.Contains(row, `data-rule="hours"`) || !strings.Contains(row, "超出 36 课时") || !strings.Contains(row, `data-rule="months"`) ||
			!strings.Contains(row, "衡教监〔") || !strings.Contains(res.body, "已立案查处") {
			t.Fatalf("the bad charge's row:\n%s", row)
		}
		if !strings.Contains(between(res.body, `id="training-cases"`, "</table>"), "已立案") {
			t.Error("the supervision case is not listed")
		}
		// In English, the same message.
		res = f.get("/lang?to=en&next=/training/9243000106")
		res = f.get("/training/9243000106")
		if !strings.Contains(res.body, "96 class hours charged at once: 36 over the limit of 60") {
			t.Error("no English message")
		}
		f.get("/lang?to=zh-CN&next=/")
		// A malformed charge: problems beside the fields, nothing recorded.
		res = f.post(f.client, "/training/9243000106/checks", url.Values{"charged_on": {"yesterday"}, "class_hours": {"many"}})
		if res.status != 422 || !strings.Contains(fieldBlock(res.body, "class_hours"), "应为整数") || !strings.Contains(fieldBlock(res.body, "course_to"), "请填写课程结束日期") {
			t.Fatalf("malformed: %d\n%s", res.status, between(res.body, `id="charge-check"`, "</section>"))
		}
		if n := strings.Count(f.get("/training/9243000106").body, `data-violations=`); n != 2 {
			t.Errorf("%d checks recorded", n)
		}
		// Not a training institution; another county for the clerk.
		if res := f.get("/training/2143000101"); res.status != 404 {
			t.Errorf("a primary school: %d", res.status)
		}
		clerk := f.newClient()
		f.signInAs(clerk, "clerk", adminPassword)
		if res := f.getAs(clerk, "/training/9243000201"); res.status != 404 {
			t.Errorf("another county: %d", res.status)
		}
		if res := f.post(clerk, "/training/9243000201/checks", charge(today.AddDays(10).String(), 10)); res.status != 404 {
			t.Errorf("another county's check: %d", res.status)
		}
	})
}

// TestLitigationAndReportPages: a lawsuit registered through the case form
// with its reconsideration, in the register and on its own page; the year's
// disclosure report with its rows, its due date and its workbook.
func TestLitigationAndReportPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, e := caseFixture(t, d)
		f.signIn()
		admin, err := f.auth.UserByName(ctx, adminName)
		if err != nil {
			t.Fatal(err)
		}
		by := casework.ActorOf(admin, "192.0.2.1", "test")
		received := e.Today().AddDays(-30)
		req, err := e.Open(ctx, casework.InfoDisclosure, casework.OpenInput{Subject: "申请公开招生计划", CountyCode: "430405", ReceivedOn: received,
			Fields: map[string]string{"applicant_type": "enterprise"}}, by)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Take(ctx, req.ID, "reply", casework.Input{On: received.AddDays(5), Fields: map[string]string{"outcome": "unable", "outcome_reason": "not_held"},
			Documents: []casework.Upload{{Kind: "reply", Name: "答复.pdf", Content: []byte("%PDF")}}}, by); err != nil {
			t.Fatal(err)
		}
		rc, err := e.Open(ctx, casework.Reconsideration, casework.OpenInput{Subject: "不服答复", CountyCode: "430405", ReceivedOn: received.AddDays(10),
			Fields: map[string]string{"respondent": "本局", "disclosure_no": req.Number}}, by)
		if err != nil {
			t.Fatal(err)
		}
		res := f.multipartPost(f.client, "/cases", map[string]string{"type": "litigation", "subject": "张某诉本局信息公开答复", "county_code": "430405",
			"received_on": e.Today().AddDays(-3).String(), "court": "珠晖区人民法院", "court_case_no": "（2026）湘0405行初7号", "plaintiff": "张某",
			"claims": "撤销答复", "reconsideration_no": rc.Number, "disclosure_no": req.Number}, nil)
		if res.status != http.StatusCreated {
			t.Fatalf("register: %d\n%s", res.status, between(res.body, "<main", "</main>"))
		}
		res = f.get("/litigation")
		if res.status != 200 || !strings.Contains(res.body, "（2026）湘0405行初7号") || !strings.Contains(res.body, rc.Number) {
			t.Fatalf("register list: %d\n%s", res.status, between(res.body, `id="litigation-list"`, "</table>"))
		}
		href := regexp.MustCompile(`href="(/litigation/\d+)"`).FindStringSubmatch(res.body)
		if href == nil {
			t.Fatal("no link to the lawsuit")
		}
		res = f.get(href[1])
		for _, want := range []string{"珠晖区人民法院", "张某", "撤销答复", rc.Number, req.Number, "答辩举证", "行政诉讼法第六十七条、第三十六条"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("lawsuit page lacks %q", want)
			}
		}
		if res := f.get("/litigation/" + strconv.FormatInt(rc.ID, 10)); res.status != 404 {
			t.Errorf("a reconsideration as a lawsuit: %d", res.status)
		}
		if res := f.get("/litigation?status=pending"); res.status != 400 {
			t.Errorf("a bad status: %d", res.status)
		}
		// The reconsideration's case page names the lawsuit that follows it.
		if res := f.get("/cases/" + strconv.FormatInt(rc.ID, 10)); !strings.Contains(between(res.body, `id="case-links"`, "</section>"), "后续行政诉讼") {
			t.Error("no link back from the reconsideration")
		}

		year := strconv.Itoa(received.Year())
		res = f.get("/cases/disclosure-report?year=" + year)
		if res.status != 200 || !strings.Contains(res.body, `id="report-requests"`) || !strings.Contains(res.body, "勾稽关系成立") {
			t.Fatalf("report: %d\n%s", res.status, between(res.body, "<main", "</main>"))
		}
		row := between(res.body, `data-row="unable/not_held"`, "</tr>")
		if !strings.Contains(row, "本机关不掌握相关政府信息") || !strings.Contains(row, `<td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">1</td>`) {
			t.Errorf("the row of the reply:\n%s", row)
		}
		if due := between(res.body, `id="report-due"`, "</p>"); !strings.Contains(due, strconv.Itoa(received.Year()+1)+"-01-31") {
			t.Errorf("due: %s", due)
		}
		reviews := between(res.body, `id="report-reviews"`, "</table>")
		if strings.Count(reviews, `<td class="num">1</td>`) != 4 { // one pending reconsideration, one pending lawsuit after it: pending and total each
			t.Errorf("reviews:\n%s", reviews)
		}
		res = f.get("/cases/disclosure-report/export.xlsx?year=" + year)
		x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
		if res.status != 200 || err != nil {
			t.Fatalf("export: %d %v", res.status, err)
		}
		cells, _ := x.GetRows("三、申请情况")
		found := false
		for _, r := range cells {
			if len(r) >= 8 && strings.Contains(r[0], "本机关不掌握相关政府信息") && r[2] == "1" && r[7] == "1" {
				found = true
			}
		}
		if !found {
			t.Errorf("the workbook's table three: %v", cells)
		}
		if cells, _ := x.GetRows("四、复议诉讼"); len(cells) < 6 || cells[5][3] != "1" {
			t.Errorf("the workbook's table four: %v", cells)
		}
		if res := f.get("/cases/disclosure-report?year=abc"); res.status != 400 {
			t.Errorf("a bad year: %d", res.status)
		}
		if res := f.get("/cases/disclosure-report?year=2001"); res.status != 422 {
			t.Errorf("a year before the Regulations: %d", res.status)
		}
	})
}

// TestRemindersPage: the badge in the navigation and the reminders page
// list the user's overdue case.
func TestRemindersPage(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	f, e := caseFixture(t, d)
	admin, err := f.auth.UserByName(ctx, adminName)
	if err != nil {
		t.Fatal(err)
	}
	by := casework.ActorOf(admin, "192.0.2.1", "test")
	c, err := e.Open(ctx, casework.Complaint, casework.OpenInput{Subject: "反映某校收费", CountyCode: "430405", ReceivedOn: e.Today().AddDays(-60),
		Fields: map[string]string{"channel": "hotline"}}, by)
	if err != nil {
		t.Fatal(err)
	}
	f.signIn()
	res := f.get("/schools")
	if badge := between(res.body, `class="nav-badge"`, "</span>"); !strings.Contains(badge, `data-badge="1"`) {
		t.Errorf("badge: %q", badge)
	}
	res = f.get("/cases")
	if !strings.Contains(res.body, `id="case-reminders"`) {
		t.Error("no reminder banner on the cases page")
	}
	res = f.get("/cases/reminders")
	if res.status != 200 || !strings.Contains(between(res.body, `id="reminders-overdue"`, "</section>"), c.Number) ||
		!strings.Contains(res.body, "未登记电子邮箱") {
		t.Fatalf("reminders: %d\n%s", res.status, between(res.body, "<main", "</main>"))
	}
	// With an e-mail address (set on the user form), the page says where reminders go.
	res = f.post(f.client, "/users/"+strconv.FormatInt(admin.ID, 10), url.Values{"display_name": {"管理员"}, "email": {"admin@jyj.example.cn"},
		"role": {"admin"}, "org_kind": {"city"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("set e-mail: %d\n%s", res.status, between(res.body, `id="user-form"`, "</form>"))
	}
	if res := f.get("/cases/reminders"); !strings.Contains(res.body, "admin@jyj.example.cn") {
		t.Error("the e-mail address is not shown")
	}
	res = f.post(f.client, "/users/"+strconv.FormatInt(admin.ID, 10), url.Values{"display_name": {"管理员"}, "email": {"admin at bureau"},
		"role": {"admin"}, "org_kind": {"city"}})
	if res.status != 422 || !strings.Contains(fieldBlock(res.body, "email"), "格式不正确") {
		t.Errorf("a bad address: %d", res.status)
	}
}
