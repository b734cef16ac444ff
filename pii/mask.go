package pii

import (
	"strings"
)

// Masking for display. Each function keeps the conventional characters of a
// value of normal length and replaces every other character by one '*', so
// the length shows: an 18-character ID keeps its first 6 and last 4
// (110105********002X), an 11-digit phone its first 3 and last 4
// (138****5678), a name its first character and, from 3 characters on, its
// last (张*, 张*三, 欧**明). Those conventions reveal more than half of the
// value; shorter-than-normal values (a truncated number, a short passport
// number) never reveal more than half of their characters, and a single
// character is masked entirely. All counts are in runes, so Chinese text is
// never cut inside a character. Surrounding white space is dropped.

// MaskID masks an identity document number.
func MaskID(s string) string { return mask(s, 6, 4, 18) }

// MaskPhone masks a phone number.
func MaskPhone(s string) string { return mask(s, 3, 4, 11) }

// MaskName masks a person's name.
func MaskName(s string) string { return mask(s, 1, 1, 3) }

// mask keeps front and back runes when s has at least normal runes;
// otherwise it keeps at most half, split between the ends (the end getting
// the smaller share).
func mask(s string, front, back, normal int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	n := len(r)
	if n == 0 {
		return ""
	}
	if n < normal {
		keep := n / 2
		if front+back > keep {
			back = min(back, keep/2)
			front = min(front, keep-back)
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range r {
		if i < front || i >= n-back {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}
