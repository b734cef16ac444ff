package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogueHasBothLanguages(t *testing.T) {
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, k := range Keys() {
		tx := catalogue[k]
		if strings.TrimSpace(tx.ZH) == "" || strings.TrimSpace(tx.EN) == "" {
			t.Errorf("%s: missing a language: zh=%q en=%q", k, tx.ZH, tx.EN)
		}
		// Trf formats both sides with the same arguments: same verbs, same order.
		if zh, en := verb.FindAllString(tx.ZH, -1), verb.FindAllString(tx.EN, -1); strings.Join(zh, " ") != strings.Join(en, " ") {
			t.Errorf("%s: format verbs differ: zh %v, en %v", k, zh, en)
		}
	}
}

// TestTemplateKeysExist scans the web package's templates for {{t "key"}} and
// {{tf "key" …}} and its Go files for the keys they pass to Tr/Trf, so a
// label can never show as its key.
func TestTemplateKeysExist(t *testing.T) {
	uses := map[string][]string{}
	scan := func(pattern string, re *regexp.Regexp) int {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				uses[m[1]] = append(uses[m[1]], filepath.Base(f))
			}
		}
		return len(files)
	}
	if n := scan(filepath.Join("..", "web", "templates", "*.html"), regexp.MustCompile(`\btf? "([^"]+)"`)); n == 0 {
		t.Fatal("no templates found in ../web/templates")
	}
	// In Go: any string literal that looks like a key of one of the
	// catalogue's sections (Tr(l, "nav.home"), {"code", "field.code"}, …).
	goKey := regexp.MustCompile(`(Permission: |Can\()?"((?:app|nav|login|error|flash|home|schools|school|action|form|field|export)\.[a-z_]+(?:\.[a-z_]+)*)"`)
	files, _ := filepath.Glob(filepath.Join("..", "web", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "" {
				continue // a permission ("school.view"), not a label
			}
			if ext := filepath.Ext(m[2]); ext == ".css" || ext == ".js" || ext == ".html" || ext == ".csv" || ext == ".xlsx" {
				continue // a file name, not a key
			}
			uses[m[2]] = append(uses[m[2]], filepath.Base(f))
		}
	}
	if len(uses) < 50 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(uses))
	}
	for k, where := range uses {
		if !Has(k) {
			t.Errorf("key %q (used in %s) is not in the catalogue", k, strings.Join(where, ", "))
		}
	}
}

func TestTr(t *testing.T) {
	if got := Tr(ZH, "nav.schools"); got != "学校" {
		t.Errorf("Tr(ZH) = %q", got)
	}
	if got := Tr(EN, "nav.schools"); got != "Schools" {
		t.Errorf("Tr(EN) = %q", got)
	}
	if got := Tr(EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key gives %q, want the key", got)
	}
	if got := Trf(ZH, "app.bureau", "衡阳市"); got != "衡阳市教育局" {
		t.Errorf("Trf = %q", got)
	}
}
