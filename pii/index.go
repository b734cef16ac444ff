package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"

	"edubureau/idno"
)

// Kinds of value with their own blind-index normalisation. Other kinds are
// allowed; their values are only trimmed.
const (
	IndexIDNumber = "id_number" // any identity document number: trimmed, half-width, upper case
	IndexPhone    = "phone"     // digits only, without +86 / 0086
	IndexName     = "name"      // trimmed, inner white space removed ("张 三" = "张三")
)

// Normalize puts value in the canonical form its kind is indexed under.
func Normalize(kind, value string) string {
	switch kind {
	case IndexIDNumber:
		return idno.Normalize(value)
	case IndexPhone:
		return normalPhone(value)
	case IndexName:
		return strings.Join(strings.Fields(idno.Normalize(value)), "")
	}
	return strings.TrimSpace(value)
}

// normalPhone keeps the digits of a phone number, dropping the country code
// 86 when written +86 or 0086, or when 86 precedes an 11-digit mobile number.
func normalPhone(s string) string {
	s = idno.Normalize(s) // full-width digits and ＋ to ASCII
	switch {
	case strings.HasPrefix(s, "+86"):
		s = s[3:]
	case strings.HasPrefix(s, "0086"):
		s = s[4:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	d := b.String()
	if len(d) == 13 && strings.HasPrefix(d, "861") {
		d = d[2:]
	}
	return d
}

// Index is the blind index of value: 64 hex digits of
// HMAC-SHA256(index key, kind | 0x00 | Normalize(kind, value)), to store in a
// column that equality lookups use. An empty normalised value gives "".
// The index key does not change when the encryption key is rotated.
func (k *Keyring) Index(kind, value string) string {
	v := Normalize(kind, value)
	if v == "" {
		return ""
	}
	// A bulk import takes ten of these per student: a pooled HMAC, reset
	// to its keyed state, saves hmac.New's key schedule and allocations,
	// and its scratch space saves the message's and the sum's (the hash's
	// methods would move them to the heap).
	m := k.macs.Get().(*indexMAC)
	m.in = append(append(append(m.in[:0], kind...), 0), v...)
	m.mac.Reset()
	m.mac.Write(m.in)
	out := string(hex.AppendEncode(m.hex[:0], m.mac.Sum(m.sum[:0])))
	k.macs.Put(m)
	return out
}

// indexMAC is an HMAC-SHA256 under the index key with room to work in.
type indexMAC struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}

// macPool hands out HMAC-SHA256 hashes keyed with key.
func macPool(key []byte) *sync.Pool {
	key = slices.Clone(key)
	return &sync.Pool{New: func() any { return &indexMAC{mac: hmac.New(sha256.New, key), in: make([]byte, 0, 128)} }}
}
