package student

import (
	"strings"

	"edubureau/i18n"
)

// Ethnicity is one entry of GB/T 3304-1991, 中国各民族名称的罗马字母拼写法和代码
// (Names of nationalities of China in romanization with codes): the two-digit
// numeric code the registry stores, the two-letter code, the Chinese name and
// the romanization the standard gives. Codes 01–56 are the 56 recognised
// groups in the standard's order; 97 and 98 are the two further entries the
// standard has (other, unidentified; Chinese citizens of foreign origin).
type Ethnicity struct {
	Code   string // "01"
	Letter string // "HA"
	Name   i18n.Text
}

// Ethnicities is the GB/T 3304-1991 table, transcribed in the standard's order.
var Ethnicities = []Ethnicity{
	{"01", "HA", i18n.T("汉族", "Han")},
	{"02", "MG", i18n.T("蒙古族", "Mongol")},
	{"03", "HU", i18n.T("回族", "Hui")},
	{"04", "ZA", i18n.T("藏族", "Zang")},
	{"05", "UG", i18n.T("维吾尔族", "Uygur")},
	{"06", "MH", i18n.T("苗族", "Miao")},
	{"07", "YI", i18n.T("彝族", "Yi")},
	{"08", "ZH", i18n.T("壮族", "Zhuang")},
	{"09", "BY", i18n.T("布依族", "Buyei")},
	{"10", "CS", i18n.T("朝鲜族", "Chosen")},
	{"11", "MA", i18n.T("满族", "Man")},
	{"12", "DO", i18n.T("侗族", "Dong")},
	{"13", "YA", i18n.T("瑶族", "Yao")},
	{"14", "BA", i18n.T("白族", "Bai")},
	{"15", "TJ", i18n.T("土家族", "Tujia")},
	{"16", "HN", i18n.T("哈尼族", "Hani")},
	{"17", "KZ", i18n.T("哈萨克族", "Kazak")},
	{"18", "DA", i18n.T("傣族", "Dai")},
	{"19", "LI", i18n.T("黎族", "Li")},
	{"20", "LS", i18n.T("傈僳族", "Lisu")},
	{"21", "VA", i18n.T("佤族", "Va")},
	{"22", "SH", i18n.T("畲族", "She")},
	{"23", "GS", i18n.T("高山族", "Gaoshan")},
	{"24", "LH", i18n.T("拉祜族", "Lahu")},
	{"25", "SU", i18n.T("水族", "Sui")},
	{"26", "DX", i18n.T("东乡族", "Dongxiang")},
	{"27", "NX", i18n.T("纳西族", "Naxi")},
	{"28", "JP", i18n.T("景颇族", "Jingpo")},
	{"29", "KG", i18n.T("柯尔克孜族", "Kirgiz")},
	{"30", "TU", i18n.T("土族", "Tu")},
	{"31", "DU", i18n.T("达斡尔族", "Daur")},
	{"32", "ML", i18n.T("仫佬族", "Mulao")},
	{"33", "QI", i18n.T("羌族", "Qiang")},
	{"34", "BL", i18n.T("布朗族", "Blang")},
	{"35", "SL", i18n.T("撒拉族", "Salar")},
	{"36", "MN", i18n.T("毛南族", "Maonan")},
	{"37", "GL", i18n.T("仡佬族", "Gelao")},
	{"38", "XB", i18n.T("锡伯族", "Xibe")},
	{"39", "AC", i18n.T("阿昌族", "Achang")},
	{"40", "PM", i18n.T("普米族", "Pumi")},
	{"41", "TA", i18n.T("塔吉克族", "Tajik")},
	{"42", "NU", i18n.T("怒族", "Nu")},
	{"43", "UZ", i18n.T("乌孜别克族", "Uzbek")},
	{"44", "RS", i18n.T("俄罗斯族", "Russ")},
	{"45", "EW", i18n.T("鄂温克族", "Ewenki")},
	{"46", "DE", i18n.T("德昂族", "Deang")},
	{"47", "BN", i18n.T("保安族", "Bonan")},
	{"48", "YG", i18n.T("裕固族", "Yugur")},
	{"49", "GI", i18n.T("京族", "Gin")},
	{"50", "TT", i18n.T("塔塔尔族", "Tatar")},
	{"51", "DR", i18n.T("独龙族", "Derung")},
	{"52", "OR", i18n.T("鄂伦春族", "Oroqen")},
	{"53", "HZ", i18n.T("赫哲族", "Hezhen")},
	{"54", "MB", i18n.T("门巴族", "Monba")},
	{"55", "LB", i18n.T("珞巴族", "Lhoba")},
	{"56", "JN", i18n.T("基诺族", "Jino")},
	{"97", "", i18n.T("其他", "Other (unidentified)")},
	{"98", "", i18n.T("外国血统中国籍人士", "Chinese citizen of foreign origin")},
}

