package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"edubureau/i18n"
)

// xmlScanner reads XML as encoding/xml's Decoder.RawToken does — the same
// tokens, the same checks, the same errors with the same messages, names
// split at their prefix — without allocating for each token: a token's name,
// attributes and text are in buffers that the next token reuses. It reads a
// sheet's rows and the shared strings, where a decoder that allocated for
// every element and every piece of text took most of an import's reading.
// The fuzz tests compare the two on any input.
//
// Like RawToken it does not check that end elements match start elements,
// and does not translate prefixes; a self-closing element gives a start and
// an end. Comments, processing instructions and directives are read, checked
// as encoding/xml checks them, and reported as xmlOther.
//
// The common tags (ASCII names, attribute values without references) are
// read straight from the buffer; anything else, and any tag the buffer ends
// in, goes the general way, which follows encoding/xml step by step.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int   // buf[pos:end] is read and not yet consumed
	rerr     error // the reader's error, once buf is used up
	err      error // sticky: io.EOF, the reader's error or a syntax error
	lines    int   // newlines in the bytes consumed before buf[0]

	// The current token. The fields are set in place (appends, offsets), so
	// that reading a token stores no pointer, which costs while the garbage
	// collector runs.
	name      []byte // element name (start and end) or processing-instruction target
	localAt   int    // name[localAt:] is the local name
	spaceLen  int    // name[:spaceLen] is the prefix (none when 0)
	text      []byte // character data (xmlText) or a processing instruction's body
	attrs     []scanAttr
	abuf      []byte // the attributes' local names and values
	needClose bool   // the last start element was self-closing: its end comes next
}

type xmlToken uint8

const (
	xmlStart xmlToken = iota + 1
	xmlEnd
	xmlText
	xmlOther // a comment, a processing instruction or a directive
)

// scanAttr is an attribute of the current start element: offsets into abuf.
type scanAttr struct {
	local, value [2]int
}

func newXMLScanner(r io.Reader, size int) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, size)}
}

// local is the current element's local name; space its prefix.
func (s *xmlScanner) local() []byte { return s.name[s.localAt:] }
func (s *xmlScanner) space() []byte { return s.name[:s.spaceLen] }

// is reports whether the current token's local name is local.
func (s *xmlScanner) is(local string) bool { return string(s.name[s.localAt:]) == local }

// attr is the value of the current start element's first attribute whose
// local name is local, and whether it has one.
func (s *xmlScanner) attr(local string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(s.abuf[a.local[0]:a.local[1]]) == local {
			return s.abuf[a.value[0]:a.value[1]], true
		}
	}
	return nil, false
}

// fill reads more input; it is called when buf[pos:end] is used up.
func (s *xmlScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	s.lines += bytes.Count(s.buf[:s.pos], []byte{'\n'})
	s.pos, s.end = 0, 0
	for tries := 0; s.end == 0; tries++ {
		if tries == 100 {
			s.rerr = io.ErrNoProgress
			break
		}
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.rerr = err
			break
		}
	}
	return s.end > 0
}

// getc reads a byte; at the end of the input (or a read error) ok is false
// and the error is in s.err.
func (s *xmlScanner) getc() (b byte, ok bool) {
	if s.pos < s.end {
		s.pos++
		return s.buf[s.pos-1], true
	}
	return s.getcSlow(false)
}

// mustgetc is getc where the end of the input is an error.
func (s *xmlScanner) mustgetc() (b byte, ok bool) {
	if s.pos < s.end {
		s.pos++
		return s.buf[s.pos-1], true
	}
	return s.getcSlow(true)
}

func (s *xmlScanner) getcSlow(must bool) (byte, bool) {
	if s.err == nil && s.fill() {
		s.pos++
		return s.buf[0], true
	}
	if s.err == nil {
		s.err = s.rerr
	}
	if must && s.err == io.EOF {
		s.err = s.syntaxError("unexpected EOF")
	}
	return 0, false
}

