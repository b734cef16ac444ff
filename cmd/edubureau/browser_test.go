package main

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"edubureau/demo"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/web/browsertest"
)

// browser is a Chromium tab for a test of the demo's pages.
func browser(t *testing.T) context.Context { return browsertest.New(t, 90*time.Second) }

// TestBrowserSchoolRegistry is the walk through the registry, in a
// real browser against the real server: sign in, filter the school list,
// create a school (after a refused attempt), rename it, and see the former
// name in its history — in Chinese, then in English.
func TestBrowserSchoolRegistry(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "2000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base

	var text, lang, url, names, history, kept string
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// read evaluates a JavaScript expression into dst.
	read := func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	text0 := func(sel string) string { return fmt.Sprintf(`document.querySelector(%q).innerText`, sel) }
	// set gives a form control a value and tells the page, as a person's input would.
	set := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var s=document.getElementById(%q); s.value=%q;
			s.dispatchEvent(new Event('change', {bubbles: true}))})()`, id, value))
	}
	until := func(expr string) chromedp.Action[chromedp.Void] { return browsertest.WaitFor(expr, 15*time.Second) }

	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#f-username`, "admin"),
		chromedp.SendKeys(`#f-password`, demoPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#figures`),
		read(`document.documentElement.lang`, &lang),
	)
	if lang != "zh-CN" {
		t.Fatalf("the pages should be in Chinese by default, html lang=%q", lang)
	}

	// Filter by county: htmx replaces the table and pushes the URL.
	do("filter",
		chromedp.Navigate(base+"/schools"),
		chromedp.WaitVisible(`#school-list`),
		set("filter-county", "430421"),
		until(`location.search.includes('county=430421')`),
		until(`[...document.querySelectorAll('#school-list tbody tr[data-code]')].length > 0 &&
			[...document.querySelectorAll('#school-list tbody tr[data-code]')].every(r => r.innerText.includes('衡阳县'))`),
		read(text0("#school-list tbody"), &text),
		read(`location.href`, &url),
	)
	if strings.Contains(text, "衡南县") || strings.Contains(text, "耒阳市") {
		t.Fatalf("filtered list (%s) shows other counties: %.300s", url, text)
	}

	fill := func(code, name string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/schools/new"),
			chromedp.WaitVisible(`#school-form`),
			chromedp.SendKeys(`#f-code`, code),
			chromedp.SendKeys(`#f-name`, name),
			set("f-type", "primary"),
			set("f-ownership", "public"),
			set("f-county", "430421"),
			set("f-status", "active"),
			set("f-opened_on", "2021-09-01"),
			chromedp.SendKeys(`#f-capacity`, "720"),
			chromedp.Click(`#save-school`),
		}
	}
	// A refused create names the field and keeps what was typed.
	do("refused create", append(fill("3143123456", "浏览器测试小学"), // a junior-school prefix on a primary school
		chromedp.WaitVisible(`#e-code`),
		read(text0("#e-code"), &text),
		read(`document.getElementById('f-name').value`, &kept))...)
	if !strings.Contains(text, "办学类型") {
		t.Fatalf("the identifier's error should explain the type mismatch: %q", text)
	}
	if kept != "浏览器测试小学" {
		t.Fatalf("the form lost the name: %q", kept)
	}

	do("create", append(fill("2143123456", "浏览器测试小学"),
		chromedp.WaitVisible(`#school-name`),
		read(text0("#school-name"), &text))...)
	if !strings.Contains(text, "浏览器测试小学") {
		t.Fatalf("detail page shows %q", text)
	}

	do("rename",
		chromedp.Click(`#edit-school`),
		chromedp.WaitVisible(`#school-form`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-name').value = ''`),
		chromedp.SendKeys(`#f-name`, "浏览器测试实验小学"),
		chromedp.Click(`#save-school`),
		chromedp.WaitVisible(`#school-history`),
		read(text0("#school-name"), &text),
		read(text0("#school-names"), &names),
		read(text0("#school-history"), &history),
	)
	if !strings.Contains(text, "浏览器测试实验小学") {
		t.Fatalf("after the rename the page shows %q", text)
	}
	if !strings.Contains(names, "浏览器测试小学") || !strings.Contains(history, "浏览器测试小学") ||
		!strings.Contains(history, i18n.Tr(i18n.ZH, "school.history")) {
		t.Fatalf("the former name is not in the history:\nnames: %s\nhistory: %s", names, history)
	}

	do("switch to English",
		chromedp.Click(`#lang-switch`),
		chromedp.WaitVisible(`html[lang="en"] #school-history`),
		read(text0("#school-names"), &names),
		read(text0("#school-history"), &history),
		read(text0("#nav"), &text),
	)
	if !strings.Contains(text, i18n.Tr(i18n.EN, "nav.schools")) {
		t.Fatalf("navigation not in English: %q", text)
	}
	if !strings.Contains(names, "浏览器测试小学") || !strings.Contains(history, i18n.Tr(i18n.EN, "school.history")) {
		t.Fatalf("English history lacks the former name or its heading:\nnames: %s\nhistory: %s", names, history)
	}

	// The English list filters too, and finds the school by its former name.
	do("filter in English",
		chromedp.Navigate(base+"/schools?county=430421&q="+url0("浏览器测试小学")),
		chromedp.WaitVisible(`#school-list`),
		read(text0("#school-list tbody"), &text),
	)
	if !strings.Contains(text, "浏览器测试实验小学") || !strings.Contains(text, school.TypeName(school.Primary).EN) {
		t.Fatalf("English filtered list: %.300s", text)
	}
}

