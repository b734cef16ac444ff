package student

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/school"
	"edubureau/year"
)

// ImportKind is the student registry as a kind of bulk import (package
// importer): a school or a bureau loads its students from a spreadsheet with
// no limit on the number of rows. A student is known by their ID number: a
// new one is registered and enrolled at the row's school, grade and class
// (the class is created when the school has no class of that number yet);
// one already registered at that school is updated (a change of grade or
// class is a placement event); one already at another school is refused (a
// transfer goes through the transfer steps). Each row is checked as Create
// checks a student: the ID number's check character and its agreement with
// the birth date and gender, the codes, the grade at the school's type, the
// school within the importer's scope. A class over its size limit is flagged.
//
// The writing is in bulk (bulk.go): on PostgreSQL the rows are copied into
// staging tables and merged into the registry's tables in one statement per
// table at the end; on SQLite they are inserted by prepared statements. All
// of it happens in the import's one transaction.
type ImportKind struct{ Registry *Registry }

// The guardians a file may carry: the template has columns for two.
const importGuardians = 2

func choiceCodes(list []Choice, aliases map[string][]string) []importer.Code {
	out := make([]importer.Code, 0, len(list))
	for _, c := range list {
		out = append(out, importer.Code{Value: c.Code, Label: c.Name, Aliases: aliases[c.Code]})
	}
	return out
}

