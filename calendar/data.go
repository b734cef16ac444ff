package calendar

import (
	"embed"
	"io/fs"
	"sync"
)

// The State Council's notices 2020–2026 in the holiday-cn format, transcribed
// from ../shared/data/holiday-cn (MIT licence, data/LICENSE). To add a year,
// drop its file here; a test checks every file.
//
//go:embed data/20*.json data/LICENSE
var dataFS embed.FS

// Default returns the calendar of the built-in notices, built once.
func Default() *Calendar { return defaultCalendar() }

var defaultCalendar = sync.OnceValue(func() *Calendar {
	notices, err := builtinNotices()
	if err != nil {
		panic("calendar: built-in notices: " + err.Error()) // caught by the package's tests
	}
	c, err := New(notices...)
	if err != nil {
		panic("calendar: built-in notices: " + err.Error())
	}
	return c
})

// builtinNotices parses every embedded notice, in file-name order.
func builtinNotices() ([]Notice, error) {
	names, err := fs.Glob(dataFS, "data/20*.json")
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, name := range names {
		f, err := dataFS.Open(name)
		if err != nil {
			return nil, err
		}
		n, err := ParseNotice(f, name[len("data/"):])
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
