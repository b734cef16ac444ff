package enrol

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

// children registers n children in 珠晖区 inside zone Z1 (the first three in
// Z3 instead) and returns their application numbers.
func children(t *testing.T, o *Office, n int) []string {
	t.Helper()
	var ins []ApplicantInput
	for i := 0; i < n; i++ {
		lng, lat := 112.58, 26.86+float64(i)*0.001
		if i < 3 {
			lng, lat = 112.605+float64(i)*0.003, 26.97
		}
		ins = append(ins, ApplicantInput{Year: 2026, Grade: 1, County: "430405", Name: fmt.Sprintf("儿童%d", i+1),
			IDNumber: childID(2020, i+100), Lng: lng, Lat: lat, Prefs: []string{p2, p1}})
	}
	apps, err := o.AddApplicants(context.Background(), countyStaff(), ins)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, n)
	for i, a := range apps {
		out[i] = a.Number
	}
	return out
}

// independentDraw is the published algorithm written out again: SHA-256 of
// the seed, a zero byte and the id; ascending bytewise; the first n admitted.
func independentDraw(seed string, ids []string) []string {
	type kv struct{ id, key string }
	var ks []kv
	for _, id := range ids {
		h := sha256.New()
		h.Write([]byte(seed))
		h.Write([]byte{0})
		h.Write([]byte(id))
		ks = append(ks, kv{id, hex.EncodeToString(h.Sum(nil))})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].key < ks[j].key })
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.id
	}
	return out
}