// Spec describes the columns: every field of the student record, the
// school, grade and class, and two guardians.
func (k ImportKind) Spec() importer.Spec {
	var ethnicities, idTypes, grades []importer.Code
	for _, e := range Ethnicities {
		al := []string{strings.TrimSuffix(e.Name.ZH, "族")}
		if e.Letter != "" {
			al = append(al, e.Letter)
		}
		ethnicities = append(ethnicities, importer.Code{Value: e.Code, Label: e.Name, Aliases: al})
	}
	for _, t := range idno.IDTypes {
		var al []string
		switch t {
		case idno.ResidentIDCard:
			al = []string{"身份证", "二代身份证", "居民身份证号"}
		case idno.HKMacaoPermit:
			al = []string{"回乡证", "港澳通行证"}
		case idno.TaiwanPermit:
			al = []string{"台胞证"}
		}
		idTypes = append(idTypes, importer.Code{Value: string(t), Label: t.Label(), Aliases: al})
	}
	for g := K1; g <= 12; g++ {
		var al []string
		switch {
		case g >= 7 && g <= 9:
			al = []string{"初" + cnNumerals[g-6]}
		case g >= 10:
			al = []string{cnNumerals[g-9] + "年级（高中）", "高中" + cnNumerals[g-9] + "年级"}
		}
		if g >= 1 {
			al = append(al, "Grade "+strconv.Itoa(int(g)))
		}
		grades = append(grades, importer.Code{Value: g.String(), Label: g.Name(), Aliases: al})
	}
	relations := choiceCodes(Relations, map[string][]string{"father": {"父", "爸爸"}, "mother": {"母", "妈妈"},
		"paternal_grandfather": {"爷爷"}, "paternal_grandmother": {"奶奶"}, "maternal_grandfather": {"外公", "姥爷"},
		"maternal_grandmother": {"外婆", "姥姥"}})
	genders := []importer.Code{
		{Value: string(idno.Male), Label: i18n.T("男", "Male"), Aliases: []string{"M", "1", "男性"}},
		{Value: string(idno.Female), Label: i18n.T("女", "Female"), Aliases: []string{"F", "2", "女性"}},
	}
	cols := []importer.Column{
		{Key: "school", ZH: "学校标识码", EN: "School identifier", Aliases: []string{"学校代码", "标识码"}, Required: true, Text: true,
			Example: "2143040001", Note: i18n.T("10 位学校标识码；在导入页面指定了学校时可不填", "the 10-digit school identifier; may be left empty when the import names the school")},
		{Key: "grade", ZH: "年级", EN: "Grade", Required: true, Codes: grades, Example: "三年级",
			Note: i18n.T("须是该校办学类型有的年级", "must be a grade the school's type teaches")},
		{Key: "class", ZH: "班级", EN: "Class", Aliases: []string{"班号", "班级号"}, Example: "2",
			Note: i18n.T("班号，如 2、2班、（2）班；本学年没有该班时自动建立", "the class number, e.g. 2, 2班 or （2）班; created for this academic year when the school has no such class")},
		{Key: "name", ZH: "姓名", EN: "Name", Aliases: []string{"学生姓名"}, Required: true, MaxLen: 50, Example: "张小明"},
		{Key: "gender", ZH: "性别", EN: "Gender", Required: true, Codes: genders},
		{Key: "birth_date", ZH: "出生日期", EN: "Date of birth", Aliases: []string{"出生年月日"}, Required: true, Date: true, Example: "2017-03-15",
			Note: i18n.T("须与身份证号中的出生日期一致", "must agree with the date of birth in the ID number")},
		{Key: "id_type", ZH: "证件类型", EN: "ID type", Aliases: []string{"身份证件类型"}, Codes: idTypes,
			Note: i18n.T("不填为居民身份证", "empty means a resident ID card")},
		{Key: "id_number", ZH: "证件号码", EN: "ID number", Aliases: []string{"身份证号", "身份证号码", "身份证件号", "身份证件号码", "证件号"},
			Required: true, Text: true, Example: "430421201703150025",
			Note: i18n.T("居民身份证号须校验位正确，并与出生日期、性别一致", "a resident ID number must have the right check character and agree with the date of birth and gender")},
		{Key: "student_no", ZH: "全国学籍号", EN: "National student number", Aliases: []string{"学籍号", "学籍辅号"}, Text: true,
			Note: i18n.T("有居民身份证的学生可不填（为 G 加身份证号）", "may be empty for a student with a resident ID card (G and the ID number)")},
		{Key: "ethnicity", ZH: "民族", EN: "Ethnicity", Codes: ethnicities, Example: "汉族", Note: i18n.T("中国籍学生必填", "required for Chinese nationals")},
		{Key: "nationality", ZH: "国籍/地区", EN: "Nationality", Aliases: []string{"国籍", "国籍地区"}, Text: true, Example: "CHN",
			Note: i18n.T("GB/T 2659 三字母代码；不填为 CHN（中国）", "the GB/T 2659 three-letter code; empty is CHN (China)")},
		{Key: "hukou", ZH: "户籍所在地", EN: "Household registration", Aliases: []string{"户籍", "户口所在地", "户籍所在地代码"}, Text: true,
			Example: "430421", Note: i18n.T("6 位行政区划代码", "a 6-digit division code")},
		{Key: "address", ZH: "现住址", EN: "Residential address", Aliases: []string{"家庭住址", "住址"}, MaxLen: 200},
		{Key: "township", ZH: "现住址乡镇（街道）", EN: "Township of residence", Aliases: []string{"乡镇（街道）代码", "现住址乡镇代码"}, Text: true,
			Note: i18n.T("9 位乡级行政区划代码", "a 9-digit township code")},
		{Key: "lng", ZH: "经度", EN: "Longitude"},
		{Key: "lat", ZH: "纬度", EN: "Latitude"},
		{Key: "migrant", ZH: "是否随迁子女", EN: "Migrant child", Aliases: []string{"随迁子女"}, Codes: importer.YesNo},
		{Key: "left_behind", ZH: "是否留守儿童", EN: "Left-behind child", Aliases: []string{"留守儿童"}, Codes: importer.YesNo},
		{Key: "special_needs", ZH: "残疾类型", EN: "Special needs", Aliases: []string{"残疾类别"}, Codes: choiceCodes(SpecialNeeds, nil)},
		{Key: "financial_aid", ZH: "资助类型", EN: "Financial aid", Aliases: []string{"资助对象类型", "家庭经济困难类型"}, Codes: choiceCodes(FinancialAid, nil)},
	}
	for i := 1; i <= importGuardians; i++ {
		n := strconv.Itoa(i)
		cols = append(cols,
			importer.Column{Key: "guardian" + n + "_name", ZH: "监护人" + n + "姓名", EN: "Guardian " + n + " name", Aliases: []string{"监护人" + n}, MaxLen: 50},
			importer.Column{Key: "guardian" + n + "_relation", ZH: "监护人" + n + "关系", EN: "Guardian " + n + " relation",
				Aliases: []string{"监护人" + n + "与学生关系"}, Codes: relations},
			importer.Column{Key: "guardian" + n + "_phone", ZH: "监护人" + n + "电话", EN: "Guardian " + n + " phone",
				Aliases: []string{"监护人" + n + "联系电话", "监护人" + n + "手机"}, Text: true, Example: "13900000000"},
		)
	}
	cols = append(cols, importer.Column{Key: "enrolled_on", ZH: "入学日期", EN: "Enrolment date", Date: true, Example: "2023-09-01",
		Note: i18n.T("不填为导入当天；已登记的学生不变", "empty is the day of the import; unchanged for a student already registered")})
	return importer.Spec{
		Name: "students", Title: i18n.T("学生学籍", "Student records"), Permission: "student.edit", Sheet: "学生信息",
		KeyColumn: "id_number", Columns: cols,
		Ignore: []string{"学校名称", "学校", "School", "状态", "Status", "学段", "Level"},
		Instructions: []i18n.Text{
			i18n.T("学生以证件号码识别：本辖区没有的证件号新登记入学；在本校已登记的更新其信息（年级或班级不同时记为调班）；在其他学校登记的不能导入，请走转学流程。",
				"A student is known by their ID number: a number new to the jurisdiction is registered and enrolled; one already at the row's school is updated (a new grade or class is a placement); one at another school is refused: use a transfer."),
			i18n.T("文件中没有的列，对已登记学生保持原值；班级留空时也保持原班级。", "For a student already registered, columns the file lacks keep their stored values, as does an empty class."),
			i18n.T("班额超过上限时给出提示，但仍导入。", "A class over its size limit is flagged, and the row is still imported."),
		},
	}
}

