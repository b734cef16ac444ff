package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"edubureau/web/browsertest"
)

// TestBrowserStudents walks the student registry in a real browser against
// the real demo server: a school's administrator finds a pupil by name and
// by the last digits of the ID, opens the profile and shows the ID in full
// with a reason (which the administrator then finds in the audit log); the
// school asks for a child of another county's school, which that school
// and both county bureaus approve from their inboxes; the child's timeline
// shows the move; and a county's staff cannot reach another county's
// student by editing the URL.
func TestBrowserStudents(t *testing.T) {
	ctx := browsertest.New(t, 4*time.Minute) // a long walk: eight sign-ins
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--students", "3000", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		began := time.Now()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			var where, main string
			chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				where, _ = chromedp.Evaluate[string](`location.href`)(ctx, tg)
				main, _ = chromedp.Evaluate[string](`document.getElementById('main') ? document.getElementById('main').innerText : document.body.innerText`)(ctx, tg)
				return nil
			}))
			t.Fatalf("%s (after %s): %v\nat %s:\n%.800s", what, time.Since(began).Round(time.Millisecond), err, where, main)
		}
	}
	read := func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	text := func(sel string) string {
		return fmt.Sprintf(`(document.querySelector(%q) ? document.querySelector(%q).innerText : '')`, sel, sel)
	}
	_, _, until := browserSession(t, ctx, base) // signs the administrator in
	signIn := func(user string) {
		t.Helper()
		do("sign in as "+user,
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(`#logout-form`),
			chromedp.Click(`#logout-form button`),
			chromedp.WaitVisible(`#login-form`),
			chromedp.SendKeys(`#f-username`, user),
			chromedp.SendKeys(`#f-password`, demoPassword),
			chromedp.Click(`#login-submit`),
			chromedp.WaitVisible(`#current-user`),
		)
	}
	rows := `[...document.querySelectorAll('#student-list tbody tr[data-student]')]`

	// A school's administrator: the list holds their school's pupils.
	signIn("school.admin")
	var name, masked, id, count string
	do("the list",
		chromedp.Navigate(base+"/students"),
		chromedp.WaitVisible(`#student-list`),
		read(rows+`.length + ''`, &count),
		read(rows+`[3].querySelector('td:nth-child(2) a').innerText`, &name),
		read(rows+`[3].querySelector('td:nth-child(4)').innerText`, &masked),
		read(rows+`[3].dataset.student`, &id),
	)
	if count == "0" || name == "" || len(masked) != 18 {
		t.Fatalf("list: %s rows, name %q, masked ID %q", count, name, masked)
	}
	// By name: typing in the box filters (htmx) and pushes the URL.
	prefix := string([]rune(name)[:2])
	do("search by name",
		chromedp.SendKeys(`#filter-q`, prefix),
		until(`location.search.includes('q=')`),
		until(rows+`.length > 0 && `+rows+`.every(r => r.querySelector('td:nth-child(2) a').innerText.startsWith(`+quote(prefix)+`))`),
		until(rows+`.some(r => r.dataset.student === `+quote(id)+`)`),
	)
	// By the last four characters of the ID (the masked number shows them).
	tail := masked[len(masked)-4:]
	do("search by the last digits",
		chromedp.Navigate(base+"/students?q="+tail),
		chromedp.WaitVisible(`#student-list`),
		until(rows+`.some(r => r.dataset.student === `+quote(id)+`)`),
	)
	// The profile, masked; then in full with a reason.
	var shown, full, timeline string
	do("the profile",
		chromedp.Navigate(base+"/students/"+id),
		chromedp.WaitVisible(`#student-timeline`),
		read(text("#student-id-number"), &shown),
		read(text("#student-timeline"), &timeline),
	)
	if shown != masked || !strings.Contains(timeline, "入学") {
		t.Fatalf("profile: ID %q (list %q), timeline %q", shown, masked, timeline)
	}
	const reason = "核对学籍信息（浏览器测试）"
	do("show in full",
		chromedp.Click(`#action-reveal > summary`),
		chromedp.SendKeys(`#a-reveal-reason`, reason),
		chromedp.Click(`#do-reveal`),
		chromedp.WaitVisible(`#revealed-note`),
		read(text("#student-id-number"), &full),
	)
	if len(full) != 18 || strings.Contains(full, "*") || full[:6] != masked[:6] || full[14:] != masked[14:] {
		t.Fatalf("revealed %q for masked %q", full, masked)
	}

	// Another county's school: its administrator reveals a pupil, whom our school asks for.
	signIn("school.admin2")
	var otherID, otherName, otherFull, otherGrade, another string
	do("the other school's pupil",
		chromedp.Navigate(base+"/students?status=enrolled"),
		chromedp.WaitVisible(`#student-list`),
		read(rows+`[0].dataset.student`, &otherID),
		read(rows+`[0].dataset.grade`, &otherGrade),
		read(rows+`[1].dataset.student`, &another),
	)
	do("the other school's pupil in full",
		chromedp.Navigate(base+"/students/"+otherID),
		chromedp.WaitVisible(`#student-timeline`),
		read(`document.getElementById('student-name').dataset.name`, &otherName),
		chromedp.Click(`#action-reveal > summary`),
		chromedp.SendKeys(`#a-reveal-reason`, "办理转学"),
		chromedp.Click(`#do-reveal`),
		chromedp.WaitVisible(`#revealed-note`),
		read(text("#student-id-number"), &otherFull),
	)
	otherName = strings.TrimSpace(otherName)
	if otherID == "" || otherName == "" || len(otherFull) != 18 || otherGrade == "" {
		t.Fatalf("other pupil: id %q name %q ID %q grade %q", otherID, otherName, otherFull, otherGrade)
	}
	signIn("school.admin")
	var transfer, waiting string
	do("ask for the transfer",
		chromedp.Navigate(base+"/transfers/new"),
		chromedp.WaitVisible(`#transfer-form`),
		chromedp.SendKeys(`#f-number`, otherFull),
		chromedp.SendKeys(`#f-name`, otherName),
		setValue("f-to_grade", otherGrade),
		chromedp.SendKeys(`#f-reason`, "随父母工作调动迁居"),
		chromedp.Click(`#request-transfer`),
		chromedp.WaitVisible(`#transfer-heading`),
		read(`location.pathname`, &transfer),
		read(text("#transfer-waiting"), &waiting),
	)
	if !regexp.MustCompile(`^/transfers/\d+$`).MatchString(transfer) || !strings.Contains(waiting, "转出学校") {
		t.Fatalf("transfer %q waiting %q", transfer, waiting)
	}
	// The sending school, then each county bureau, from their inboxes.
	approve := func(user, badge string) {
		t.Helper()
		signIn(user)
		var got string
		do(user+" approves",
			chromedp.Navigate(base+"/transfers"),
			chromedp.WaitVisible(`#inbox-to-decide`),
			read(`document.querySelector('#nav a[href="/transfers"] .nav-badge') ? document.querySelector('#nav a[href="/transfers"] .nav-badge').innerText : ''`, &got),
			chromedp.Click(`#inbox-to-decide a[href="`+transfer+`"]`),
			chromedp.WaitVisible(`#action-approve`),
			chromedp.Click(`#action-approve > summary`),
			chromedp.Click(`#do-approve`),
			chromedp.WaitVisible(`#flash`),
		)
		if got == "" || got == "0" {
			t.Errorf("%s: no badge on the transfers' entry (%q)", user, got)
		}
	}
	approve("school.admin2", "")
	approve("county2.students", "")
	approve("county.students", "")
	var status string
	signIn("school.admin")
	do("the timeline after the move",
		chromedp.Navigate(base+transfer),
		chromedp.WaitVisible(`#transfer-status`),
		read(text("#transfer-status"), &status),
		chromedp.Click(`#transfer-student`),
		chromedp.WaitVisible(`#student-timeline`),
		read(text("#student-timeline"), &timeline),
	)
	if status != "已完成" || !strings.Contains(timeline, "转入") || !strings.Contains(timeline, "转出") {
		t.Fatalf("after the approvals: status %q, timeline %q", status, timeline)
	}

	// The administrator finds the reveal, with its reason, in the audit log.
	signIn("admin")
	var audit string
	do("the audit log",
		chromedp.Navigate(base+"/audit?action=student.view_pii"),
		chromedp.WaitVisible(`#main`),
		read(text("#main"), &audit),
	)
	if !strings.Contains(audit, reason) || !strings.Contains(audit, "school.admin") {
		t.Fatalf("the audit log lacks the reveal: %.500s", audit)
	}

	// A county's staff cannot reach another county's student by the URL.
	signIn("county.students")
	var errStatus, apiStatus string
	do("another county's student",
		chromedp.Navigate(base+"/students/"+another),
		chromedp.WaitVisible(`#main`),
		read(`document.querySelector('#error .status') ? document.querySelector('#error .status').innerText.trim() : 'page'`, &errStatus),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			apiStatus, err = chromedp.Evaluate[string](`fetch('/api/v1/students/`+another+`').then(r => String(r.status))`, chromedp.EvalAwaitPromise)(ctx, tg)
			return err
		}),
	)
	if errStatus != "404" || apiStatus != "404" {
		t.Fatalf("another county's student: page %s, API %s (want 404)", errStatus, apiStatus)
	}
	// …but the child who moved into its county is there now.
	do("the moved child",
		chromedp.Navigate(base+"/students/"+otherID),
		chromedp.WaitVisible(`#student-timeline`),
	)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