func url0(s string) string { return neturl.QueryEscape(s) }

// TestBrowserSchoolAdminStaysInTheirSchool: a school's administrator sees
// only their school, and editing the URL to reach another school's pages
// finds nothing (404, as if it did not exist), in the browser as in the API.
func TestBrowserSchoolAdminStaysInTheirSchool(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "2000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base
	// Another school, in another county, from the same deterministic demo data.
	schools, err := demo.Schools(demo.Options{Scale: demo.Small, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var rows, own, title, status, apiStatus string
	read := func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#f-username`, "school.admin"),
		chromedp.SendKeys(`#f-password`, demoPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#current-user`), // the sign-in page has a #main too
		chromedp.Navigate(base+"/schools"),
		chromedp.WaitVisible(`#school-list`),
		read(`String(document.querySelectorAll('#school-list tbody tr[data-code]').length)`, &rows),
		read(`document.querySelector('#school-list tbody tr[data-code]').dataset.code`, &own),
	)
	if err != nil {
		t.Fatal(err)
	}
	if rows != "1" {
		t.Fatalf("a school's administrator should see one school in the list, sees %s", rows)
	}
	var other string
	var ownCounty string
	for _, s := range schools {
		if s.Code == own {
			ownCounty = s.County
		}
	}
	for _, s := range schools {
		if s.County != ownCounty && s.Status == "active" {
			other = s.Code
			break
		}
	}
	if ownCounty == "" || other == "" {
		t.Fatalf("cannot find the own school %s or another one in the demo data", own)
	}
	for _, tc := range []struct{ path, want string }{
		{"/schools/" + other, "404"},           // out of scope: as if it did not exist
		{"/schools/" + other + "/edit", "403"}, // a school's administrator does not edit the registry at all
		{"/schools/" + own + "/edit", "403"},
	} {
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+tc.path),
			chromedp.WaitVisible(`#main`),
			read(`document.title`, &title),
			read(`document.querySelector('#error .status') ? document.querySelector('#error .status').innerText.trim() : 'page'`, &status),
			read(`document.getElementById('school-details') ? 'shown' : 'hidden'`, &rows),
		)
		if err != nil {
			t.Fatal(err)
		}
		if status != tc.want || rows == "shown" {
			t.Fatalf("%s as the school administrator: status %s (want %s), details %s, title %q", tc.path, status, tc.want, rows, title)
		}
	}
	// The API answers 404 too, with the session cookie the browser holds.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/schools/"+own),
		chromedp.WaitVisible(`#school-details`),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			apiStatus, err = chromedp.Evaluate[string](`fetch('/api/v1/schools/`+other+`').then(r => String(r.status))`, chromedp.EvalAwaitPromise)(ctx, tg)
			return err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if apiStatus != "404" {
		t.Fatalf("GET /api/v1/schools/%s as the school administrator: %s, want 404", other, apiStatus)
	}
}