// importRow is a checked row on its way to the database.
type importRow struct {
	s       Student
	x       sealed
	guards  [][]any // guardian rows (their student id set on write)
	classNo int     // the class number in the file; 0 when none
	has     rowHas  // which optional parts the file gives
	// deferred are problems with columns the file lacks: they refuse a new
	// student, not one already registered (whose stored values fill them).
	deferred error
}

// rowHas says which optional parts of the record the file carries (absent
// columns keep what is stored, for a student already registered).
type rowHas struct {
	studentNo, idType, ethnicity, nationality, hukou, address, township, coords bool
	migrant, leftBehind, specialNeeds, financialAid, guardians                  bool
}

// importFields maps the record's validation fields onto the file's columns.
var importFields = func() map[string]string {
	m := map[string]string{"class_id": "class", "guardians": "guardian1_name", "lat": "lat", "lng": "lng"}
	for i := 0; i < MaxGuardians; i++ {
		col := min(i+1, importGuardians)
		for _, f := range GuardianFields {
			m[fmt.Sprintf("guardians[%d].%s", i, f.Key)] = fmt.Sprintf("guardian%d_%s", col, f.Key)
		}
	}
	return m
}()

// Begin starts an import: the schools in the importer's scope, the current
// academic year's classes with their sizes, and the staging tables.
func (k ImportKind) Begin(ctx context.Context, s *importer.Session) (importer.Writer, error) {
	if k.Registry == nil || k.Registry.Keys == nil {
		return nil, fault.New(fault.Unavailable, "未配置个人信息加密密钥，不能导入学生", "no key for personal data is configured: students cannot be imported")
	}
	return newBulk(ctx, k.Registry, s)
}

