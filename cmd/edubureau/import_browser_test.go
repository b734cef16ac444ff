package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"edubureau/demo"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/web/browsertest"
)

// TestBrowserImportStudents is the walk through the import page in a
// real browser against the real server: download the template, upload a
// file with a wrong ID number and see the problem named by row and column
// (nothing imported), then a good file, imported.
func TestBrowserImportStudents(t *testing.T) {
	ctx := browser(t)
	srv := start(t, "demo", "--db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "--addr", "127.0.0.1:0", "--log-format", "json",
		"--log-level", "warn", "--import-dir", t.TempDir())
	defer srv.stop()
	base := srv.base
	schools, err := demo.Schools(demo.Options{Scale: demo.Small, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var primary string
	for _, s := range schools {
		if s.Type == school.Primary && s.Status == school.Active {
			primary = s.Code
			break
		}
	}
	if primary == "" {
		t.Fatal("no primary school in the demo data")
	}
	read := func(js string, dst *string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			v, err := chromedp.Evaluate[string](js)(ctx, tg)
			*dst = v
			return err
		})
	}
	until := func(expr string) chromedp.Action[chromedp.Void] { return browsertest.WaitFor(expr, 30*time.Second) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	downloads := t.TempDir()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	do("sign in and open the import page",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#f-username`, "admin"),
		chromedp.SendKeys(`#f-password`, demoPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#current-user`), // the sign-in page has a #main too
		chromedp.Navigate(base+"/imports"),
		chromedp.WaitVisible(`#import-kinds`),
		chromedp.Click(`[data-kind="students"] h2 a`),
		chromedp.WaitVisible(`#import-form`),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: ptrTrue()})
			return err
		}),
		chromedp.Click(`#template-link`),
	)
	var template string
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			template = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatal("the template download was cancelled")
		}
	}
	x, err := excelize.OpenFile(template)
	if err != nil {
		t.Fatalf("the downloaded template: %v", err)
	}
	header, _ := x.GetRows("学生信息")
	x.Close()
	if len(header) < 2 || !strings.Contains(strings.Join(header[0], ","), "*证件号码") {
		t.Fatalf("template header %v", header)
	}

	born := time.Date(2018, 3, 15, 0, 0, 0, 0, time.UTC)
	good1, good2 := idno.MakeResidentID("430405", born, 11), idno.MakeResidentID("430405", born, 12)
	bad := good2[:17] + map[bool]string{true: "1", false: "0"}[good2[17] == '0']
	row := func(name, gender, id string) string {
		return primary + ",二年级,1," + name + "," + gender + ",2018-03-15," + id + ",汉族,家长,母亲,13900000000\n"
	}
	head := "学校标识码,年级,班级,姓名,性别,出生日期,证件号码,民族,监护人1姓名,监护人1关系,监护人1电话\n"
	badFile := filepath.Join(t.TempDir(), "学生-有错.csv")
	goodFile := filepath.Join(t.TempDir(), "学生.csv")
	os.WriteFile(badFile, []byte(head+row("张小明", "男", good1)+row("李小红", "女", bad)), 0o600)
	os.WriteFile(goodFile, []byte(head+row("张小明", "男", good1)+row("李小红", "女", good2)), 0o600)

	var outcome, problems, summary string
	do("upload a file with a wrong ID number",
		chromedp.SetUploadFiles(`#f-file`, []string{badFile}),
		chromedp.Click(`#import-submit`),
		chromedp.WaitVisible(`#import-result`),
		read(`document.getElementById('import-outcome').innerText`, &outcome),
		read(`document.getElementById('import-problems').innerText`, &problems),
		chromedp.WaitVisible(`#report-link`),
	)
	if !strings.Contains(outcome, "未导入") || !strings.Contains(problems, "证件号码") || !strings.Contains(problems, "G3") ||
		!strings.Contains(problems, "校验位") {
		t.Fatalf("the refused file: %q\n%s", outcome, problems)
	}
	do("upload the corrected file",
		chromedp.Click(`#import-again`),
		chromedp.WaitVisible(`#import-form`),
		chromedp.SetUploadFiles(`#f-file`, []string{goodFile}),
		chromedp.Click(`#import-submit`),
		chromedp.WaitVisible(`#import-result`),
		until(`document.getElementById('import-summary') !== null`),
		read(`document.getElementById('import-summary').innerText`, &summary),
	)
	if !strings.Contains(summary, "新增 2") {
		t.Fatalf("the good file: %s", summary)
	}
	var history string
	do("the history", chromedp.Navigate(base+"/imports/students"), chromedp.WaitVisible(`#import-history`),
		read(`document.getElementById('import-history').innerText`, &history))
	if !strings.Contains(history, "学生-有错.csv") || !strings.Contains(history, "学生.csv") {
		t.Fatalf("history: %s", history)
	}
}

func ptrTrue() *bool { b := true; return &b }
