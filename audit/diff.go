package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"edubureau/pii"
)

// Kinds of personal field for Diff's masking.
const (
	PersonalID     = "id"     // an identity document number: first 6 and last 4 kept
	PersonalPhone  = "phone"  // a phone number: first 3 and last 4 kept
	PersonalName   = "name"   // a person's name: first (and last) character kept
	PersonalSecret = "secret" // never shown at all (a password hash, a key)
)

// Diff lists the fields whose values differ between before and after
// (structs, pointers to structs, or maps with string keys; nil for a record
// created or deleted), in the order of the struct's fields. A field is named
// by its JSON name when it has one. Fields listed in personal are masked
// with the kind given (PersonalID, PersonalPhone, PersonalName; any other
// kind hides the value entirely), so the log never holds a full identifier:
// the change still shows, since values are compared before masking.
func Diff(before, after any, personal map[string]string) []Change {
	bf, bv := fields(before)
	af, av := fields(after)
	order := bf
	seen := map[string]bool{}
	for _, f := range bf {
		seen[f] = true
	}
	for _, f := range af {
		if !seen[f] {
			order = append(order, f)
		}
	}
	var out []Change
	for _, f := range order {
		b, a := bv[f], av[f]
		if b == a {
			continue
		}
		if kind, ok := personal[f]; ok {
			b, a = maskAs(kind, b), maskAs(kind, a)
		}
		out = append(out, Change{Field: f, Before: b, After: a})
	}
	return out
}

func maskAs(kind, v string) string {
	switch kind {
	case PersonalID:
		return pii.MaskID(v)
	case PersonalPhone:
		return pii.MaskPhone(v)
	case PersonalName:
		return pii.MaskName(v)
	}
	if v == "" {
		return ""
	}
	return "******"
}

// fields flattens v into its field names (in order) and their values as text.
func fields(v any) ([]string, map[string]string) {
	vals := map[string]string{}
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) {
		if rv.IsNil() {
			return nil, vals
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, vals
	}
	var names []string
	switch rv.Kind() {
	case reflect.Struct:
		var walk func(s reflect.Value)
		walk = func(s reflect.Value) {
			t := s.Type()
			for i := 0; i < t.NumField(); i++ {
				sf := t.Field(i)
				if !sf.IsExported() {
					continue
				}
				fv := s.Field(i)
				name, skip := jsonName(sf)
				if skip {
					continue
				}
				if sf.Anonymous && !hasJSONName(sf) {
					for fv.Kind() == reflect.Pointer {
						if fv.IsNil() {
							break
						}
						fv = fv.Elem()
					}
					if fv.Kind() == reflect.Struct {
						walk(fv)
						continue
					}
				}
				if _, dup := vals[name]; !dup {
					names = append(names, name)
				}
				vals[name] = text(fv)
			}
		}
		walk(rv)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, vals
		}
		for _, k := range rv.MapKeys() {
			names = append(names, k.String())
			vals[k.String()] = text(rv.MapIndex(k))
		}
		sort.Strings(names)
	}
	return names, vals
}

func jsonName(sf reflect.StructField) (string, bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, false
	}
	return sf.Name, false
}

func hasJSONName(sf reflect.StructField) bool {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return name != ""
}

var timeType = reflect.TypeOf(time.Time{})

// text writes a value for the log: nil pointers as "", times in RFC 3339,
// numbers and booleans plainly, anything else as JSON.
func text(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	if s, ok := v.Interface().(fmt.Stringer); ok && v.Kind() != reflect.Struct {
		return s.String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprint(v.Interface())
	}
	return string(b)
}
