package admission

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"edubureau/i18n"
)

// The computer lottery (电脑随机录取) is published so that anyone can recompute
// it (docs/lottery.md): each application's key is SHA-256 of the seed's UTF-8
// bytes, one zero byte, and the application id's UTF-8 bytes; applications are
// ranked by key ascending, bytewise; the first N are admitted and the rest
// form the waiting list in that order. The seed is announced and the applicant
// list frozen before the draw, so nobody can steer it.

// LotteryKey is SHA-256(seed ‖ 0x00 ‖ id).
func LotteryKey(seed, id string) [32]byte {
	buf := make([]byte, 0, len(seed)+1+len(id))
	buf = append(buf, seed...)
	buf = append(buf, 0)
	buf = append(buf, id...)
	return sha256.Sum256(buf)
}

// Ticket is one application's line in a draw.
type Ticket struct {
	ID       string
	Key      [32]byte // zero in a ticket read back from a results file
	Rank     int      // 1 = drawn first
	Admitted bool
}

// KeyHex is the key in lowercase hexadecimal, as sha256sum prints it.
func (t Ticket) KeyHex() string { return hex.EncodeToString(t.Key[:]) }

// LotteryError is a problem with a draw's inputs. Index is the position of the
// offending id in the list given, or -1 for the seed or the places.
type LotteryError struct {
	Index int
	Field string // "seed", "places", "id", "prefs", "school"
	Msg   i18n.Text
}

func (e *LotteryError) Error() string { return e.Msg.String() }

func lotErr(index int, field, zh, en string, args ...any) *LotteryError {
	return &LotteryError{Index: index, Field: field, Msg: i18n.T(zh, en, args...)}
}

// CheckSeed says whether seed can be used: not empty, valid UTF-8, and free of
// control characters (which a shell or a web page could not show faithfully).
func CheckSeed(seed string) error {
	switch {
	case seed == "":
		return lotErr(-1, "seed", "随机种子为空", "the seed is empty")
	case !utf8.ValidString(seed):
		return lotErr(-1, "seed", "随机种子不是有效的 UTF-8 文本", "the seed is not valid UTF-8")
	case strings.IndexFunc(seed, unicode.IsControl) >= 0:
		return lotErr(-1, "seed", "随机种子含有控制字符", "the seed contains a control character")
	}
	return nil
}

// CheckID says whether an application id can take part in a draw: not empty,
// valid UTF-8, no control characters. The error is a *LotteryError.
func CheckID(id string) error {
	switch {
	case id == "":
		return lotErr(-1, "id", "编号为空", "the id is empty")
	case !utf8.ValidString(id):
		return lotErr(-1, "id", "编号 %q 不是有效的 UTF-8 文本", "the id %q is not valid UTF-8", id)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return lotErr(-1, "id", "编号 %q 含有控制字符", "the id %q contains a control character", id)
	}
	return nil
}

func checkIDs(ids []string) error {
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if err := CheckID(id); err != nil {
			e := err.(*LotteryError)
			e.Index = i
			return e
		}
		if first, dup := seen[id]; dup {
			return lotErr(i, "id", "编号 %s 重复（与第 %d 个相同）", "id %s is repeated (same as number %d)", id, first+1)
		}
		seen[id] = i
	}
	return nil
}

