// Package fault is how every package of edubureau describes what went wrong, in
// the bureau's terms and in both languages. The web and API layers map a Kind to
// an HTTP status in one place; nothing else decides status codes.
package fault

import (
	"errors"
	"strings"

	"edubureau/i18n"
)

// Kind says what sort of failure an error is.
type Kind string

const (
	Invalid      Kind = "invalid"      // the input breaks a rule (422)
	Malformed    Kind = "malformed"    // the request cannot be read as meant: bad JSON, unknown parameter (400)
	Unsupported  Kind = "unsupported"  // a media type the endpoint does not take (415)
	Required     Kind = "required"     // a precondition header such as If-Match is missing (428)
	NotFound     Kind = "not_found"    // no such record, or outside the user's scope (404)
	Conflict     Kind = "conflict"     // a duplicate, or the record changed meanwhile (409)
	Precondition Kind = "precondition" // If-Match did not match (412)
	Unauthorized Kind = "unauthorized" // not signed in (401)
	Forbidden    Kind = "forbidden"    // signed in but not allowed (403)
	TooLarge     Kind = "too_large"    // the request body is over the limit (413)
	TooMany      Kind = "too_many"     // rate limited (429)
	Unavailable  Kind = "unavailable"  // a dependency is down (503)
	Internal     Kind = "internal"     // a bug or an unexpected failure (500, logged)
)

// FieldError is a problem with one named field (a form field, a JSON member, a CSV column).
type FieldError struct {
	Field string    `json:"field"`
	Msg   i18n.Text `json:"message"`
}

// Error is a failure the user can be told about.
type Error struct {
	Kind   Kind
	Msg    i18n.Text
	Fields []FieldError
	Err    error // the underlying cause, for logs; never shown
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg.String())
	for _, f := range e.Fields {
		b.WriteString("; ")
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Msg.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a message in both languages.
func New(k Kind, zh, en string, args ...any) *Error {
	return &Error{Kind: k, Msg: i18n.T(zh, en, args...)}
}

// Wrap marks err as internal with context; the cause is logged, not shown.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	return &Error{Kind: Internal, Msg: i18n.T("系统内部错误：%s", "internal error: %s", what), Err: err}
}

// KindOf returns the kind of err: Internal for errors that are not *Error.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// As returns err as *Error, wrapping foreign errors as Internal.
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return &Error{Kind: Internal, Msg: i18n.T("系统内部错误", "internal error"), Err: err}
}

// Validation collects field problems; Err returns nil when there are none.
type Validation struct {
	Fields []FieldError
}

// Add records a problem with field, formatting both languages with args.
func (v *Validation) Add(field, zh, en string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Msg: i18n.T(zh, en, args...)})
}

// AddText records a problem with field whose message is already built.
func (v *Validation) AddText(field string, t i18n.Text) {
	v.Fields = append(v.Fields, FieldError{Field: field, Msg: t})
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error listing the problems, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Msg: i18n.T("提交的数据有误，请按提示修改", "the data has problems; please correct the fields shown"), Fields: v.Fields}
}
