package importer

// keySet remembers the 64-bit hash of every natural key seen in a file with
// the row it was first seen on: 12 bytes a key (open addressing, load ≤ 3/4),
// so 3 million keys take under 64 MB. Two different keys may share a hash;
// the engine re-checks every hit exactly (it reads those rows again) before
// calling a row a duplicate.
type keySet struct {
	hashes []uint64 // 0 marks an empty slot
	rows   []uint32
	n      int
}

func newKeySet() *keySet {
	const initial = 1 << 12
	return &keySet{hashes: make([]uint64, initial), rows: make([]uint32, initial)}
}

// add records h first seen on row; when h was seen before it returns that
// row and true, leaving the set as it was.
func (s *keySet) add(h uint64, row int) (int, bool) {
	if h == 0 {
		h = 1
	}
	if (s.n+1)*4 > len(s.hashes)*3 {
		s.grow()
	}
	mask := uint64(len(s.hashes) - 1)
	for i := mix(h) & mask; ; i = (i + 1) & mask {
		switch s.hashes[i] {
		case 0:
			s.hashes[i], s.rows[i] = h, uint32(row)
			s.n++
			return 0, false
		case h:
			return int(s.rows[i]), true
		}
	}
}

func (s *keySet) grow() {
	old, oldRows := s.hashes, s.rows
	s.hashes, s.rows = make([]uint64, 2*len(old)), make([]uint32, 2*len(old))
	mask := uint64(len(s.hashes) - 1)
	for j, h := range old {
		if h == 0 {
			continue
		}
		i := mix(h) & mask
		for s.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		s.hashes[i], s.rows[i] = h, oldRows[j]
	}
}

// mix spreads the bits of h (the slot is taken from the low bits).
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