// ungetc gives back the byte that getc returned last.
func (s *xmlScanner) ungetc() { s.pos-- }

func (s *xmlScanner) syntaxError(msg string) error {
	return &xml.SyntaxError{Msg: msg, Line: s.lines + bytes.Count(s.buf[:s.pos], []byte{'\n'}) + 1}
}

// skipSpace skips XML white space.
func (s *xmlScanner) skipSpace() {
	for {
		b, ok := s.getc()
		if !ok {
			return
		}
		if !isXMLSpace(b) {
			s.ungetc()
			return
		}
	}
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\r' || b == '\n' || b == '\t' }

// next reads the next token: its kind, or io.EOF at the end of the input,
// or the error that stopped the reading (then again at every call).
func (s *xmlScanner) next() (xmlToken, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.needClose {
		s.needClose = false
		return xmlEnd, nil
	}
	b, ok := s.getc()
	if !ok {
		return 0, s.err
	}
	if b != '<' {
		s.ungetc()
		s.text = s.text[:0]
		if !s.readText(&s.text, -1, false) {
			return 0, s.err
		}
		return xmlText, nil
	}
	if b, ok = s.mustgetc(); !ok {
		return 0, s.err
	}
	switch b {
	case '/':
		if s.quickEnd() {
			return xmlEnd, nil
		}
		if !s.elementName() {
			if s.err == nil {
				s.err = s.syntaxError("expected element name after </")
			}
			return 0, s.err
		}
		s.skipSpace()
		if b, ok = s.mustgetc(); !ok {
			return 0, s.err
		}
		if b != '>' {
			s.err = s.syntaxError("invalid characters between </" + string(s.local()) + " and >")
			return 0, s.err
		}
		return xmlEnd, nil
	case '?':
		return s.procInst()
	case '!':
		return s.bang()
	}
	s.ungetc()
	if s.quickStart() {
		return xmlStart, nil
	}
	return s.startElement()
}

// asciiName are the bytes a name may hold besides those of multi-byte characters.
var asciiName = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
	}
	return t
}()

// nameStart reports whether an ASCII name may start with c.
func nameStart(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
}

// quickName reads an ASCII name from b[i:]: its end, and where its local
// name starts; ok is false when the name is not one the quick way can take.
func quickName(b []byte, i int) (end, local int, ok bool) {
	start, colon := i, -1
	for ; i < len(b) && asciiName[b[i]]; i++ {
		if b[i] == ':' {
			if colon >= 0 {
				return 0, 0, false
			}
			colon = i
		}
	}
	if i == start || i == len(b) || !nameStart(b[start]) || b[i] >= utf8.RuneSelf {
		return 0, 0, false
	}
	local = start
	if colon > start && colon < i-1 {
		local = colon + 1
	}
	return i, local, true
}

// setName makes b[start:end] the element's name, its local name from local.
func (s *xmlScanner) setName(b []byte, start, local, end int) {
	s.name = s.name[:0]
	s.name = append(s.name, b[start:end]...)
	s.localAt, s.spaceLen = local-start, 0
	if local > start {
		s.spaceLen = local - start - 1
	}
}

// quickEnd reads "name>" after "</" when it is in the buffer.
func (s *xmlScanner) quickEnd() bool {
	b := s.buf[:s.end]
	end, local, ok := quickName(b, s.pos)
	if !ok {
		return false
	}
	i := end
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	if i == len(b) || b[i] != '>' {
		return false
	}
	s.setName(b, s.pos, local, end)
	s.pos = i + 1
	return true
}

