package student

import (
	"strings"
	"testing"
	"time"

	"edubureau/fault"
	"edubureau/idno"
	"edubureau/school"
)

var testNow = time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)

func birth(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// valid is a correct record of a girl born 2016-03-08 in 衡阳县.
func valid() Student {
	id := idno.MakeResidentID("430421", birth("2016-03-08"), 42)
	return Student{Name: "李小梅", Gender: idno.Female, BirthDate: "2016-03-08", IDType: idno.ResidentIDCard, IDNumber: id,
		Ethnicity: "01", Nationality: "CHN", Hukou: "430421", Address: "衡阳县西渡镇新街 12 号", Township: "430421100",
		Guardians: []Guardian{{Name: "李建国", Relation: "father", Phone: "13807340001"}},
		School:    "2143000001", Grade: 4}
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if err == nil {
		return out
	}
	for _, f := range fault.As(err).Fields {
		out[f.Field] = f.Msg.ZH + " | " + f.Msg.EN
	}
	return out
}

func TestValidate(t *testing.T) {
	good := valid()
	wrongCheck := good.IDNumber[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good.IDNumber[17])+1)%11])
	boy := idno.MakeResidentID("430421", birth("2016-03-08"), 43)
	for _, c := range []struct {
		name  string
		edit  func(s *Student)
		field string // "" when valid
		want  string // part of the message
	}{
		{"valid", func(s *Student) {}, "", ""},
		{"wrong ID check character", func(s *Student) { s.IDNumber = wrongCheck }, "id_number", "校验位"},
		{"ID birth date differs", func(s *Student) { s.BirthDate = "2016-03-09" }, "id_number", "出生日期"},
		{"ID gender differs", func(s *Student) { s.Gender = idno.Male }, "id_number", "性别"},
		{"ID says boy, form says girl", func(s *Student) { s.IDNumber = boy }, "id_number", "male"},
		{"31 February", func(s *Student) { s.BirthDate = "2016-02-31" }, "birth_date", "不是有效日期"},
		{"31 February in the ID", func(s *Student) {
			s.IDNumber = "43042120160231004" + string(idno.CheckChar("43042120160231004"))
		}, "id_number", "2 月没有 31 日"},
		{"birth in the future", func(s *Student) { s.BirthDate = "2027-01-01" }, "birth_date", "晚于今天"},
		{"unknown ethnicity code", func(s *Student) { s.Ethnicity = "57" }, "ethnicity", "GB/T 3304"},
		{"ethnicity by name", func(s *Student) { s.Ethnicity = "土家族"; s.Normalize() }, "", ""},
		{"ethnicity missing for a Chinese", func(s *Student) { s.Ethnicity = "" }, "ethnicity", "民族"},
		{"nationality unknown", func(s *Student) { s.Nationality = "XYZ" }, "nationality", "GB/T 2659"},
		{"hukou not a division", func(s *Student) { s.Hukou = "439999" }, "hukou", "行政区划"},
		{"township not a township", func(s *Student) { s.Township = "430421" }, "township", "乡级"},
		{"name with digits", func(s *Student) { s.Name = "李小梅2" }, "name", "不能有"},
		{"name missing", func(s *Student) { s.Name = "" }, "name", "请填写"},
		{"migrant and left-behind", func(s *Student) { s.Migrant, s.LeftBehind = true, true }, "left_behind", "不能同时"},
		{"guardian phone short", func(s *Student) { s.Guardians[0].Phone = "1380734" }, "guardians[0].phone", "11 位"},
		{"guardian relation unknown", func(s *Student) { s.Guardians[0].Relation = "uncle" }, "guardians[0].relation", "relation"},
		{"guardian by Chinese relation", func(s *Student) { s.Guardians[0].Relation = "母亲"; s.Normalize() }, "", ""},
		{"fixed-line phone", func(s *Student) { s.Guardians[0].Phone = "0734-8221234" }, "", ""},
		{"unknown special needs", func(s *Student) { s.SpecialNeeds = "tall" }, "special_needs", "无效"},
		{"grade out of range", func(s *Student) { s.Grade = 13 }, "grade", "13"},
		{"school identifier short", func(s *Student) { s.School = "21430001" }, "school", "10 位"},
		{"enrolled before birth", func(s *Student) { s.EnrolledOn = "2015-09-01" }, "enrolled_on", "早于出生日期"},
		{"G number of another ID", func(s *Student) { s.StudentNo = "G" + boy }, "student_no", "G 加身份证号"},
		{"J number for a passport holder", func(s *Student) {
			s.IDType, s.IDNumber, s.Nationality, s.Ethnicity = idno.Passport, "E12345678", "USA", ""
			s.StudentNo = "J" + idno.MakeResidentID("430421", birth("2016-03-08"), 2)
		}, "", ""},
		{"J number disagreeing with the birth date", func(s *Student) {
			s.IDType, s.IDNumber = idno.Passport, "E12345678"
			s.StudentNo = "J" + idno.MakeResidentID("430421", birth("2016-03-07"), 2)
		}, "student_no", "出生日期"},
		{"passport holder without a number", func(s *Student) { s.IDType, s.IDNumber = idno.Passport, "E12345678" }, "student_no", "J 或 L"},
		{"unknown ID type", func(s *Student) { s.IDType = "card" }, "id_type", "证件类型"},
		{"coordinates outside China", func(s *Student) { lng, lat := 10.0, 26.9; s.Lng, s.Lat = &lng, &lat }, "lng", "经度"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := valid()
			c.edit(&s)
			err := s.Validate(testNow)
			got := fieldsOf(err)
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			msg, ok := got[c.field]
			if !ok {
				t.Fatalf("want a problem with %s, got %v", c.field, got)
			}
			if !strings.Contains(msg, c.want) {
				t.Fatalf("%s: message %q does not say %q", c.field, msg, c.want)
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("kind %s", fault.KindOf(err))
			}
		})
	}
	// A valid record gets its formal student number.
	s := valid()
	if err := s.Validate(testNow); err != nil || s.StudentNo != "G"+s.IDNumber {
		t.Fatalf("derived student number %q, %v", s.StudentNo, err)
	}
}