// TestBrowserCasework walks a disclosure request through the staff pages and
// the public portal: open it (the access code is shown once), see its legal
// deadline and the steps that may be taken, find it in "my cases", then follow
// it on the portal with its number and code — and not with a wrong code.
func TestBrowserCasework(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "2000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base
	var number, code, deadline, steps, mine, state, due, wrong string
	do, read, _ := browserSession(t, ctx, base)
	text := func(sel string) string { return fmt.Sprintf(`document.querySelector(%q).innerText`, sel) }
	do("open a disclosure request",
		chromedp.Navigate(base+"/cases/new?type=info_disclosure"),
		chromedp.WaitVisible(`#case-form`),
		chromedp.SendKeys(`#f-applicant_name`, "浏览器测试申请人"),
		chromedp.SendKeys(`#f-subject`, "申请公开本市2026年义务教育招生计划"),
		chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById('f-county_code'); s.value='430405';
			s.dispatchEvent(new Event('change', {bubbles: true}))})()`),
		chromedp.Click(`#open-case`),
		chromedp.WaitVisible(`#case-opened`),
		read(text("#opened-number"), &number),
		read(text("#access-code"), &code),
	)
	if !strings.Contains(number, "〔") || len(strings.TrimSpace(code)) < 8 {
		t.Fatalf("opened case %q with access code %q", number, code)
	}
	do("the case page",
		chromedp.Click(`#opened-link`),
		chromedp.WaitVisible(`#case-deadline`),
		read(text("#case-deadline"), &deadline),
		read(text("#case-steps"), &steps),
		chromedp.Navigate(base+"/cases?view=mine"),
		chromedp.WaitVisible(`#main`),
		read(text("#main"), &mine),
	)
	if !strings.Contains(deadline, "20") || strings.TrimSpace(steps) == "" {
		t.Fatalf("case page: deadline %q, steps %q", deadline, steps)
	}
	if !strings.Contains(mine, strings.TrimSpace(number)) {
		t.Fatalf("the new case is not in my cases: %.300s", mine)
	}
	do("follow it on the portal",
		chromedp.Navigate(base+"/portal/case"),
		chromedp.WaitVisible(`#follow-form`),
		chromedp.SendKeys(`#f-number`, strings.TrimSpace(number)),
		chromedp.SendKeys(`#f-code`, strings.TrimSpace(code)),
		chromedp.Click(`#follow-submit`),
		chromedp.WaitVisible(`#portal-case`),
		read(text("#case-state"), &state),
		read(text("#case-due"), &due),
	)
	if strings.TrimSpace(state) == "" || !strings.Contains(due, "20") {
		t.Fatalf("portal shows state %q, due %q", state, due)
	}
	do("a wrong code",
		chromedp.Navigate(base+"/portal/case"),
		chromedp.WaitVisible(`#follow-form`),
		chromedp.SendKeys(`#f-number`, strings.TrimSpace(number)),
		chromedp.SendKeys(`#f-code`, "WRONGCODE1"),
		chromedp.Click(`#follow-submit`),
		chromedp.WaitVisible(`#portal-error`),
		read(text("#portal-error"), &wrong),
	)
	if strings.Contains(wrong, "浏览器测试") || strings.TrimSpace(wrong) == "" {
		t.Fatalf("a wrong code: %q", wrong)
	}
}

