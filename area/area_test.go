package area_test

import (
	"context"
	"testing"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

func TestNormalizeAndLookup(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		level    area.Level
		name     string
		ok       bool
	}{
		{"430000", "43", area.Province, "湖南省", true},
		{"430400", "4304", area.City, "衡阳市", true},
		{"4304", "4304", area.City, "衡阳市", true},
		{"430421", "430421", area.County, "衡阳县", true},
		{"310105", "310105", area.County, "长宁区", true},
		{"310105102", "310105102", area.Township, "新泾镇", true},
		{"999999", "", 0, "", false},
		{"43a400", "", 0, "", false},
		{"4304211", "", 0, "", false},
		{"", "", 0, "", false},
	} {
		a, ok := area.Lookup(tc.in)
		if ok != tc.ok {
			t.Errorf("Lookup(%q) ok=%v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok && (a.Code != tc.want || a.Level != tc.level || a.Name != tc.name) {
			t.Errorf("Lookup(%q) = %+v", tc.in, a)
		}
	}
}

func TestTree(t *testing.T) {
	kids := area.Children("4304")
	if len(kids) != 14 || kids[0].Code != "430405" || kids[0].Name != "珠晖区" {
		t.Fatalf("Hengyang has %d counties: %v", len(kids), kids)
	}
	sub := area.Subtree("310105")
	if len(sub) != 11 { // the district, 9 subdistricts and 新泾镇
		t.Fatalf("Changning subtree has %d entries", len(sub))
	}
	anc := area.Ancestors("310105102")
	if len(anc) != 3 || anc[0].Code != "31" || anc[2].Code != "310105" {
		t.Fatalf("ancestors: %v", anc)
	}
	if !area.Contains("4304", "430421105") || area.Contains("4304", "430521") {
		t.Fatal("Contains")
	}
	lo, hi := area.Range("4304")
	if lo != "4304" || hi != "4305" {
		t.Fatalf("range %s %s", lo, hi)
	}
}

func TestKinds(t *testing.T) {
	for code, want := range map[string]string{"430405": "district", "430421": "county", "430473": "zone", "430481": "city"} {
		if got := area.CountyKind(code); got != want {
			t.Errorf("CountyKind(%s)=%s want %s", code, got, want)
		}
	}
	for code, want := range map[string]string{"310105001": "subdistrict", "310105102": "town", "430421201": "township"} {
		if got := area.TownshipKind(code); got != want {
			t.Errorf("TownshipKind(%s)=%s want %s", code, got, want)
		}
	}
}

func TestJurisdiction(t *testing.T) {
	if _, err := area.Jurisdiction("430000"); err == nil {
		t.Fatal("a province is not a bureau's jurisdiction here")
	}
	if _, err := area.Jurisdiction("123456"); err == nil {
		t.Fatal("unknown code accepted")
	}
	if a, err := area.Jurisdiction("430400"); err != nil || a.Code != "4304" {
		t.Fatal(a, err)
	}
}

func TestSyncAndQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := area.Sync(ctx, d, "430400"); err != nil {
			t.Fatal(err)
		}
		if err := area.Sync(ctx, d, "430400"); err != nil { // idempotent
			t.Fatal(err)
		}
		j, _ := area.StoredJurisdiction(ctx, d)
		if j != "4304" {
			t.Fatalf("stored jurisdiction %q", j)
		}
		counties, err := area.List(ctx, d, "4304", 0)
		if err != nil || len(counties) != 14 {
			t.Fatalf("%d counties, %v", len(counties), err)
		}
		under, err := area.Under(ctx, d, "430421")
		if err != nil || len(under) == 0 {
			t.Fatalf("under: %v %v", under, err)
		}
		for _, a := range under {
			if a.Level != area.Township || a.Parent != "430421" {
				t.Fatalf("unexpected %+v", a)
			}
		}
		if _, err := area.Get(ctx, d, "310105"); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("area outside the jurisdiction: %v", err)
		}
		if a, err := area.Get(ctx, d, "430400"); err != nil || a.Name != "衡阳市" {
			t.Fatal(a, err)
		}
	})
}
