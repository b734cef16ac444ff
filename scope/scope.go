// Package scope says which part of the jurisdiction a user may reach. Every
// query over schools (and later students, teachers, cases…) takes a Scope and
// turns it into a WHERE clause, so rows outside it are never fetched: a record
// outside the user's scope is simply not found.
package scope

import (
	"fmt"
	"strings"

	"edubureau/area"
)

// Scope is a set of areas (by code prefix) and schools (by identifier).
// The zero Scope reaches nothing.
type Scope struct {
	All     bool     // the whole jurisdiction
	Areas   []string // area codes: a county 430421 reaches every school in it
	Schools []string // school identifiers
}

// Everything reaches the whole jurisdiction.
var Everything = Scope{All: true}

// Area reaches one area and all under it.
func Area(code string) Scope { return Scope{Areas: []string{code}} }

// School reaches one school.
func School(code string) Scope { return Scope{Schools: []string{code}} }

// SQL returns a condition restricting areaCol/schoolCol to the scope, using
// placeholders from $next on, and the arguments to bind. A scope that reaches
// nothing yields "1=0".
func (s Scope) SQL(areaCol, schoolCol string, next int) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	var parts []string
	var args []any
	for _, a := range s.Areas {
		lo, hi := area.Range(a)
		parts = append(parts, fmt.Sprintf("(%s >= $%d AND %s < $%d)", areaCol, next, areaCol, next+1))
		args = append(args, lo, hi)
		next += 2
	}
	if len(s.Schools) > 0 && schoolCol != "" {
		ph := make([]string, len(s.Schools))
		for i, c := range s.Schools {
			ph[i] = fmt.Sprintf("$%d", next)
			args = append(args, c)
			next++
		}
		parts = append(parts, fmt.Sprintf("%s IN (%s)", schoolCol, strings.Join(ph, ", ")))
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Reaches reports whether a record in county/township areaCode of school schoolCode is in scope.
func (s Scope) Reaches(areaCode, schoolCode string) bool {
	if s.All {
		return true
	}
	for _, a := range s.Areas {
		if strings.HasPrefix(areaCode, a) {
			return true
		}
	}
	for _, c := range s.Schools {
		if c == schoolCode {
			return true
		}
	}
	return false
}