// quickStart reads a start tag after "<" when it is in the buffer, its
// names are ASCII and its attribute values plain printable ASCII.
func (s *xmlScanner) quickStart() bool {
	b := s.buf[:s.end]
	end, local, ok := quickName(b, s.pos)
	if !ok {
		return false
	}
	s.attrs = s.attrs[:0]
	s.abuf = s.abuf[:0]
	i := end
	for {
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false
		}
		switch b[i] {
		case '>':
			s.setName(b, s.pos, local, end)
			s.pos = i + 1
			return true
		case '/':
			if i+1 == len(b) || b[i+1] != '>' {
				return false
			}
			s.setName(b, s.pos, local, end)
			s.pos = i + 2
			s.needClose = true
			return true
		}
		aEnd, aLocal, ok := quickName(b, i)
		if !ok {
			return false
		}
		for i = aEnd; i < len(b) && isXMLSpace(b[i]); i++ {
		}
		if i == len(b) || b[i] != '=' {
			return false
		}
		for i++; i < len(b) && isXMLSpace(b[i]); i++ {
		}
		if i == len(b) || b[i] != '"' && b[i] != '\'' {
			return false
		}
		q := b[i]
		i++
		vStart := i
		for ; i < len(b) && b[i] != q; i++ {
			if c := b[i]; c < ' ' && c != '\t' && c != '\n' || c >= utf8.RuneSelf || c == '<' || c == '&' {
				return false
			}
		}
		if i == len(b) {
			return false
		}
		var a scanAttr
		a.local[0] = len(s.abuf)
		s.abuf = append(s.abuf, b[aLocal:aEnd]...)
		a.local[1] = len(s.abuf)
		a.value[0] = len(s.abuf)
		s.abuf = append(s.abuf, b[vStart:i]...)
		a.value[1] = len(s.abuf)
		s.attrs = append(s.attrs, a)
		i++
	}
}

// elementName reads an element's name the general way.
func (s *xmlScanner) elementName() bool {
	s.name = s.name[:0]
	space, ok := s.nsname(&s.name)
	if !ok {
		return false
	}
	s.localAt, s.spaceLen = 0, space
	if space > 0 {
		s.localAt = space + 1
	}
	return true
}

func (s *xmlScanner) startElement() (xmlToken, error) {
	if !s.elementName() {
		if s.err == nil {
			s.err = s.syntaxError("expected element name after <")
		}
		return 0, s.err
	}
	s.attrs = s.attrs[:0]
	s.abuf = s.abuf[:0]
	for {
		s.skipSpace()
		b, ok := s.mustgetc()
		if !ok {
			return 0, s.err
		}
		if b == '/' {
			if b, ok = s.mustgetc(); !ok {
				return 0, s.err
			}
			if b != '>' {
				s.err = s.syntaxError("expected /> in element")
				return 0, s.err
			}
			s.needClose = true
			break
		}
		if b == '>' {
			break
		}
		s.ungetc()
		var a scanAttr
		a.local[0] = len(s.abuf)
		space, ok := s.nsname(&s.abuf)
		if !ok {
			if s.err == nil {
				s.err = s.syntaxError("expected attribute name in element")
			}
			return 0, s.err
		}
		if space > 0 {
			a.local[0] += space + 1
		}
		a.local[1] = len(s.abuf)
		s.skipSpace()
		if b, ok = s.mustgetc(); !ok {
			return 0, s.err
		}
		if b != '=' {
			s.err = s.syntaxError("attribute name without = in element")
			return 0, s.err
		}
		s.skipSpace()
		if b, ok = s.mustgetc(); !ok {
			return 0, s.err
		}
		if b != '"' && b != '\'' {
			s.err = s.syntaxError("unquoted or missing attribute value in element")
			return 0, s.err
		}
		a.value[0] = len(s.abuf)
		if !s.readText(&s.abuf, int(b), false) {
			return 0, s.err
		}
		a.value[1] = len(s.abuf)
		s.attrs = append(s.attrs, a)
	}
	return xmlStart, nil
}

