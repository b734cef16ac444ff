package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"edubureau/db"
	"edubureau/pii"
	"edubureau/web/browsertest"
)

// TestBrowserAdmissions walks the admission pages of the demo in a real
// browser: the zone map renders; a 中考 simulation runs and shows each
// school's cut-off; the frozen private-school lottery gets its seed, is
// drawn and verified; and the public results lookup finds a student by exam
// number and ID suffix, and refuses a wrong suffix.
func TestBrowserAdmissions(t *testing.T) {
	ctx := browser(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	srv := start(t, "demo", "--db", dsn, "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "warn")
	defer srv.stop()
	base := srv.base

	var text, ready string
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read := func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	until := func(expr string) chromedp.Action[chromedp.Void] { return browsertest.WaitFor(expr, 20*time.Second) }
	text0 := func(sel string) string { return fmt.Sprintf(`document.querySelector(%q).innerText`, sel) }
	// Confirmation questions are answered yes, as a person would.
	yes := chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)

	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#f-username`, "admin"),
		chromedp.SendKeys(`#f-password`, demoPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#figures`),
	)

	// The map: ECharts draws the zones from their own GeoJSON, on a canvas.
	do("the zone map",
		chromedp.Navigate(base+"/admission/zones/map"),
		chromedp.WaitVisible(`#zone-map`),
		until(`document.querySelector('#zone-map').getAttribute('data-chart-ready') === '1' && !!document.querySelector('#zone-map canvas')`),
		read(`String(window.echarts.getInstanceByDom(document.querySelector('#zone-map')).getOption().series[0].data.length)`, &text),
	)
	if text == "0" || text == "" {
		t.Fatalf("the map shows %s zones", text)
	}

	// A simulation runs and shows the cut-offs.
	do("simulate",
		chromedp.Navigate(base+"/admission/zhongkao"),
		chromedp.WaitVisible(`#simulate`),
		chromedp.Click(`#simulate`),
		chromedp.WaitVisible(`#cutoff-table`),
		read(text0("#adm-notice"), &text),
	)
	if !strings.Contains(text, "模拟完成") {
		t.Fatalf("after the simulation: %q", text)
	}
	var cutoffs, students string
	do("cut-offs",
		read(`String(document.querySelectorAll('#cutoff-table tbody tr[data-school]').length)`, &cutoffs),
		read(`[...document.querySelectorAll('#cutoff-table td.adm-cutoff')].map(td => td.innerText).filter(s => /^\d/.test(s)).join(' ')`, &text),
		read(`String(document.querySelectorAll('#student-list tbody tr[data-exam]').length)`, &students),
	)
	if cutoffs == "0" || strings.TrimSpace(text) == "" || students == "0" {
		t.Fatalf("the simulation shows %s cut-off rows (%q) and %s students", cutoffs, text, students)
	}

	// The frozen lottery: its seed is announced, then it is drawn and verified.
	do("the frozen lottery",
		chromedp.Navigate(base+"/admission/lotteries?state=frozen"),
		chromedp.WaitVisible(`#lottery-list`),
		chromedp.Click(`#lottery-list tbody tr[data-lottery] a`),
		chromedp.WaitVisible(`#seed-form`),
		read(text0("#list-digest"), &text),
	)
	if len(strings.TrimSpace(text)) != 64 {
		t.Fatalf("the frozen list's SHA-256: %q", text)
	}
	do("draw",
		chromedp.SendKeys(`#f-seed`, "浏览器测试种子 20270520"),
		yes,
		chromedp.Click(`#announce-seed`),
		chromedp.WaitVisible(`#draw-lottery`),
		read(text0("#lottery-seed"), &text),
	)
	if text != "浏览器测试种子 20270520" {
		t.Fatalf("the announced seed shows as %q", text)
	}
	do("drawn",
		yes,
		chromedp.Click(`#draw-lottery`),
		chromedp.WaitVisible(`#result-list`),
		chromedp.Click(`#verify-lottery`),
		chromedp.WaitVisible(`#lottery-verification`),
		read(text0("#lottery-verification h2"), &text),
		read(text0("#lottery-state"), &ready),
	)
	if !strings.HasPrefix(text, "MATCH") || !strings.Contains(ready, "已摇号") {
		t.Fatalf("after the draw: %q, state %q", text, ready)
	}

	// The public lookup: a student of the published run, found by exam
	// number and the last six characters of the ID number (read from the
	// demo database with the demo's key), then a wrong suffix.
	exam, suffix, wrong := demoStudent(t, dsn)
	var answer, snapshot string
	do("look up a result",
		chromedp.Navigate(base+"/portal/admission/results"),
		chromedp.WaitVisible(`#lookup-form`),
		chromedp.SendKeys(`#f-exam_no`, exam),
		chromedp.SendKeys(`#f-id_suffix`, suffix),
		chromedp.Click(`#lookup-submit`),
		chromedp.WaitVisible(`#portal-answer`),
		read(text0("#answer-outcome"), &answer),
		read(text0("#answer-snapshot"), &snapshot),
	)
	if strings.TrimSpace(answer) == "" || len(strings.TrimSpace(snapshot)) != 64 {
		t.Fatalf("the result of %s: %q (snapshot %q)", exam, answer, snapshot)
	}
	do("a wrong suffix",
		chromedp.Navigate(base+"/portal/admission/results"),
		chromedp.WaitVisible(`#lookup-form`),
		chromedp.SendKeys(`#f-exam_no`, exam),
		chromedp.SendKeys(`#f-id_suffix`, wrong),
		chromedp.Click(`#lookup-submit`),
		chromedp.WaitVisible(`#portal-error`),
		read(text0("#portal-error"), &text),
		read(`document.getElementById('portal-answer') ? 'shown' : 'none'`, &ready),
	)
	if ready != "none" || !strings.Contains(text, "不匹配") {
		t.Fatalf("a wrong suffix: %q, answer %s", text, ready)
	}
}

// demoStudent reads the first student of the demo's published 中考 from the
// database: exam number, the ID number's last six characters, and another
// six that are not them.
func demoStudent(t *testing.T, dsn string) (exam, suffix, wrong string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenNoMigrate(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var enc string
	if err := d.QueryRowContext(ctx, `SELECT s.exam_no, s.id_number FROM zhongkao_student s JOIN zhongkao_publication p ON p.year = s.year
		ORDER BY s.line LIMIT 1`).Scan(&exam, &enc); err != nil {
		t.Fatal(err)
	}
	ring, err := pii.LoadFromEnv(testEnv, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := ring.Decrypt(enc, "zhongkao_student.id_number")
	if err != nil {
		t.Fatal(err)
	}
	suffix = id[len(id)-6:]
	wrong = "000000"
	if suffix == wrong {
		wrong = "111111"
	}
	return exam, suffix, wrong
}