// rankTickets computes the keys and sorts by key ascending. Equal keys would
// need a SHA-256 collision; ids ascending settles them anyway.
func rankTickets(seed string, ids []string) []Ticket {
	ts := make([]Ticket, len(ids))
	for i, id := range ids {
		ts[i] = Ticket{ID: id, Key: LotteryKey(seed, id)}
	}
	slices.SortFunc(ts, func(a, b Ticket) int {
		if c := bytes.Compare(a.Key[:], b.Key[:]); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for i := range ts {
		ts[i].Rank = i + 1
	}
	return ts
}

// Draw runs the lottery for places seats among the applications ids. The
// result is in rank order: the first places tickets are admitted, the rest
// are the waiting list in order. The order of ids does not matter.
func Draw(seed string, ids []string, places int) ([]Ticket, error) {
	if err := CheckSeed(seed); err != nil {
		return nil, err
	}
	if places < 0 {
		return nil, lotErr(-1, "places", "名额数不能为负数（%d）", "places cannot be negative (%d)", places)
	}
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	ts := rankTickets(seed, ids)
	for i := range ts {
		ts[i].Admitted = i < places
	}
	return ts, nil
}

// Mismatch is the first row where a published draw differs from the recomputed one.
type Mismatch struct {
	Index      int     // 0-based row of the results, in published order
	Published  *Ticket // nil when the published list is too short
	Recomputed *Ticket // nil when the published list is too long
	Msg        i18n.Text
}

// VerifyDraw recomputes the draw and compares it with the published rows (ID,
// Rank and Admitted, row by row in published order). It returns nil when they
// match; an error when the inputs themselves are invalid.
func VerifyDraw(seed string, ids []string, places int, published []Ticket) (*Mismatch, error) {
	want, err := Draw(seed, ids, places)
	if err != nil {
		return nil, err
	}
	for i := 0; i < max(len(want), len(published)); i++ {
		switch {
		case i >= len(published):
			w := want[i]
			return &Mismatch{Index: i, Recomputed: &w, Msg: i18n.T(
				"公布的结果只有 %d 行，重新计算应有 %d 行；缺少 %s",
				"the published results have %d rows where the recomputed draw has %d; %s is missing",
				len(published), len(want), describeTicket(w))}, nil
		case i >= len(want):
			p := published[i]
			return &Mismatch{Index: i, Published: &p, Msg: i18n.T(
				"公布的结果有 %d 行，重新计算只有 %d 行；多出 %s",
				"the published results have %d rows where the recomputed draw has %d; %s is extra",
				len(published), len(want), describeTicket(p))}, nil
		}
		p, w := published[i], want[i]
		if p.ID != w.ID || p.Rank != w.Rank || p.Admitted != w.Admitted {
			return &Mismatch{Index: i, Published: &p, Recomputed: &w, Msg: i18n.T(
				"公布为 %s，重新计算为 %s", "published %s, recomputed %s", describeTicket(p), describeTicket(w))}, nil
		}
	}
	return nil, nil
}

func describeTicket(t Ticket) string {
	adm := "false"
	if t.Admitted {
		adm = "true"
	}
	return "id=" + t.ID + " rank=" + strconv.Itoa(t.Rank) + " admitted=" + adm
}

// ApplicantListDigest fingerprints the frozen applicant list, to be published
// with the seed before the draw: SHA-256 of the ids sorted bytewise, each
// followed by a newline (what `LC_ALL=C sort | sha256sum` computes).
func ApplicantListDigest(ids []string) [32]byte {
	s := slices.Clone(ids)
	slices.Sort(s)
	h := sha256.New()
	for _, id := range s {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// ZoneSchool is one school of a multi-school zone (多校划片) and its places.
type ZoneSchool struct {
	School string
	Places int
}

// ZoneChild is one child of the zone with the schools of the zone they
// prefer, best first.
type ZoneChild struct {
	ID    string
	Prefs []string
}

// ZoneSeat is a child's draw in a zone: School is "" for a child on the waiting list.
type ZoneSeat struct {
	ID     string
	Key    [32]byte
	Rank   int
	School string
}

// AssignZone draws the zone's lottery: children are ranked by LotteryKey as
// in Draw, then in rank order each takes their highest-preference school of
// the zone that still has places. Children left without a school form the
// waiting list in rank order. The result is in rank order.
func AssignZone(seed string, schools []ZoneSchool, children []ZoneChild) ([]ZoneSeat, error) {
	if err := CheckSeed(seed); err != nil {
		return nil, err
	}
	left := make(map[string]int, len(schools))
	for i, s := range schools {
		switch _, dup := left[s.School]; {
		case s.School == "":
			return nil, lotErr(i, "school", "学校代码为空", "the school code is empty")
		case dup:
			return nil, lotErr(i, "school", "学校 %s 出现了两次", "school %s appears twice", s.School)
		case s.Places < 0:
			return nil, lotErr(i, "places", "学校 %s 的名额数不能为负数（%d）", "places of school %s cannot be negative (%d)", s.School, s.Places)
		}
		left[s.School] = s.Places
	}
	ids := make([]string, len(children))
	byID := make(map[string]int, len(children))
	for i, ch := range children {
		ids[i] = ch.ID
		byID[ch.ID] = i
		for x, p := range ch.Prefs {
			if _, ok := left[p]; !ok {
				return nil, lotErr(i, "prefs", "%s 的志愿学校 %s 不在本片区", "%s prefers school %s, which is not in the zone", ch.ID, p)
			}
			if slices.Contains(ch.Prefs[:x], p) {
				return nil, lotErr(i, "prefs", "%s 的志愿学校 %s 填报了两次", "%s lists school %s twice", ch.ID, p)
			}
		}
	}
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	ts := rankTickets(seed, ids)
	out := make([]ZoneSeat, len(ts))
	for i, t := range ts {
		out[i] = ZoneSeat{ID: t.ID, Key: t.Key, Rank: t.Rank}
		for _, p := range children[byID[t.ID]].Prefs {
			if left[p] > 0 {
				left[p]--
				out[i].School = p
				break
			}
		}
	}
	return out, nil
}
