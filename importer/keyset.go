package importer

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"io"
	"os"
	"slices"
)

// keySet remembers the 64-bit hash of every natural key seen in a file with
// the row it was first seen on: 12 bytes a slot, open addressing at a load
// of at most 3/4, in 64 shards that grow one at a time (so the set never
// needs twice its size while growing). Three million keys take about 50 MB.
//
// Two different keys may share a hash: the engine re-checks every hit
// exactly (it reads those rows again) before calling a row a duplicate.
//
// The set keeps memory constant whatever the file's size: once it holds
// limit bytes, further keys are still looked up in it but are kept in a
// temporary file instead, sorted at the end of the file (in runs, merged) to
// find the hashes that repeat among them.
type keySet struct {
	shards [64]keyShard
	n      int
	limit  int // bytes the shards may hold; 0 for no limit
	spill  *spillFile
}

type keyShard struct {
	hashes []uint64 // 0 marks an empty slot
	rows   []uint32
	n      int
}

// keySetLimit is the memory the in-file duplicate check may hold: about 5
// million keys before the temporary file takes the rest.
var keySetLimit = 96 << 20

func newKeySet() *keySet {
	s := &keySet{limit: keySetLimit}
	for i := range s.shards {
		s.shards[i] = keyShard{hashes: make([]uint64, 256), rows: make([]uint32, 256)}
	}
	return s
}

// add records h first seen on row; when h was seen before it returns that
// row and true, leaving the set as it was. A key that no longer fits in
// memory goes to the temporary file (an error is the file's).
func (s *keySet) add(h uint64, row int) (int, bool, error) {
	if h == 0 {
		h = 1
	}
	m := mix(h)
	sh := &s.shards[m>>58]
	mask := uint64(len(sh.hashes) - 1)
	i := m & mask
	for ; sh.hashes[i] != 0; i = (i + 1) & mask {
		if sh.hashes[i] == h {
			return int(sh.rows[i]), true, nil
		}
	}
	if (sh.n+1)*4 > len(sh.hashes)*3 {
		if s.spill != nil || s.limit > 0 && s.bytes()+12*len(sh.hashes) > s.limit {
			return 0, false, s.toFile(h, row)
		}
		sh.grow()
		mask = uint64(len(sh.hashes) - 1)
		for i = m & mask; sh.hashes[i] != 0; i = (i + 1) & mask {
		}
	}
	sh.hashes[i], sh.rows[i] = h, uint32(row)
	sh.n++
	s.n++
	return 0, false, nil
}

// bytes is the memory the shards hold.
func (s *keySet) bytes() int {
	n := 0
	for i := range s.shards {
		n += 12 * len(s.shards[i].hashes)
	}
	return n
}

func (sh *keyShard) grow() {
	old, oldRows := sh.hashes, sh.rows
	sh.hashes, sh.rows = make([]uint64, 2*len(old)), make([]uint32, 2*len(old))
	mask := uint64(len(sh.hashes) - 1)
	for j, h := range old {
		if h == 0 {
			continue
		}
		i := mix(h) & mask
		for sh.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		sh.hashes[i], sh.rows[i] = h, oldRows[j]
	}
}

// mix spreads the bits of h: the shard is taken from the high bits, the slot from the low.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// spillFile holds (hash, row) records of the keys that did not fit in memory.
type spillFile struct {
	f *os.File
	w *bufio.Writer
	n int
}

const spillRecord = 12

func (s *keySet) toFile(h uint64, row int) error {
	if s.spill == nil {
		f, err := os.CreateTemp("", "edubureau-keys-*")
		if err != nil {
			return err
		}
		s.spill = &spillFile{f: f, w: bufio.NewWriterSize(f, 1<<16)}
	}
	var b [spillRecord]byte
	binary.LittleEndian.PutUint64(b[:8], h)
	binary.LittleEndian.PutUint32(b[8:], uint32(row))
	s.spill.n++
	_, err := s.spill.w.Write(b[:])
	return err
}

// close removes the temporary file.
func (s *keySet) close() {
	if s.spill != nil {
		s.spill.f.Close()
		os.Remove(s.spill.f.Name())
		s.spill = nil
	}
}

type keyRec struct {
	h   uint64
	row uint32
}

// spillRun is how many records are sorted in memory at once (24 MB).
var spillRun = 2 << 20

// repeats calls fn for every hash that occurs more than once among the keys
// in the temporary file, with its rows in file order. The file is sorted in
// runs, written back, and the runs merged.
func (s *keySet) repeats(fn func(h uint64, rows []int) error) error {
	sp := s.spill
	if sp == nil {
		return nil
	}
	if err := sp.w.Flush(); err != nil {
		return err
	}
	// Sort runs in place in the file.
	buf := make([]keyRec, 0, min(spillRun, sp.n))
	raw := make([]byte, spillRecord*cap(buf))
	var runs []int64 // start offsets; each run but the last holds spillRun records
	for at := 0; at < sp.n; at += cap(buf) {
		k := min(cap(buf), sp.n-at)
		off := int64(at) * spillRecord
		b := raw[:k*spillRecord]
		if _, err := sp.f.ReadAt(b, off); err != nil {
			return err
		}
		buf = buf[:k]
		for i := range buf {
			buf[i] = keyRec{binary.LittleEndian.Uint64(b[i*spillRecord:]), binary.LittleEndian.Uint32(b[i*spillRecord+8:])}
		}
		slices.SortFunc(buf, func(a, b keyRec) int {
			if a.h != b.h {
				if a.h < b.h {
					return -1
				}
				return 1
			}
			return int(a.row) - int(b.row)
		})
		for i, r := range buf {
			binary.LittleEndian.PutUint64(b[i*spillRecord:], r.h)
			binary.LittleEndian.PutUint32(b[i*spillRecord+8:], r.row)
		}
		if _, err := sp.f.WriteAt(b, off); err != nil {
			return err
		}
		runs = append(runs, off)
	}
	buf, raw = nil, nil
	// Merge the runs.
	h := &runHeap{}
	for i, off := range runs {
		end := int64(sp.n) * spillRecord
		if i+1 < len(runs) {
			end = runs[i+1]
		}
		c := &runCursor{r: bufio.NewReaderSize(io.NewSectionReader(sp.f, off, end-off), 1<<15)}
		if c.next() {
			heap.Push(h, c)
		}
	}
	var cur uint64
	var rows []int
	flush := func() error {
		if len(rows) > 1 {
			slices.Sort(rows)
			return fn(cur, rows)
		}
		return nil
	}
	for h.Len() > 0 {
		c := (*h)[0]
		if len(rows) == 0 || c.rec.h != cur {
			if err := flush(); err != nil {
				return err
			}
			cur, rows = c.rec.h, rows[:0]
		}
		rows = append(rows, int(c.rec.row))
		if c.next() {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return flush()
}

type runCursor struct {
	r   *bufio.Reader
	rec keyRec
}

func (c *runCursor) next() bool {
	var b [spillRecord]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil {
		return false
	}
	c.rec = keyRec{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint32(b[8:])}
	return true
}

type runHeap []*runCursor

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	return h[i].rec.h < h[j].rec.h || h[i].rec.h == h[j].rec.h && h[i].rec.row < h[j].rec.row
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runCursor)) }
func (h *runHeap) Pop() any     { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }
