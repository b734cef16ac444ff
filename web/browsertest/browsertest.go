// Package browsertest starts the machine's Chromium for the browser tests
// (chromedp) and waits in its pages, the same way in every package that
// has such tests.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to drive, skipping the test when there is
// none (or under -short) — unless EDUBUREAU_REQUIRE_BROWSER is set (CI),
// when a missing browser is a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("EDUBUREAU_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is required (EDUBUREAU_REQUIRE_BROWSER is set) but not installed: apt-get install chromium")
		}
		t.Skip("chromium is not installed")
	}
	return path
}

// New starts a headless Chromium with a 1280×900 window and a profile of
// its own, and returns a tab's context that ends after limit or with the
// test. opts are added to the defaults (a language, say).
func New(t testing.TB, limit time.Duration, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	all := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel3)
	return ctx
}

// WaitFor waits up to timeout for the JavaScript expression expr to be
// true. A poll that fails before then runs again: a page that loads while
// it runs takes its context with it (Chromium: "Cannot find context with
// specified id"), and an expression may throw until the page it reads has
// arrived.
func WaitFor(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(timeout)
		for {
			_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Until(deadline)))(ctx, tg)
			if err != nil && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", expr, err)
			}
			return nil
		}
	})
}
