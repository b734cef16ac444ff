package school

import (
	"strings"
	"testing"
	"time"

	"edubureau/fault"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func f64(x float64) *float64 { return &x }

func validPrimary() School {
	return School{Code: "2143000001", Name: "衡阳县实验小学", Type: Primary, Ownership: Public, County: "430421",
		Township: "430421100", Status: Active, OpenedOn: "1998-09-01", Capacity: 1200, Lng: f64(112.37), Lat: f64(26.97)}
}

func TestValidateCode(t *testing.T) {
	for _, tc := range []struct {
		code   string
		typ    Type
		county string
		want   string // part of the English message; "" for valid
	}{
		{"2143000001", Primary, "430421", ""},
		{"1143000001", Kindergarten, "430421", ""},
		{"3143000001", NineYear, "430421", ""},
		{"3443000001", CompleteSecondary, "430421", ""},
		{"5131000001", Special, "310105", ""},
		{"2243000001", Adult, "430421", ""},
		{"214300001", Primary, "430421", "must be 10 digits, not 9"},
		{"21430000011", Primary, "430421", "must be 10 digits, not 11"},
		{"21430A0001", Primary, "430421", "character 6"},
		{"3143000001", Primary, "430421", "do not match the type"},
		{"2199000001", Primary, "", "not a province code"},
		{"2131000001", Primary, "430421", "do not match the county's province 43"},
	} {
		msg := ValidateCode(tc.code, tc.typ, tc.county)
		switch {
		case tc.want == "" && msg != nil:
			t.Errorf("%s: unexpected %v", tc.code, msg)
		case tc.want != "" && (msg == nil || !strings.Contains(msg.EN, tc.want)):
			t.Errorf("%s: want %q, got %v", tc.code, tc.want, msg)
		case msg != nil && msg.ZH == "":
			t.Errorf("%s: no Chinese message", tc.code)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*School)
		field  string // "" when valid
	}{
		{"valid", func(*School) {}, ""},
		{"no name", func(s *School) { s.Name = "" }, "name"},
		{"unknown type", func(s *School) { s.Type = "castle" }, "type"},
		{"bad ownership", func(s *School) { s.Ownership = "state" }, "ownership"},
		{"bad status", func(s *School) { s.Status = "gone" }, "status"},
		{"unknown county", func(s *School) { s.County = "439999" }, "county"},
		{"county is a city", func(s *School) { s.County = "430400" }, "county"},
		{"township of another county", func(s *School) { s.Township = "430422100" }, "township"},
		{"lng without lat", func(s *School) { s.Lat = nil }, "lng"},
		{"lng outside China", func(s *School) { s.Lng = f64(12.4) }, "lng"},
		{"31 February", func(s *School) { s.OpenedOn = "2025-02-31" }, "opened_on"},
		{"closed without date", func(s *School) { s.Status = Closed }, "closed_on"},
		{"closing date but active", func(s *School) { s.ClosedOn = "2020-01-01" }, "closed_on"},
		{"closed before opened", func(s *School) { s.Status = Closed; s.ClosedOn = "1990-07-01" }, "closed_on"},
		{"closed in the future", func(s *School) { s.Status = Closed; s.ClosedOn = "2027-07-01" }, "closed_on"},
		{"closed properly", func(s *School) { s.Status = Closed; s.ClosedOn = "2020-07-01" }, ""},
		{"active without opening", func(s *School) { s.OpenedOn = "" }, "opened_on"},
		{"negative capacity", func(s *School) { s.Capacity = -1 }, "capacity"},
		{"licence on a public school", func(s *School) { s.LicenceNo = "教民1234" }, "licence_no"},
		{"private without licence", func(s *School) { s.Ownership = Private }, "licence_no"},
		{"private with licence", func(s *School) {
			s.Ownership, s.LicenceNo, s.LicenceIssuedOn, s.LicenceExpiresOn = Private, "教民143042170001号", "2022-01-01", "2027-01-01"
		}, ""},
		{"licence expires before issue", func(s *School) {
			s.Ownership, s.LicenceNo, s.LicenceIssuedOn, s.LicenceExpiresOn = Private, "x", "2022-01-01", "2021-01-01"
		}, "licence_expires_on"},
		{"preparing private needs no licence yet", func(s *School) { s.Ownership, s.Status, s.OpenedOn = Private, Preparing, "" }, ""},
	} {
		s := validPrimary()
		tc.change(&s)
		err := s.Validate(now)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tc.name, err)
			}
			continue
		}
		fe, ok := err.(*fault.Error)
		if !ok || fe.Kind != fault.Invalid {
			t.Errorf("%s: want invalid error, got %v", tc.name, err)
			continue
		}
		found := false
		for _, f := range fe.Fields {
			found = found || f.Field == tc.field
			if f.Msg.ZH == "" || f.Msg.EN == "" {
				t.Errorf("%s: message missing a language: %+v", tc.name, f)
			}
		}
		if !found {
			t.Errorf("%s: no problem reported on %s: %v", tc.name, tc.field, err)
		}
	}
}

func TestEveryTypeHasPrefixAndNames(t *testing.T) {
	for _, ti := range Types {
		if len(ti.Prefixes) == 0 || ti.Name.ZH == "" || ti.Name.EN == "" {
			t.Errorf("%s incomplete", ti.Type)
		}
	}
}
