package web

import (
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"edubureau/i18n"
	"edubureau/school"
)

// funcs is the templates' function map, bound to one language.
func (ui *UI) funcs(l i18n.Lang) template.FuncMap {
	m := template.FuncMap{
		"t":             func(key string) string { return i18n.Tr(l, key) },
		"tf":            func(key string, args ...any) string { return i18n.Trf(l, key, args...) },
		"text":          func(t i18n.Text) string { return t.In(l) },
		"asset":         ui.assets.url,
		"date":          formatDate,
		"datetime":      formatDateTime,
		"number":        formatNumber,
		"coord":         formatCoord,
		"typeName":      func(t school.Type) string { return school.TypeName(t).In(l) },
		"statusName":    func(s school.Status) string { return school.StatusName(s).In(l) },
		"ownershipName": func(o school.Ownership) string { return school.OwnershipName(o).In(l) },
		"fieldLabel":    func(field string) string { return fieldLabel(l, field) },
		"actionName":    func(a string) string { return actionName(l, a) },
		"fieldValue":    func(field, v string) string { return fieldValue(l, field, v) },
		"dict":          dict,
		"dash":          dash,
	}
	for k, f := range studentFuncs(l) {
		m[k] = f
	}
	return m
}

// formatDate gives an instant's date in China Standard Time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(shanghai).Format(time.DateOnly)
}

// formatDateTime gives an instant to the minute in China Standard Time.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(shanghai).Format("2006-01-02 15:04")
}

// formatNumber writes an integer with thousands separators: 1234567 → 1,234,567.
func formatNumber(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case int32:
		n = int64(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return "?"
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatCoord writes a coordinate to six decimals (about 0.1 m), or a dash.
func formatCoord(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f, 'f', 6, 64)
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func actionName(l i18n.Lang, a string) string {
	if i18n.Has("action." + a) {
		return i18n.Tr(l, "action."+a)
	}
	return a
}

// fieldValue shows a value from a school's history: codes of types, statuses
// and ownerships by their names.
func fieldValue(l i18n.Lang, field, v string) string {
	if v == "" {
		return "—"
	}
	switch field {
	case "type":
		return school.TypeName(school.Type(v)).In(l)
	case "status":
		return school.StatusName(school.Status(v)).In(l)
	case "ownership":
		return school.OwnershipName(school.Ownership(v)).In(l)
	}
	return v
}

// dict builds a map from key/value pairs, to pass several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