func TestSchoolLottery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		county := countyStaff()
		nums := children(t, o, 7)

		// Only private schools draw lots; a public one is refused.
		_, err := o.CreateLottery(ctx, county, LotteryInput{Year: 2026, Grade: 1, Kind: LotterySchool, School: p1, Places: 3})
		wantKind(t, err, fault.Invalid, "公办")
		l, err := o.CreateLottery(ctx, county, LotteryInput{Year: 2026, Grade: 1, Kind: LotterySchool, School: pv, Places: 3})
		if err != nil {
			t.Fatal(err)
		}
		if l.State != LotteryOpen || !strings.Contains(l.Title, "育才") {
			t.Fatalf("created %+v", l)
		}
		// The seed cannot come before the list is frozen; nor the draw.
		_, err = o.AnnounceSeed(ctx, county, l.ID, 0, "seed")
		wantKind(t, err, fault.Conflict)
		_, err = o.Draw(ctx, county, l.ID, 0)
		wantKind(t, err, fault.Conflict)
		_, err = o.Freeze(ctx, county, l.ID, 0)
		wantKind(t, err, fault.Invalid) // empty

		// Bad entries are named; nothing is added.
		_, err = o.AddEntries(ctx, county, l.ID, []EntryInput{{Ticket: nums[0]}, {Ticket: "2026-1-430405-99999"}, {Ticket: nums[0]}, {Ticket: nums[1], Prefs: []string{pv}}})
		wantKind(t, err, fault.Invalid)
		fields := []string{}
		for _, f := range fault.As(err).Fields {
			fields = append(fields, f.Field)
		}
		if !slices.Equal(fields, []string{"entries[2].ticket", "entries[3].ticket", "entries[4].prefs"}) {
			t.Fatalf("fields %v", fields)
		}
		if n, err := o.AddEntries(ctx, county, l.ID, []EntryInput{{Ticket: nums[0]}, {Ticket: nums[1]}}); err != nil || n != 2 {
			t.Fatalf("add %d %v", n, err)
		}
		csvFile := "id\n" + strings.Join(nums[2:], "\n") + "\n"
		if n, err := o.ImportEntries(ctx, county, l.ID, strings.NewReader(csvFile), "list.csv"); err != nil || n != 5 {
			t.Fatalf("import %d %v", n, err)
		}
		_, err = o.ImportEntries(ctx, county, l.ID, strings.NewReader("id\n"+nums[3]+"\n"), "again.csv")
		wantKind(t, err, fault.Invalid, "again.csv 第 2 行“id”列")
		if err := o.RemoveEntry(ctx, county, l.ID, nums[6]); err != nil {
			t.Fatal(err)
		}
		l, err = o.Freeze(ctx, county, l.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		tickets := slices.Clone(nums[:6])
		sort.Strings(tickets)
		sum := sha256.Sum256([]byte(strings.Join(tickets, "\n") + "\n"))
		if l.State != LotteryFrozen || l.Entries != 6 || l.ListDigest != hex.EncodeToString(sum[:]) || !l.Oversubscribed() {
			t.Fatalf("frozen %+v, digest want %x", l, sum)
		}
		// The list is fixed now.
		_, err = o.AddEntries(ctx, county, l.ID, []EntryInput{{Ticket: nums[6]}})
		wantKind(t, err, fault.Conflict)
		wantKind(t, o.RemoveEntry(ctx, county, l.ID, nums[0]), fault.Conflict)
		_, err = o.AnnounceSeed(ctx, county, l.ID, 0, "")
		wantKind(t, err, fault.Invalid)
		_, err = o.AnnounceSeed(ctx, county, l.ID, 0, "a\nb")
		wantKind(t, err, fault.Invalid)
		const seed = "衡阳2026-公证处-731904"
		if l, err = o.AnnounceSeed(ctx, county, l.ID, l.Version, seed); err != nil || l.Seed != seed || l.SeedAt.IsZero() {
			t.Fatalf("seed %+v %v", l, err)
		}
		_, err = o.AnnounceSeed(ctx, county, l.ID, 0, "another")
		wantKind(t, err, fault.Conflict)
		if l, err = o.Draw(ctx, county, l.ID, l.Version); err != nil || l.State != LotteryDrawn {
			t.Fatal(err)
		}
		res, total, err := o.Results(ctx, county.Scope, l.ID, 1, 50)
		if err != nil || total != 6 {
			t.Fatalf("results %d %v", total, err)
		}
		want := independentDraw(seed, nums[:6])
		for i, r := range res {
			if r.Ticket != want[i] || r.Rank != i+1 || r.Admitted != (i < 3) {
				t.Errorf("rank %d: %+v, recomputed %s", i+1, r, want[i])
			}
		}
		var buf bytes.Buffer
		ResultsCSV(&buf, LotterySchool, res)
		rsum := sha256.Sum256(buf.Bytes())
		if l.ResultsDigest != hex.EncodeToString(rsum[:]) {
			t.Fatalf("results digest %s, file %x", l.ResultsDigest, rsum)
		}
		v, err := o.VerifyLottery(ctx, l.ID)
		if err != nil || !v.Match() {
			t.Fatalf("verify %+v %v", v, err)
		}
		_, err = o.CancelLottery(ctx, county, l.ID, "改期")
		wantKind(t, err, fault.Conflict)

		// The database itself refuses to change what was published.
		for _, q := range []string{
			`UPDATE admission_lottery_result SET admitted = NOT admitted WHERE lottery_id = $1`,
			`DELETE FROM admission_lottery_result WHERE lottery_id = $1`,
			`INSERT INTO admission_lottery_result (lottery_id, rank, ticket, key_hex, admitted) VALUES ($1, 99, 'x', 'x', TRUE)`,
			`DELETE FROM admission_lottery_entry WHERE lottery_id = $1`,
			`INSERT INTO admission_lottery_entry (lottery_id, ticket, added_at) VALUES ($1, 'x', CURRENT_TIMESTAMP)`,
			`UPDATE admission_lottery SET seed = 'other' WHERE id = $1`,
			`UPDATE admission_lottery SET places = 6 WHERE id = $1`,
			`DELETE FROM admission_lottery WHERE id = $1`,
		} {
			if _, err := d.ExecContext(ctx, q, l.ID); err == nil {
				t.Errorf("the database let through: %s", q)
			}
		}
		// The public sees the drawn lottery; an open one is not shown.
		if _, err := o.PublicLottery(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		open, _ := o.CreateLottery(ctx, county, LotteryInput{Year: 2026, Grade: 1, Kind: LotterySchool, School: pv, Places: 1, Title: "补录"})
		if _, err := o.PublicLottery(ctx, open.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("an open lottery is public: %v", err)
		}
		if _, err := o.CancelLottery(ctx, county, open.ID, "计划调整"); err != nil {
			t.Fatal(err)
		}
		// Out of scope: the other county finds nothing.
		if _, err := o.Lottery(ctx, otherCounty().Scope, l.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("other county: %v", err)
		}

		// A change made behind the guard's back (a DBA disabling it) is found
		// by verifying.
		if d.Dialect == db.SQLite {
			if _, err := d.ExecContext(ctx, `DROP TRIGGER admission_lottery_result_no_update`); err != nil {
				t.Fatal(err)
			}
		} else if _, err := d.ExecContext(ctx, `ALTER TABLE admission_lottery_result DISABLE TRIGGER admission_lottery_result_no_change`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE admission_lottery_result SET admitted = NOT admitted WHERE lottery_id = $1 AND rank IN (3, 4)`, l.ID); err != nil {
			t.Fatal(err)
		}
		v, err = o.VerifyLottery(ctx, l.ID)
		if err != nil || v.Match() || v.ResultsOK || v.MismatchRank != 3 || !v.ListOK {
			t.Fatalf("tampered results verified as %+v (%v)", v, err)
		}
	})
}

func TestZoneLottery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city, county := cityStaff(), countyStaff()
		if _, err := o.ImportZones(ctx, city, 2026, 1, strings.NewReader(layer), "zones.geojson"); err != nil {
			t.Fatal(err)
		}
		nums := children(t, o, 6) // three in Z3, three in Z1
		z3, _ := o.zoneByCode(ctx, o.DB, 2026, 1, "Z3")
		l, err := o.CreateLottery(ctx, county, LotteryInput{Year: 2026, Grade: 1, Kind: LotteryZone, ZoneID: z3.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := o.FillFromZone(ctx, county, l.ID); err != nil || n != 3 {
			t.Fatalf("fill %d %v", n, err)
		}
		// Two more from outside the zone, with their own preferences; a school
		// outside the zone is refused.
		_, err = o.AddEntries(ctx, county, l.ID, []EntryInput{{Ticket: nums[3], Prefs: []string{p3}}})
		wantKind(t, err, fault.Invalid, p3)
		if _, err := o.AddEntries(ctx, county, l.ID, []EntryInput{{Ticket: nums[3], Prefs: []string{p1}}, {Ticket: nums[4]}}); err != nil {
			t.Fatal(err)
		}
		// Without approved plans the places are unknown.
		_, err = o.Freeze(ctx, county, l.ID, 0)
		wantKind(t, err, fault.Invalid, "计划")
		approvePrimary(t, o, p1, 1)
		approvePrimary(t, o, p2, 2)
		if l, err = o.Freeze(ctx, county, l.ID, 0); err != nil {
			t.Fatal(err)
		}
		if l.Places != 3 || len(l.Schools) != 2 || l.Schools[0].School != p1 {
			t.Fatalf("frozen %+v", l)
		}
		const seed = "长宁2026-730194"
		if _, err = o.AnnounceSeed(ctx, county, l.ID, 0, seed); err != nil {
			t.Fatal(err)
		}
		if l, err = o.Draw(ctx, county, l.ID, 0); err != nil {
			t.Fatal(err)
		}
		res, _, err := o.Results(ctx, county.Scope, l.ID, 1, -1)
		if err != nil {
			t.Fatal(err)
		}
		// Recomputed by hand: in key order, each takes their first preference
		// with a place left (nums[3] wants p1 only; the rest p2 then p1).
		prefs := map[string][]string{nums[3]: {p1}}
		left := map[string]int{p1: 1, p2: 2}
		for i, id := range independentDraw(seed, nums[:5]) {
			got := ""
			ps := prefs[id]
			if ps == nil {
				ps = []string{p2, p1}
			}
			for _, p := range ps {
				if left[p] > 0 {
					left[p]--
					got = p
					break
				}
			}
			if res[i].Ticket != id || res[i].School != got || res[i].Admitted != (got != "") {
				t.Errorf("rank %d: %+v, recomputed %s → %q", i+1, res[i], id, got)
			}
		}
		if v, err := o.VerifyLottery(ctx, l.ID); err != nil || !v.Match() {
			t.Fatalf("verify %+v %v", v, err)
		}
		// A zone with a lottery cannot be deleted.
		wantKind(t, o.DeleteZone(ctx, city, z3.ID), fault.Conflict)
	})
}
