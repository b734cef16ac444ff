// Package area is the jurisdiction as a tree of GB/T 2260 divisions:
// province (2 digits) → city (4) → county (6) → township (9).
//
// The national catalogue (2023 edition, transcribed from the public division
// lists into data/) is embedded and read once into memory, so that any code in
// the country can be checked — a child's household registration (户籍) may be
// anywhere. The database holds only the bureau's own subtree and its
// ancestors, which is what schools and students reference.
//
// Codes are hierarchical prefixes, so "everything under this area" is a range
// on the code column (Range), which both databases answer from an index.
package area

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Level is the depth of a division.
type Level int

const (
	Province Level = 1
	City     Level = 2
	County   Level = 3
	Township Level = 4
)

// Area is one division.
type Area struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent,omitempty"`
}

var (
	//go:embed data/provinces.csv
	provincesCSV []byte
	//go:embed data/cities.csv
	citiesCSV []byte
	//go:embed data/areas.csv
	countiesCSV []byte
	//go:embed data/streets.csv
	townshipsCSV []byte
)

type catalogue struct {
	byCode   map[string]Area
	children map[string][]string
}

var national = sync.OnceValue(func() *catalogue {
	c := &catalogue{byCode: make(map[string]Area, 45000), children: make(map[string][]string, 4000)}
	load := func(data []byte, level Level, parentCol int) {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		if _, err := r.Read(); err != nil { // header
			panic("area: embedded data: " + err.Error())
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				panic("area: embedded data: " + err.Error())
			}
			a := Area{Code: rec[0], Name: rec[1], Level: level}
			if parentCol >= 0 {
				a.Parent = rec[parentCol]
			}
			c.byCode[a.Code] = a
			if a.Parent != "" {
				c.children[a.Parent] = append(c.children[a.Parent], a.Code)
			}
		}
	}
	load(provincesCSV, Province, -1)
	load(citiesCSV, City, 2)
	load(countiesCSV, County, 2)
	load(townshipsCSV, Township, 2)
	for _, kids := range c.children {
		sort.Strings(kids)
	}
	return c
})

// Lookup finds a division of the national catalogue by its code (2, 4, 6 or 9
// digits; a 6-digit code ending in 00 or 0000 names the city or province).
func Lookup(code string) (Area, bool) {
	n, ok := Normalize(code)
	if !ok {
		return Area{}, false
	}
	a, ok := national().byCode[n]
	return a, ok
}

// Normalize turns the 6-digit forms of province and city codes (430000,
// 430400) into their short forms (43, 4304); county and township codes are
// returned as they are. ok is false when the code is not 2, 4, 6 or 9 digits.
func Normalize(code string) (string, bool) {
	code = strings.TrimSpace(code)
	for _, r := range code {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	switch len(code) {
	case 2, 4, 9:
		return code, true
	case 6:
		switch {
		case strings.HasSuffix(code, "0000"):
			return code[:2], true
		case strings.HasSuffix(code, "00"):
			return code[:4], true
		}
		return code, true
	case 12: // the statistical 12-digit form: keep the township part
		if strings.HasSuffix(code, "000") {
			return Normalize(code[:9])
		}
	}
	return "", false
}

// SixDigit returns the GB/T 2260 six-digit form of a province, city or county code.
func SixDigit(code string) string {
	switch len(code) {
	case 2:
		return code + "0000"
	case 4:
		return code + "00"
	}
	return code
}

// Children lists the divisions directly under code in the national catalogue.
func Children(code string) []Area {
	c := national()
	var out []Area
	for _, k := range c.children[code] {
		out = append(out, c.byCode[k])
	}
	return out
}

// Subtree returns code and every division under it, parents before children.
func Subtree(code string) []Area {
	a, ok := Lookup(code)
	if !ok {
		return nil
	}
	out := []Area{a}
	for i := 0; i < len(out); i++ {
		out = append(out, Children(out[i].Code)...)
	}
	return out
}

// Ancestors returns the divisions above code, the province first.
func Ancestors(code string) []Area {
	a, ok := Lookup(code)
	if !ok {
		return nil
	}
	var out []Area
	for a.Parent != "" {
		p, ok := national().byCode[a.Parent]
		if !ok {
			break
		}
		out = append([]Area{p}, out...)
		a = p
	}
	return out
}

// Contains reports whether child lies under (or is) parent.
func Contains(parent, child string) bool {
	return strings.HasPrefix(child, parent)
}

// Range returns the half-open interval [lo, hi) of codes under prefix, for
// index-friendly queries: col >= lo AND col < hi.
func Range(prefix string) (lo, hi string) {
	if prefix == "" {
		return "", "\xff"
	}
	b := []byte(prefix)
	b[len(b)-1]++
	return prefix, string(b)
}

// CountyKind tells a county-level division's kind from its code (DOMAIN §2):
// 01–20 districts, 21–70 counties, 71–80 development zones, 81–99 county-level cities.
func CountyKind(code string) string {
	if len(code) != 6 {
		return ""
	}
	n := int(code[4]-'0')*10 + int(code[5]-'0')
	switch {
	case n >= 1 && n <= 20:
		return "district"
	case n >= 21 && n <= 70:
		return "county"
	case n >= 71 && n <= 80:
		return "zone"
	case n >= 81:
		return "city"
	}
	return ""
}

// TownshipKind tells a township's kind from its 9-digit code:
// 000–099 subdistrict (街道), 100–199 town (镇), 200–299 township (乡), other: special areas.
func TownshipKind(code string) string {
	if len(code) != 9 {
		return ""
	}
	switch code[6] {
	case '0':
		return "subdistrict"
	case '1':
		return "town"
	case '2':
		return "township"
	}
	return "other"
}

// Jurisdiction checks a bureau's jurisdiction code: a city (430400 or 4304) or
// a county-level division (310105). It returns the normalised code.
func Jurisdiction(code string) (Area, error) {
	a, ok := Lookup(code)
	if !ok {
		return Area{}, fmt.Errorf("jurisdiction %q is not a GB/T 2260 division code", code)
	}
	if a.Level != City && a.Level != County {
		return Area{}, fmt.Errorf("jurisdiction %s (%s) must be a city or a county-level division", code, a.Name)
	}
	return a, nil
}
