package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

// checkJSONRequest refuses a body that is not plain JSON in UTF-8 (415).
func checkJSONRequest(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return unsupportedMedia("请求须为 JSON（Content-Type: application/json）", "the request body must be JSON (Content-Type: application/json)")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return unsupportedMedia("不支持的内容类型 %q，请使用 application/json", "unsupported content type %q; use application/json", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupportedMedia("不支持的字符集 %q，请使用 UTF-8", "unsupported charset %q; use UTF-8", cs)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return unsupportedMedia("不支持压缩的请求内容（%s）", "compressed request bodies (%s) are not supported", ce)
	}
	return nil
}

// decodeJSON reads a JSON object from the request into v, refusing members v
// does not have. Syntax errors, unknown members and a body that is not UTF-8
// are 400; a member of the wrong type is 422 naming it; a body over the
// server's limit is 413.
func decodeJSON(r *http.Request, v any) error {
	if err := checkJSONRequest(r); err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if berr := httpx.BodyError(err); fault.KindOf(berr) == fault.TooLarge {
			return berr
		}
		return malformed("无法读取请求内容", "cannot read the request body")
	}
	return decodeBody(body, v)
}

// decodeBody is decodeJSON after the body has been read (and what the fuzz target calls).
func decodeBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, size := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			at += size
		}
		return malformed("请求内容不是有效的 UTF-8（第 %d 字节）", "the request body is not valid UTF-8 (at byte %d)", at)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return malformed("请求内容为空，应为 JSON 对象", "the request body is empty; a JSON object is expected")
	}
	if trimmed[0] != '{' {
		return malformed("请求内容应为 JSON 对象", "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(body, int(dec.InputOffset()))
		return malformed("JSON 对象之后还有多余内容（第 %d 行第 %d 列）", "unexpected data after the JSON object (line %d, column %d)", line, col)
	}
	return nil
}

// position turns a byte offset into a 1-based line and column (in characters).
func position(body []byte, offset int) (line, col int) {
	if offset > len(body) {
		offset = len(body)
	}
	if offset < 0 {
		offset = 0
	}
	before := body[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// jsonError describes a decoding error, naming the position or the member.
func jsonError(err error, body []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included.
		line, col := position(body, int(syn.Offset)-1)
		fe := fault.New(fault.Invalid, "JSON 格式错误：第 %d 行第 %d 列（第 %d 字节）", "malformed JSON at line %d, column %d (byte %d)", line, col, syn.Offset)
		fe.Msg.EN += ": " + strings.TrimPrefix(syn.Error(), "json: ")
		return badRequest("malformed-request", fe)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return malformed("JSON 内容不完整", "the JSON ends unexpectedly")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return malformed("请求内容应为 JSON 对象", "the request body must be a JSON object")
		}
		fe := fault.New(fault.Invalid, "字段 %s 的类型不对", "member %s has the wrong type", field)
		fe.Fields = []fault.FieldError{{Field: field, Msg: i18n.T("应为 %s，而不是 JSON %s", "must be %s, not a JSON %s", jsonTypeName(typ.Type.Kind().String()), typ.Value)}}
		return fe
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		field := strings.Trim(strings.TrimPrefix(msg, unknown), `"`)
		fe := fault.New(fault.Invalid, "未知的字段 %q", "unknown member %q", field)
		fe.Fields = []fault.FieldError{{Field: field, Msg: i18n.T("没有这个字段（请检查拼写）", "there is no such member (check the spelling)")}}
		return badRequest("malformed-request", fe)
	}
	return malformed("无法解析 JSON：%v", "cannot parse the JSON: %v", err)
}

// jsonTypeName says which JSON type a Go kind expects.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	}
	return "object"
}

// query is a request's query string, checked parameter by parameter. Unknown
// and repeated parameters are 400 (so that a typo is not silently ignored);
// bad values are collected as field problems and reported together as 422.
type query struct {
	values url.Values
	bad    fault.Validation
}

// parseQuery checks that the request has only the allowed parameters, each once.
func parseQuery(r *http.Request, allowed ...string) (*query, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, malformed("查询字符串格式不正确：%v", "the query string is malformed: %v", err)
	}
	var unknown, repeated []string
	for name, vs := range values {
		switch {
		case !slices.Contains(allowed, name):
			unknown = append(unknown, name)
		case len(vs) > 1:
			repeated = append(repeated, name)
		}
	}
	if len(unknown) > 0 || len(repeated) > 0 {
		sort.Strings(unknown)
		sort.Strings(repeated)
		var fe *fault.Error
		if len(unknown) > 0 {
			fe = fault.New(fault.Invalid, "未知的查询参数：%s（可用：%s）", "unknown query parameter: %s (allowed: %s)",
				strings.Join(unknown, ", "), strings.Join(allowed, ", "))
		} else {
			fe = fault.New(fault.Invalid, "查询参数重复：%s", "query parameter given more than once: %s", strings.Join(repeated, ", "))
		}
		for _, n := range unknown {
			fe.Fields = append(fe.Fields, fault.FieldError{Field: n, Msg: i18n.T("未知的参数", "unknown parameter")})
		}
		for _, n := range repeated {
			fe.Fields = append(fe.Fields, fault.FieldError{Field: n, Msg: i18n.T("参数只能给一次", "the parameter may be given only once")})
		}
		slug := "unknown-parameter"
		if len(unknown) == 0 {
			slug = "malformed-request"
		}
		return nil, badRequest(slug, fe)
	}
	return &query{values: values}, nil
}

// get returns a parameter's value, trimmed ("" when absent).
func (q *query) get(name string) string { return strings.TrimSpace(q.values.Get(name)) }

// err returns the collected value problems as one 422, or nil.
func (q *query) err() error { return q.bad.Err() }