// procInst reads a processing instruction after "<?".
func (s *xmlScanner) procInst() (xmlToken, error) {
	s.name = s.name[:0]
	if !s.readName(&s.name) || !s.checkName(s.name, isASCII(s.name)) {
		if s.err == nil {
			s.err = s.syntaxError("expected target name after <?")
		}
		return 0, s.err
	}
	s.localAt, s.spaceLen = 0, 0
	s.skipSpace()
	s.text = s.text[:0]
	var b0 byte
	for {
		b, ok := s.mustgetc()
		if !ok {
			return 0, s.err
		}
		s.text = append(s.text, b)
		if b0 == '?' && b == '>' {
			break
		}
		b0 = b
	}
	s.text = s.text[:len(s.text)-2]
	if string(s.name) == "xml" {
		content := string(s.text)
		if ver := procInstParam("version", content); ver != "" && ver != "1.0" {
			s.err = fmt.Errorf("xml: unsupported version %q; only version 1.0 is supported", ver)
			return 0, s.err
		}
		if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			s.err = fmt.Errorf("xml: encoding %q declared but Decoder.CharsetReader is nil", enc)
			return 0, s.err
		}
	}
	return xmlOther, nil
}

// procInstParam is encoding/xml's reading of param="…" in <?xml …?>.
func procInstParam(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads what follows "<!": a comment, a CDATA section or a directive.
func (s *xmlScanner) bang() (xmlToken, error) {
	b, ok := s.mustgetc()
	if !ok {
		return 0, s.err
	}
	switch b {
	case '-':
		if b, ok = s.mustgetc(); !ok {
			return 0, s.err
		}
		if b != '-' {
			s.err = s.syntaxError("invalid sequence <!- not part of <!--")
			return 0, s.err
		}
		var b0, b1 byte
		for {
			if b, ok = s.mustgetc(); !ok {
				return 0, s.err
			}
			if b0 == '-' && b1 == '-' {
				if b != '>' {
					s.err = s.syntaxError(`invalid sequence "--" not allowed in comments`)
					return 0, s.err
				}
				break
			}
			b0, b1 = b1, b
		}
		return xmlOther, nil
	case '[':
		for i := 0; i < 6; i++ {
			if b, ok = s.mustgetc(); !ok {
				return 0, s.err
			}
			if b != "CDATA["[i] {
				s.err = s.syntaxError("invalid <![ sequence")
				return 0, s.err
			}
		}
		s.text = s.text[:0]
		if !s.readText(&s.text, -1, true) {
			return 0, s.err
		}
		return xmlText, nil
	}
	// A directive (<!DOCTYPE …>): skipped as encoding/xml reads it, quoted
	// angle brackets not counting, comments inside it skipped.
	inquote := byte(0)
	depth := 0
	for {
		if b, ok = s.mustgetc(); !ok {
			return 0, s.err
		}
		if inquote == 0 && b == '>' && depth == 0 {
			break
		}
	handle:
		switch {
		case b == inquote:
			inquote = 0
		case inquote != 0:
		case b == '\'' || b == '"':
			inquote = b
		case b == '>':
			depth--
		case b == '<':
			for i := 0; i < 3; i++ {
				if b, ok = s.mustgetc(); !ok {
					return 0, s.err
				}
				if b != "!--"[i] {
					depth++
					goto handle
				}
			}
			var b0, b1 byte
			for {
				if b, ok = s.mustgetc(); !ok {
					return 0, s.err
				}
				if b0 == '-' && b1 == '-' && b == '>' {
					break
				}
				b0, b1 = b1, b
			}
		}
	}
	return xmlOther, nil
}

// nsname appends a name to *dst as encoding/xml reads one: an XML name with
// at most one colon, which splits it into a prefix and a local name when
// both are non-empty. space is the prefix's length (0 when none).
func (s *xmlScanner) nsname(dst *[]byte) (space int, ok bool) {
	start := len(*dst)
	if !s.readName(dst) {
		return 0, false
	}
	name := (*dst)[start:]
	colons, colon, ascii := 0, 0, true
	for i, c := range name {
		switch {
		case c == ':':
			colons++
			colon = i
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !s.checkName(name, ascii) || colons > 1 {
		return 0, false
	}
	if colons == 1 && colon > 0 && colon < len(name)-1 {
		space = colon
	}
	return space, true
}

// checkName sets the error for a name that is not an XML name: for an ASCII
// name, one that does not start with a letter, '_' or ':' (readName took only
// bytes that may follow); for any other, encoding/xml's check, by its own decoder.
func (s *xmlScanner) checkName(name []byte, ascii bool) bool {
	ok := false
	switch {
	case len(name) == 0:
	case ascii:
		ok = nameStart(name[0])
	default:
		// A processing instruction's target is checked as an element's name is, and nothing else.
		d := xml.NewDecoder(bytes.NewReader(append(append([]byte("<?"), name...), "?>"...)))
		tok, err := d.RawToken()
		pi, isPI := tok.(xml.ProcInst)
		ok = err == nil && isPI && pi.Target == string(name)
	}
	if !ok {
		s.err = s.syntaxError("invalid XML name: " + string(name))
	}
	return ok
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// readName appends a name's bytes to *dst: the name ends at any ASCII byte
// that cannot be part of one; all other bytes are taken, to be checked by
// checkName. It is false when there is no name (the error set only at the
// end of the input).
func (s *xmlScanner) readName(dst *[]byte) bool {
	start := len(*dst)
	for {
		if s.pos == s.end {
			if _, ok := s.mustgetc(); !ok {
				return false
			}
			s.ungetc()
		}
		i := s.pos
		for i < s.end && (s.buf[i] >= utf8.RuneSelf || asciiName[s.buf[i]]) {
			i++
		}
		*dst = append(*dst, s.buf[s.pos:i]...)
		s.pos = i
		if i < s.end {
			return len(*dst) > start
		}
	}
}

// textByte are the bytes that need a look in character data; the others are copied in runs.
var textByte = func() (t [256]bool) {
	for _, c := range []byte("<>&\r\n\"'") {
		t[c] = true
	}
	return t
}()

// readText appends character data to *dst, decoding references and turning
// \r\n and \r into \n, up to a '<' (which it leaves), the quote (a quoted
// attribute value) or "]]>" (cdata). At the end of the input it stops,
// leaving the error for the next token, except in a CDATA section, where
// that is an error. It is false when it stops at an error.
func (s *xmlScanner) readText(dst *[]byte, quote int, cdata bool) bool {
	start := len(*dst)
	trunc := 0
	var b0, b1 byte // the last two bytes read
	for {
		if i := s.pos; i < s.end && !textByte[s.buf[i]] {
			for i++; i < s.end && !textByte[s.buf[i]]; i++ {
			}
			*dst = append(*dst, s.buf[s.pos:i]...)
			if i-s.pos >= 2 {
				b0 = s.buf[i-2]
			} else {
				b0 = b1
			}
			b1 = s.buf[i-1]
			s.pos = i
			continue
		}
		b, ok := s.getc()
		if !ok {
			if cdata {
				if s.err == io.EOF {
					s.err = s.syntaxError("unexpected EOF in CDATA section")
				}
				return false
			}
			break
		}
		if quote < 0 && b0 == ']' && b1 == ']' && b == '>' {
			if cdata {
				trunc = 2
				break
			}
			s.err = s.syntaxError("unescaped ]]> not in CDATA section")
			return false
		}
		if b == '<' && !cdata {
			if quote >= 0 {
				s.err = s.syntaxError("unescaped < inside quoted string")
				return false
			}
			s.ungetc()
			break
		}
		if quote >= 0 && b == byte(quote) {
			break
		}
		if b == '&' && !cdata {
			if !s.entity(dst) {
				return false
			}
			b0, b1 = 0, 0
			continue
		}
		switch {
		case b == '\r':
			*dst = append(*dst, '\n')
		case b1 == '\r' && b == '\n':
		default:
			*dst = append(*dst, b)
		}
		b0, b1 = b1, b
	}
	*dst = (*dst)[:len(*dst)-trunc]
	return s.checkChars((*dst)[start:])
}

// entity decodes the reference after '&' onto *dst.
func (s *xmlScanner) entity(dst *[]byte) bool {
	before := len(*dst)
	*dst = append(*dst, '&')
	b, ok := s.mustgetc()
	if !ok {
		return false
	}
	r, have := rune(0), false
	if b == '#' {
		*dst = append(*dst, b)
		if b, ok = s.mustgetc(); !ok {
			return false
		}
		base := rune(10)
		if b == 'x' {
			base = 16
			*dst = append(*dst, b)
			if b, ok = s.mustgetc(); !ok {
				return false
			}
		}
		n, digits, big := rune(0), 0, false
		for {
			d := rune(-1)
			switch {
			case '0' <= b && b <= '9':
				d = rune(b - '0')
			case base == 16 && 'a' <= b && b <= 'f':
				d = rune(b-'a') + 10
			case base == 16 && 'A' <= b && b <= 'F':
				d = rune(b-'A') + 10
			}
			if d < 0 {
				break
			}
			if n = n*base + d; n > unicode.MaxRune {
				big, n = true, 0
			}
			digits++
			*dst = append(*dst, b)
			if b, ok = s.mustgetc(); !ok {
				return false
			}
		}
		if b != ';' {
			s.ungetc()
		} else {
			*dst = append(*dst, ';')
			r, have = n, digits > 0 && !big
		}
	} else {
		s.ungetc()
		if !s.readName(dst) && s.err != nil {
			return false
		}
		if b, ok = s.mustgetc(); !ok {
			return false
		}
		if b != ';' {
			s.ungetc()
		} else {
			switch string((*dst)[before+1:]) {
			case "lt":
				r, have = '<', true
			case "gt":
				r, have = '>', true
			case "amp":
				r, have = '&', true
			case "apos":
				r, have = '\'', true
			case "quot":
				r, have = '"', true
			}
			*dst = append(*dst, ';')
		}
	}
	if have {
		*dst = utf8.AppendRune((*dst)[:before], r)
		return true
	}
	ent := string((*dst)[before:])
	if ent[len(ent)-1] != ';' {
		ent += " (no semicolon)"
	}
	s.err = s.syntaxError("invalid character entity " + ent)
	return false
}

// checkChars sets the error when text is not UTF-8 or holds a character XML does not allow.
func (s *xmlScanner) checkChars(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				s.err = s.syntaxError(fmt.Sprintf("illegal character code %U", rune(c)))
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && size == 1 {
			s.err = s.syntaxError("invalid UTF-8")
			return false
		}
		if r == 0xFFFE || r == 0xFFFF {
			s.err = s.syntaxError(fmt.Sprintf("illegal character code %U", r))
			return false
		}
		i += size
	}
	return true
}

// The sheet's rows: <sheetData><row r="1"><c r="A1" t="s" s="3"><v>0</v></c>…</row>…</sheetData>.

// nextRow reads up to the end of the next <row>; ok is false at the end of the sheet data.
func (t *xlsxTable) nextRow() (rawRow, bool, error) {
	s := t.sc
	for {
		k, err := s.next()
		if err == io.EOF {
			t.eof = true
			return rawRow{}, false, nil
		}
		if err != nil {
			return rawRow{}, false, t.damaged(err)
		}
		switch {
		case k == xmlStart && s.is("row"):
			n := t.lastRow + 1
			if r, _ := s.attr("r"); len(r) > 0 {
				v, err := strconv.Atoi(string(r))
				if err != nil || v <= t.lastRow || v > 1<<24 {
					return rawRow{}, false, t.damaged(fmt.Errorf("row number %q", r))
				}
				n = v
			}
			t.lastRow = n
			t.inRow = true // a damaged cell is in this row, not near the next
			row, err := t.readCells(n)
			t.inRow = false
			return row, err == nil, err
		case k == xmlEnd && s.is("sheetData"):
			t.eof = true
			return rawRow{}, false, nil
		}
	}
}

// readCells reads the cells of row n, up to </row>.
func (t *xlsxTable) readCells(n int) (rawRow, error) {
	s := t.sc
	row := rawRow{n: n}
	col := -1
	for {
		k, err := s.next()
		if err != nil {
			return row, t.damaged(err)
		}
		if k == xmlEnd && s.is("row") {
			t.width = len(row.cells)
			return row, nil
		}
		if k != xmlStart || !s.is("c") {
			continue
		}
		col++
		if r, _ := s.attr("r"); len(r) > 0 {
			c, _, ok := parseCellRef(r)
			if !ok || c < col {
				return row, t.damaged(fmt.Errorf("cell reference %q", r))
			}
			col = c
		}
		if col >= maxColumns {
			return row, t.damaged(fmt.Errorf("column beyond XFD"))
		}
		typ := ""
		if v, _ := s.attr("t"); len(v) > 0 {
			switch string(v) {
			case "s":
				typ = "s"
			case "inlineStr":
				typ = "inlineStr"
			case "str":
				typ = "str"
			case "b":
				typ = "b"
			case "e":
				typ = "e"
			case "d":
				typ = "d"
			default:
				typ = "n" // a number, as every other type is read
			}
		}
		style := 0
		if v, _ := s.attr("s"); len(v) > 0 {
			style, _ = strconv.Atoi(string(v))
		}
		value, issue, err := t.readCell(typ, style)
		if err != nil {
			return row, err
		}
		if value == "" && issue == nil {
			continue
		}
		if row.cells == nil {
			// Rows are most often as wide as the one before.
			row.cells = make([]string, 0, max(t.width, col+1))
		}
		for len(row.cells) <= col {
			row.cells = append(row.cells, "")
		}
		row.cells[col] = value
		if issue != nil {
			row.issues = append(row.issues, cellIssue{col: col, msg: *issue})
		}
	}
}

// readCell reads one <c> up to its end and returns its value as text: the
// text of its <v>, of the <t> of an inline string (the runs of rich text
// one after the other, phonetic runs left out) and of its formula.
func (t *xlsxTable) readCell(typ string, style int) (string, *i18n.Text, error) {
	const (
		none = iota
		inV
		inT
		inF
	)
	s := t.sc
	t.cellV = t.cellV[:0]
	t.cellT = t.cellT[:0]
	t.cellF = t.cellF[:0]
	hasFormula := false
	in, skip := none, 0
	for {
		k, err := s.next()
		if err != nil {
			return "", nil, t.damaged(err)
		}
		switch k {
		case xmlStart:
			switch string(s.local()) {
			case "v":
				in = inV
			case "f":
				hasFormula, in = true, inF
			case "t":
				if skip == 0 {
					in = inT
				}
			case "rPh", "phoneticPr":
				skip++
			}
		case xmlEnd:
			switch string(s.local()) {
			case "c":
				v, inline, formula := t.cellV, t.cellT, t.cellF
				if typ == "s" && !hasFormula {
					if i, ok := sharedIndex(v); ok {
						if str, ok := t.strings.get(i); ok {
							return str, nil, nil
						}
					}
				}
				return t.cellValue(typ, style, string(v), string(inline), hasFormula, string(formula))
			case "rPh", "phoneticPr":
				skip--
			}
			in = none
		case xmlText:
			switch in {
			case inV:
				t.cellV = append(t.cellV, s.text...)
			case inT:
				t.cellT = append(t.cellT, s.text...)
			case inF:
				t.cellF = append(t.cellF, s.text...)
			}
		}
	}
}

// sharedIndex reads a shared-string index of plain digits (what every
// writer writes); anything else is left to cellValue.
func sharedIndex(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