// browserSession signs the demo's administrator in and returns helpers to
// run steps and read values.
func browserSession(t *testing.T, ctx context.Context, base string) (do func(string, ...chromedp.Action[chromedp.Void]),
	read func(string, *string) chromedp.Action[chromedp.Void], until func(string) chromedp.Action[chromedp.Void]) {
	t.Helper()
	do = func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read = func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	until = func(expr string) chromedp.Action[chromedp.Void] { return browsertest.WaitFor(expr, 15*time.Second) }
	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#f-username`, "admin"),
		chromedp.SendKeys(`#f-password`, demoPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#figures`),
	)
	return do, read, until
}

// setValue gives a form control a value as a person's input would.
func setValue(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var s=document.getElementById(%q); s.value=%q;
		s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}))})()`, id, value))
}

// TestBrowserAnnualCheck starts this year's annual check of the demo's
// private schools from the batch page — a confirmation first, saying how
// many cases it opens — sees the progress, and records a school's result
// (its self-report with the documents, then "passed"), which the batch
// page then counts.
func TestBrowserAnnualCheck(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "2000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base
	do, read, until := browserSession(t, ctx, base)
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	year := strconv.Itoa(now.Year())
	due := now.AddDate(0, 0, 30).Format(time.DateOnly)

	var heading, plan, total, rows, flash, number, state, passed, badge string
	do("the batch page",
		chromedp.Navigate(base+"/annual-check"),
		chromedp.WaitVisible(`#check-progress`),
		read(`document.getElementById('check-heading').innerText`, &heading),
		read(`document.querySelector('#nav a[href="/cases"]').innerText`, &badge),
	)
	if !strings.Contains(heading, strconv.Itoa(now.Year()-1)) {
		t.Fatalf("the page opens on last year's check: %q", heading)
	}
	do("start this year's check: the confirmation",
		setValue("f-year", year),
		setValue("f-report_due", due),
		chromedp.Click(`#check-start-button`),
		chromedp.WaitVisible(`#check-confirm`),
		read(`document.getElementById('check-plan').innerText`, &plan),
	)
	if !regexp.MustCompile(`将为 [1-9]\d* 所民办学校登记年检案件`).MatchString(plan) || !strings.Contains(plan, due) {
		t.Fatalf("confirmation: %q", plan)
	}
	do("confirm",
		chromedp.Click(`#check-confirm-button`),
		until(`location.search === '?year=`+year+`'`),
		chromedp.WaitVisible(`#check-list`),
		read(`document.getElementById('flash') ? document.getElementById('flash').innerText : ''`, &flash),
		read(`document.querySelector('#check-count-total .figure-value').innerText`, &total),
		read(`String(document.querySelectorAll('#check-list tbody tr[data-school]').length)`, &rows),
		read(`document.querySelector('#check-list tbody tr[data-school] .case-number a').innerText`, &number),
	)
	if !strings.Contains(flash, "年检已启动") || total == "0" || rows == "0" || !strings.Contains(plan, "将为 "+strings.ReplaceAll(total, ",", "")+" 所") {
		t.Fatalf("after the start: flash %q, total %q, rows %q, plan %q", flash, total, rows, plan)
	}
	// Record a result: the self-report with its documents, then "passed".
	dir := t.TempDir()
	file := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("%PDF-1.4 "+name), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	do("the school's case: the self-report",
		chromedp.Click(`#check-list tbody tr[data-school] .case-number a`),
		chromedp.WaitVisible(`#case-number`),
		chromedp.Click(`#step-submit_report > summary`),
		setValue("f-submit_report-students", "320"),
		setValue("f-submit_report-staff", "31"),
		setValue("f-submit_report-teachers_certified", "22"),
		setValue("f-submit_report-income", "3600000"),
		setValue("f-submit_report-expenditure", "3100000"),
		setValue("f-submit_report-net_assets", "1800000"),
		chromedp.SetUploadFiles(`#f-submit_report-doc-self_report`, []string{file("自查报告.pdf")}),
		chromedp.SetUploadFiles(`#f-submit_report-doc-financial_audit`, []string{file("审计报告.pdf")}),
		chromedp.Click(`#take-submit_report`),
		until(`document.getElementById('case-state') && document.getElementById('case-state').innerText === '审核中'`),
	)
	do("passed",
		chromedp.Click(`#step-pass > summary`),
		chromedp.SetUploadFiles(`#f-pass-doc-review_opinion`, []string{file("年检结论通知书.pdf")}),
		chromedp.Click(`#take-pass`),
		until(`document.getElementById('case-state') && document.getElementById('case-state').innerText === '合格'`),
		read(`document.getElementById('case-state').innerText`, &state),
	)
	do("the batch counts it",
		chromedp.Navigate(base+"/annual-check?year="+year),
		chromedp.WaitVisible(`#check-progress`),
		read(`document.querySelector('#check-count-pass .figure-value').innerText`, &passed),
	)
	if passed != "1" {
		t.Fatalf("passed %q after recording one result (case %s, state %s)", passed, number, state)
	}
	var sheet string
	do("the export",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			sheet, err = chromedp.Evaluate[string](`fetch(document.getElementById('check-export').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`,
				chromedp.EvalAwaitPromise)(ctx, tg)
			return err
		}),
	)
	if !strings.HasPrefix(sheet, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
		t.Fatalf("export: %q", sheet)
	}
}