func TestCheckPlacement(t *testing.T) {
	r := DefaultRules()
	for _, c := range []struct {
		t    school.Type
		g    Grade
		ok   bool
		want string
	}{
		{school.Primary, 1, true, ""},
		{school.Primary, 6, true, ""},
		{school.Primary, 7, false, "小学没有七年级：只有一年级至六年级"},
		{school.Junior, 6, false, "初级中学没有六年级"},
		{school.Junior, 9, true, ""},
		{school.NineYear, 9, true, ""},
		{school.Senior, 9, false, "高一至高三"},
		{school.TwelveYear, 12, true, ""},
		{school.CompleteSecondary, 6, false, "七年级"},
		{school.Kindergarten, K2, true, ""},
		{school.Kindergarten, 1, false, "小班至大班"},
		{school.Vocational, 11, true, ""},
		{school.Special, 9, true, ""},
		{school.Training, 1, false, "不登记学籍"},
	} {
		msg := r.CheckPlacement(c.t, c.g)
		if (msg == nil) != c.ok || msg != nil && !strings.Contains(msg.ZH, c.want) {
			t.Errorf("%s grade %s: %v", c.t, c.g, msg)
		}
	}
	// 五四制: grade 6 is junior.
	ff := Rules{System: FiveFour}
	if ff.CheckPlacement(school.Primary, 6) == nil || ff.CheckPlacement(school.Junior, 6) != nil {
		t.Error("五四制 grade 6")
	}
	if ff.System.LevelOf(school.NineYear, 6) != Junior || SixThree.LevelOf(school.NineYear, 6) != Primary {
		t.Error("level of grade 6")
	}
	// Check adds the placement to Validate's faults.
	s := valid()
	s.Grade = 8
	if f := fieldsOf(r.Check(&s, school.Primary, testNow)); !strings.Contains(f["grade"], "八年级") {
		t.Fatalf("check: %v", f)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Grade{"K1": K1, "小班": K1, "大班": K3, "1": 1, "一年级": 1, "初一": 7, "七年级": 7,
		"高三": 12, "Grade 10": 10, " 12 ": 12, "九年级": 9} {
		if g, ok := ParseGrade(in); !ok || g != want {
			t.Errorf("ParseGrade(%q) = %v %v", in, g, ok)
		}
	}
	for _, in := range []string{"", "13", "0", "K4", "十年级", "初四"} {
		if _, ok := ParseGrade(in); ok {
			t.Errorf("ParseGrade(%q) accepted", in)
		}
	}
	for g := K1; g <= 12; g++ {
		if back, ok := ParseGrade(g.String()); !ok || back != g {
			t.Errorf("grade %d round trip %q", g, g.String())
		}
		if back, ok := ParseGrade(g.Name().ZH); g <= 12 && (!ok || back != g) && !(g >= 7 && g <= 9) {
			t.Errorf("grade name %q", g.Name().ZH)
		}
	}
	for in, want := range map[string]string{"01": "01", "1": "01", "汉族": "01", "汉": "01", "HA": "01", "tujia": "15", "基诺族": "56", "98": "98"} {
		if c, ok := ParseEthnicity(in); !ok || c != want {
			t.Errorf("ParseEthnicity(%q) = %q %v", in, c, ok)
		}
	}
	if len(Ethnicities) != 58 {
		t.Fatalf("%d ethnicities", len(Ethnicities))
	}
	seen := map[string]bool{}
	for i, e := range Ethnicities[:56] {
		if e.Code != twoDigits(i+1) || seen[e.Letter] || len(e.Letter) != 2 {
			t.Errorf("ethnicity %d: %+v", i+1, e)
		}
		seen[e.Letter] = true
	}
	for in, want := range map[string]idno.Gender{"男": idno.Male, "F": idno.Female, "2": idno.Female, "male": idno.Male} {
		if g, ok := ParseGender(in); !ok || g != want {
			t.Errorf("ParseGender(%q)", in)
		}
	}
	if NameKey("阿依古丽·买买提") != "阿依古丽买买提" || NameKey(" John  Smith") != "johnsmith" {
		t.Error("NameKey")
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func TestMask(t *testing.T) {
	s := valid()
	s.StudentNo = "G" + s.IDNumber
	lng, lat := 112.3, 26.9
	s.Lng, s.Lat = &lng, &lat
	m := s.Mask()
	if !m.Masked || m.IDNumber != s.IDNumber[:6]+"********"+s.IDNumber[14:] || m.StudentNo != "G"+m.IDNumber ||
		m.Guardians[0].Phone != "138****0001" || m.Guardians[0].Name != "李*国" || m.Lng != nil || strings.Contains(m.Address, "12") {
		t.Fatalf("masked %+v", m)
	}
	if s.Guardians[0].Phone != "13807340001" {
		t.Fatal("Mask changed the original")
	}
}

// cleanName's shortcut for a clean name gives what the full cleaning gives.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"", " ", "张三", "张 三", "张  三", " 张三", "张三 ", "Li\tMing", "李\u3000明", "a\u00a0b", "x\u2003y", "衡阳市 珠晖区 1号", "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.Fields(spaces.Replace(s)), " ")
		if got := cleanName(s); got != want {
			t.Fatalf("cleanName(%q) = %q, want %q", s, got, want)
		}
	})
}
