package pii

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Column is a database column that holds values written by Encrypt. The
// package that owns the column registers it (RegisterColumn, from an init
// function) so that `edubureau keys rotate` re-encrypts it after a key change.
type Column struct {
	Table     string // e.g. "student"
	KeyColumn string // the table's primary key (one column, BIGINT or TEXT): rotation walks the table in its order
	Column    string // e.g. "id_number"
	AAD       string // the aad the owner passes to Encrypt and Decrypt, e.g. "student.id_number"
}

// Name is "table.column".
func (c Column) Name() string { return c.Table + "." + c.Column }

var (
	columnsMu sync.Mutex
	columns   []Column
	sqlName   = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// RegisterColumn adds an encrypted column to the registry. Names must be
// plain lower-case SQL identifiers (they are written into SQL); registering
// the same table.column twice is a programming error and panics.
func RegisterColumn(c Column) {
	for _, n := range []string{c.Table, c.KeyColumn, c.Column} {
		if !sqlName.MatchString(n) {
			panic(fmt.Sprintf("pii: RegisterColumn: %q is not a plain SQL name", n))
		}
	}
	if c.AAD == "" {
		panic("pii: RegisterColumn: " + c.Name() + " has no AAD")
	}
	columnsMu.Lock()
	defer columnsMu.Unlock()
	for _, x := range columns {
		if x.Table == c.Table && x.Column == c.Column {
			panic("pii: column registered twice: " + c.Name())
		}
	}
	columns = append(columns, c)
}

// Columns lists the registered encrypted columns, sorted by table and column.
func Columns() []Column {
	columnsMu.Lock()
	out := slices.Clone(columns)
	columnsMu.Unlock()
	slices.SortFunc(out, func(a, b Column) int {
		return cmp.Or(strings.Compare(a.Table, b.Table), strings.Compare(a.Column, b.Column))
	})
	return out
}
