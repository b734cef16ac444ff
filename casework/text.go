package casework

import (
	"fmt"

	"edubureau/fault"
	"edubureau/i18n"
)

// text formats a message in both languages; an argument that is an i18n.Text
// (a state's or a period's name, a legal basis) goes in its own language on
// each side.
func text(zh, en string, args ...any) i18n.Text {
	za, ea := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(i18n.Text); ok {
			za[i], ea[i] = t.ZH, t.EN
		} else {
			za[i], ea[i] = a, a
		}
	}
	return i18n.Text{ZH: fmt.Sprintf(zh, za...), EN: fmt.Sprintf(en, ea...)}
}

// failure is a fault whose message names things in both languages.
func failure(k fault.Kind, zh, en string, args ...any) *fault.Error {
	return &fault.Error{Kind: k, Msg: text(zh, en, args...)}
}