var ethnicityIndex = func() map[string]int {
	m := make(map[string]int, len(Ethnicities)*4)
	for i, e := range Ethnicities {
		m[e.Code] = i
	}
	return m
}()

// LookupEthnicity finds an ethnicity by its two-digit code.
func LookupEthnicity(code string) (Ethnicity, bool) {
	i, ok := ethnicityIndex[code]
	if !ok {
		return Ethnicity{}, false
	}
	return Ethnicities[i], true
}

// ParseEthnicity reads what a form or a spreadsheet cell says: the two-digit
// code ("01", or "1"), the two-letter code ("HA"), or the Chinese name with
// or without 族 ("汉族", "汉"). ok is false when nothing matches.
func ParseEthnicity(s string) (code string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		s = "0" + s
	}
	if _, ok := ethnicityIndex[s]; ok {
		return s, true
	}
	up := strings.ToUpper(s)
	for _, e := range Ethnicities {
		if e.Letter != "" && e.Letter == up || e.Name.ZH == s || strings.TrimSuffix(e.Name.ZH, "族") == s ||
			strings.EqualFold(e.Name.EN, s) {
			return e.Code, true
		}
	}
	return "", false
}

// Choice is a coded value with its name, for the small fixed lists below.
type Choice struct {
	Code string
	Name i18n.Text
}

func lookup(list []Choice, code string) (Choice, bool) {
	for _, c := range list {
		if c.Code == code {
			return c, true
		}
	}
	return Choice{}, false
}

// parseChoice accepts a list's code or either of its names.
func parseChoice(list []Choice, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, c := range list {
		if c.Code == s || c.Name.ZH == s || strings.EqualFold(c.Name.EN, s) {
			return c.Code, true
		}
	}
	return "", false
}

// SpecialNeeds are the disability categories of GB/T 26341-2010
// (残疾人残疾分类和分级), which the education statistics use; "" is none.
var SpecialNeeds = []Choice{
	{"", i18n.T("无", "None")},
	{"visual", i18n.T("视力残疾", "Visual impairment")},
	{"hearing", i18n.T("听力残疾", "Hearing impairment")},
	{"speech", i18n.T("言语残疾", "Speech impairment")},
	{"physical", i18n.T("肢体残疾", "Physical disability")},
	{"intellectual", i18n.T("智力残疾", "Intellectual disability")},
	{"mental", i18n.T("精神残疾", "Mental disability")},
	{"multiple", i18n.T("多重残疾", "Multiple disabilities")},
}

// FinancialAid are the families' financial-aid situations (资助对象) the
// student-aid programmes recognise; "" is none.
var FinancialAid = []Choice{
	{"", i18n.T("无", "None")},
	{"registered_poor", i18n.T("脱贫家庭（原建档立卡）", "Family lifted out of poverty (formerly registered poor)")},
	{"subsistence", i18n.T("最低生活保障家庭", "Family on minimum subsistence allowance")},
	{"extreme_hardship", i18n.T("特困供养人员", "Person under extreme-hardship support")},
	{"orphan", i18n.T("孤儿", "Orphan")},
	{"disability", i18n.T("残疾学生或残疾人子女", "Disabled student or child of disabled parents")},
	{"other", i18n.T("其他家庭经济困难", "Other family financial hardship")},
}

