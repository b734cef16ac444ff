// Package i18n holds edubureau's two languages: zh-CN (the default) and English.
// Domain packages describe problems with Text, which carries both languages, so
// that no message can exist in one language only; the user interface's fixed
// labels live in the catalogue (catalogue.go) and a test checks both sides.
package i18n

import (
	"fmt"
	"net/http"
	"strings"
)

// Lang is a user-interface language.
type Lang string

const (
	ZH Lang = "zh-CN" // the default
	EN Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{ZH, EN}

// ParseLang accepts "zh", "zh-CN", "en", "en-US", … and falls back to ZH.
func ParseLang(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "en") {
		return EN
	}
	return ZH
}

// FromRequest is the language of a page: the one the user chose with the
// switch (the "lang" cookie), else zh-CN. The bureau works in Chinese; a
// browser's English preference does not override that by itself.
func FromRequest(r *http.Request) Lang {
	if c, err := r.Cookie("lang"); err == nil && c.Value != "" {
		return ParseLang(c.Value)
	}
	return ZH
}

// Negotiate is the language of an API response: the "lang" cookie, then the
// Accept-Language header (machine clients say what they want), then zh-CN.
func Negotiate(r *http.Request) Lang {
	if c, err := r.Cookie("lang"); err == nil && c.Value != "" {
		return ParseLang(c.Value)
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return ZH
		case strings.HasPrefix(tag, "en"):
			return EN
		}
	}
	return ZH
}

// Text is one message in both languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// T builds a Text, formatting both sides with the same arguments.
func T(zh, en string, args ...any) Text {
	if len(args) == 0 {
		return Text{ZH: zh, EN: en}
	}
	return Text{ZH: fmt.Sprintf(zh, args...), EN: fmt.Sprintf(en, args...)}
}

// In returns the message in lang.
func (t Text) In(l Lang) string {
	if l == EN {
		return t.EN
	}
	return t.ZH
}

// String is the Chinese text followed by the English, for logs and the CLI.
func (t Text) String() string {
	if t.EN == "" || t.EN == t.ZH {
		return t.ZH
	}
	return t.ZH + " (" + t.EN + ")"
}