// TestBrowserDisclosureReport: last year's disclosure report of the demo,
// computed from its cases — the template's rows balance, the due date is 31
// January — another year chosen, and the workbook downloaded.
func TestBrowserDisclosureReport(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "2000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base
	do, read, until := browserSession(t, ctx, base)
	last := time.Now().In(time.FixedZone("CST", 8*3600)).Year() - 1
	var due, balance, newTotal, answered, heading, file, english string
	do("the report",
		chromedp.Navigate(base+"/cases"),
		chromedp.WaitVisible(`#disclosure-report-link`),
		chromedp.Click(`#disclosure-report-link`),
		chromedp.WaitVisible(`#report-requests`),
		read(`document.getElementById('report-due').innerText`, &due),
		read(`document.getElementById('report-balance').className`, &balance),
		read(`document.querySelector('#report-requests tr[data-row="new"] td:last-child').innerText`, &newTotal),
		read(`document.querySelector('#report-requests tr[data-row="total"] td:last-child').innerText`, &answered),
	)
	if !strings.Contains(due, strconv.Itoa(last+1)+"-01-31") || balance != "report-check-ok" || newTotal == "0" || answered == "0" {
		t.Fatalf("report: due %q balance %q new %q answered %q", due, balance, newTotal, answered)
	}
	do("another year",
		setValue("filter-year", strconv.Itoa(last-1)),
		chromedp.Click(`#report-show`),
		until(`location.search === '?year=`+strconv.Itoa(last-1)+`'`),
		read(`document.getElementById('report-heading').innerText`, &heading),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			file, err = chromedp.Evaluate[string](`fetch(document.getElementById('report-export').href).then(r => r.status + ' ' + r.headers.get('Content-Disposition'))`,
				chromedp.EvalAwaitPromise)(ctx, tg)
			return err
		}),
	)
	if !strings.Contains(heading, strconv.Itoa(last-1)) || !strings.HasPrefix(file, "200 attachment") || !strings.Contains(file, "disclosure-report-"+strconv.Itoa(last-1)) {
		t.Fatalf("year %d: heading %q, file %q", last-1, heading, file)
	}
	do("in English",
		chromedp.Click(`#lang-switch`),
		until(`document.documentElement.lang === 'en'`),
		chromedp.WaitVisible(`#report-requests`),
		read(`document.querySelector('#report-requests tr[data-row="new"] th').innerText`, &english),
	)
	if !strings.Contains(english, "Requests received this year") {
		t.Fatalf("English row: %q", english)
	}
}