// Relations are how a guardian is related to the student.
var Relations = []Choice{
	{"father", i18n.T("父亲", "Father")},
	{"mother", i18n.T("母亲", "Mother")},
	{"paternal_grandfather", i18n.T("祖父", "Paternal grandfather")},
	{"paternal_grandmother", i18n.T("祖母", "Paternal grandmother")},
	{"maternal_grandfather", i18n.T("外祖父", "Maternal grandfather")},
	{"maternal_grandmother", i18n.T("外祖母", "Maternal grandmother")},
	{"sibling", i18n.T("兄弟姐妹", "Sibling")},
	{"relative", i18n.T("其他亲属", "Other relative")},
	{"other", i18n.T("其他监护人", "Other guardian")},
}

// ParseRelation accepts a relation's code or name.
func ParseRelation(s string) (string, bool) { return parseChoice(Relations, s) }

// ParseSpecialNeeds accepts a category's code or name ("无"/"None" is "").
func ParseSpecialNeeds(s string) (string, bool) { return parseChoice(SpecialNeeds, s) }

// ParseFinancialAid accepts a situation's code or name ("无"/"None" is "").
func ParseFinancialAid(s string) (string, bool) { return parseChoice(FinancialAid, s) }

// DropoutReasons are why a child left school without a transfer (辍学原因).
var DropoutReasons = []Choice{
	{"study_weariness", i18n.T("厌学", "Weary of school")},
	{"family_hardship", i18n.T("家庭经济困难", "Family financial hardship")},
	{"work", i18n.T("外出务工", "Went to work")},
	{"illness", i18n.T("疾病", "Illness")},
	{"marriage", i18n.T("早婚", "Early marriage")},
	{"family_moved", i18n.T("随家庭外出，去向不明", "Left with the family, whereabouts unknown")},
	{"other", i18n.T("其他", "Other")},
}

// FollowUpActions are what the bureau and the school do for a child on the
// follow-up list (控辍保学): each recorded with who, when and notes.
var FollowUpActions = []Choice{
	{"visit", i18n.T("上门家访", "Home visit")},
	{"call", i18n.T("电话联系", "Phone call")},
	{"letter", i18n.T("书面通知", "Written notice")},
	{"meeting", i18n.T("约谈监护人", "Meeting with the guardians")},
	{"support", i18n.T("落实资助或帮扶", "Aid or support arranged")},
	{"other", i18n.T("其他", "Other")},
}

// FollowUpOutcomes are how a follow-up case ends. Returned, moved away and
// deceased are set by the registry's own events; the others are chosen when
// a case is closed by hand.
var FollowUpOutcomes = []Choice{
	{"returned", i18n.T("已返校复学", "Returned to school")},
	{"moved_away", i18n.T("已转往辖区外", "Moved out of the jurisdiction")},
	{"deceased", i18n.T("已死亡", "Deceased")},
	{"enrolled_elsewhere", i18n.T("已核实在辖区外就学", "Verified at school outside the jurisdiction")},
	{"over_age", i18n.T("已超出义务教育年龄", "Past compulsory-education age")},
	{"special_arrangement", i18n.T("送教上门等特殊安排", "Home schooling or another special arrangement")},
	{"other", i18n.T("其他", "Other")},
}

// Name of a code in one of the lists above (the code itself when unknown).
func ChoiceName(list []Choice, code string) i18n.Text {
	if c, ok := lookup(list, code); ok {
		return c.Name
	}
	return i18n.Text{ZH: code, EN: code}
}