// Check parses, validates and seals one row (several rows at once, from
// several goroutines: it reads only what Begin loaded).
func (w *bulk) Check(it *importer.Item) {
	row := it.Row
	v := row.Value
	s := Student{StudentNo: v("student_no"), Name: v("name"), Gender: idno.Gender(v("gender")), BirthDate: v("birth_date"),
		IDType: idno.IDType(v("id_type")), IDNumber: v("id_number"), Ethnicity: v("ethnicity"), Nationality: v("nationality"),
		Hukou: v("hukou"), Address: v("address"), Township: v("township"), SpecialNeeds: v("special_needs"),
		FinancialAid: v("financial_aid"), School: v("school"), EnrolledOn: v("enrolled_on")}
	has := rowHas{studentNo: row.Has("student_no"), idType: row.Has("id_type"), ethnicity: row.Has("ethnicity"),
		nationality: row.Has("nationality"), hukou: row.Has("hukou"), address: row.Has("address"), township: row.Has("township"),
		coords: row.Has("lng") || row.Has("lat"), migrant: row.Has("migrant"), leftBehind: row.Has("left_behind"),
		specialNeeds: row.Has("special_needs"), financialAid: row.Has("financial_aid")}
	if s.IDType == "" {
		s.IDType = idno.ResidentIDCard
	}
	switch strings.TrimSpace(s.Nationality) {
	case "中国", "中华人民共和国", "中国大陆", "CN", "China":
		s.Nationality = "CHN"
	}
	s.Migrant, s.LeftBehind = v("migrant") == "true", v("left_behind") == "true"
	for _, c := range []struct {
		key string
		dst **float64
	}{{"lng", &s.Lng}, {"lat", &s.Lat}} {
		if t := v(c.key); t != "" {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				it.Refuse(c.key, i18n.T("“%s”不是数字", "%q is not a number", t))
				continue
			}
			*c.dst = &f
		}
	}
	for i := 1; i <= importGuardians; i++ {
		n := strconv.Itoa(i)
		has.guardians = has.guardians || row.Has("guardian"+n+"_name") || row.Has("guardian"+n+"_phone")
		g := Guardian{Name: v("guardian" + n + "_name"), Relation: v("guardian" + n + "_relation"), Phone: v("guardian" + n + "_phone")}
		if g != (Guardian{}) {
			s.Guardians = append(s.Guardians, g)
		}
	}
	if o := w.s.Options.School; o != "" {
		switch s.School {
		case "":
			s.School = o
		case o:
		default:
			it.Refuse("school", i18n.T("本次导入只针对学校 %s，这一行是学校 %s", "this import is for school %s only; the row is for school %s", o, s.School))
		}
	}
	g, gradeOK := ParseGrade(v("grade"))
	s.Grade = g
	classNo := 0
	if c := v("class"); c != "" {
		n, ok := parseClassNumber(c)
		if !ok {
			it.Refuse("class", i18n.T("班级“%s”应写成班号，如 2、2班、（2）班", "class %q should be a class number such as 2, 2班 or （2）班", c))
		}
		classNo = n
	}
	s.Normalize()
	it.Key = s.IDNumber
	sch, ok := w.schools[s.School]
	switch {
	case s.School == "":
	case !ok:
		it.Refuse("school", i18n.T("学校标识码 %s 不存在，或不在您的权限范围内", "school %s does not exist or is outside your scope", s.School))
	case sch.Status != school.Active:
		it.Refuse("school", i18n2("学校“%s”不在办学中（%s），不能接收学生", "school %q is not active (%s) and cannot take students",
			[]any{sch.Name, school.StatusName(sch.Status).ZH}, []any{sch.Name, school.StatusName(sch.Status).EN}))
	}
	var err error
	if ok && gradeOK {
		err = w.reg.Rules.Check(&s, sch.Type, w.s.Now)
	} else {
		err = s.Validate(w.s.Now)
	}
	// A problem with a column the file lacks matters only for a new student:
	// one already registered keeps the stored value (decided on writing).
	var deferred error
	if fe := fault.As(err); err != nil && len(fe.Fields) > 0 {
		var now, later fault.Validation
		for _, f := range fe.Fields {
			col := f.Field
			if m, ok := importFields[col]; ok {
				col = m
			}
			if row.Has(col) || col == "id_number" || col == "name" || col == "gender" || col == "birth_date" {
				now.Fields = append(now.Fields, f)
			} else {
				later.Fields = append(later.Fields, f)
			}
		}
		err, deferred = now.Err(), later.Err()
	}
	it.RefuseError(err, importFields)
	if it.Refused() {
		return
	}
	s.ID, s.County, s.Status, s.Level = db.NewID(), sch.County, Enrolled, w.reg.Rules.System.LevelOf(sch.Type, s.Grade)
	x, err := w.reg.sealFields(&s)
	if err != nil {
		it.RefuseError(err, nil)
		return
	}
	if classNo == 0 {
		x.Hash = contentHash(&s, w.reg.Keys.Index) // else the class is part of it: create hashes the row (update seals it again)
	}
	gs, err := w.reg.guardianRows(&s, x.NameKey)
	if err != nil {
		it.RefuseError(err, nil)
		return
	}
	it.Record = &importRow{s: s, x: x, guards: gs, classNo: classNo, has: has, deferred: deferred}
}

// parseClassNumber reads a class as files write it: 2, 02, 2班, (2)班,
// （2）班, 二班, 三年级2班, 三年级（2）班, 高一(3)班.
func parseClassNumber(s string) (int, bool) {
	s = strings.TrimSpace(importer.FoldWidth(s))
	s = strings.TrimSpace(strings.TrimSuffix(s, "班"))
	if i := strings.LastIndex(s, "("); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ")")
	} else if i := strings.LastIndex(s, "级"); i >= 0 {
		s = s[i+len("级"):]
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), ".0")
	if n, err := strconv.Atoi(s); err == nil {
		return n, n >= 1 && n <= 99
	}
	for i := len(cnNumerals) - 1; i >= 1; i-- {
		if s == cnNumerals[i] {
			return i, true
		}
	}
	return 0, false
}

// academicYear is the year classes are found and created in.
func academicYear(ctx context.Context, q db.Querier, now time.Time) (string, error) {
	y, err := year.CurrentAcademic(ctx, q)
	if err != nil {
		return year.AcademicOf(now).Code, nil
	}
	return y.Code, nil
}
