package catchment

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZCorpusTiming(t *testing.T) {
	dir := os.Getenv("CORPUS")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.SplitN(string(b), "\n", 3)
		s := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
		data, err := strconv.Unquote(s)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		zones, err := ReadZones(bytes.NewReader([]byte(data)), "x")
		if err == nil {
			ix := NewIndex(zones)
			ix.Overlaps()
		}
		if d := time.Since(start); d > 5*time.Millisecond {
			t.Logf("%s: %v %d zones err=%v", filepath.Base(f), d, len(zones), err)
		}
	}
}
