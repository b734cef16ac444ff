package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"edubureau/httpx"
	"edubureau/web/browsertest"
)

// TestBrowser drives the machine's Chromium through the pages behind the
// server's Content-Security-Policy and CSRF protection: sign-in, charts
// drawn, htmx filtering with the URL pushed, the township select following
// the county, and no script error or CSP violation anywhere. It takes
// several seconds; it runs when Chromium is installed (CI requires it) and
// not under -short. With EDUBUREAU_SCREENSHOTS=DIR it saves screenshots there.
func TestBrowser(t *testing.T) {
	ctx := browsertest.New(t, 60*time.Second, chromedp.Flag("lang", "zh-CN"))
	f := newFixture(t)
	h := httpx.SecurityHeaders(false, http.NewCrossOriginProtection().Handler(f.mux()))
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Start the tab, then listen to its console: script errors, exceptions
	// and CSP violations (reported by the browser log) all land there.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				// 4xx answers are expected (a bad filter, a refused form); the favicon does not exist.
				if strings.Contains(m.Text, "the server responded with a status of 4") || strings.Contains(m.URL, "favicon") {
					continue
				}
				mu.Lock()
				problems = append(problems, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()

	shots := os.Getenv("EDUBUREAU_SCREENSHOTS")
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if shots == "" {
				return nil
			}
			b, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), b, 0o644)
		})
	}
	until := func(expr string) chromedp.Action[chromedp.Void] { return browsertest.WaitFor(expr, 10*time.Second) }
	rows := func(n int) chromedp.Action[chromedp.Void] {
		return until(fmt.Sprintf(`document.querySelectorAll('#school-list tbody tr[data-code]').length === %d`, n))
	}
	change := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var s=document.getElementById(%q); s.value=%q;
			s.dispatchEvent(new Event('change', {bubbles: true}))})()`, id, value))
	}
	var search, townships string
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/schools"),
		chromedp.WaitVisible(`#login-form`),
		shot("login"),
		chromedp.SendKeys(`#f-username`, adminName),
		chromedp.SendKeys(`#f-password`, adminPassword),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#school-filter`),
		rows(5),
		shot("schools"),

		// Filter by county: htmx swaps the table in and pushes the URL; the
		// township select follows the county.
		change("filter-county", "430405"),
		rows(2),
		until(`document.querySelectorAll('#filter-township option').length > 1`),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			if search, err = chromedp.Evaluate[string](`location.search`)(ctx, tg); err != nil {
				return err
			}
			townships, err = chromedp.Text(`#filter-township`)(ctx, tg)
			return err
		}),
		// Sort by capacity with a header click, still without a page load.
		chromedp.Click(`th a[data-sort="capacity"]`),
		until(`location.search.includes('sort=capacity') && document.querySelector('#school-list tbody tr').dataset.code === '2143000002'`),
		// Search as you type.
		chromedp.Navigate(srv.URL+"/schools"),
		chromedp.WaitVisible(`#filter-q`),
		chromedp.SendKeys(`#filter-q`, "experimental"),
		rows(1),
		until(`location.search.includes('q=experimental')`),
		// A bad query explains itself.
		chromedp.Navigate(srv.URL+"/schools?status=open"),
		chromedp.WaitVisible(`#filter-errors`),

		// The dashboard draws its charts.
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#chart-by-county[data-chart-ready] canvas`),
		chromedp.WaitVisible(`#chart-by-type[data-chart-ready] canvas`),
		shot("home"),

		// The form: the township list follows the county; a bad number is shown beside its field.
		chromedp.Navigate(srv.URL+"/schools/new"),
		chromedp.WaitVisible(`#school-form`),
		change("f-county", "430406"),
		until(`document.querySelectorAll('#f-township option').length > 1`),
		chromedp.SendKeys(`#f-capacity`, "many"),
		chromedp.Click(`#save-school`),
		chromedp.WaitVisible(`#field-capacity .field-error`),
		shot("form-errors"),

		chromedp.Navigate(srv.URL+"/schools/2143000001"),
		chromedp.WaitVisible(`#school-history`),
		shot("detail"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(search, "county=430405") {
		t.Errorf("the filter did not push the URL: %q", search)
	}
	if !strings.Contains(townships, "街道") {
		t.Errorf("townships of 珠晖区 not loaded: %q", townships)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser reported: %s", p)
	}
}
