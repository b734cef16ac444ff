package school

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/scope"
)

// ImportKind is the school registry as a kind of bulk import (package
// importer): a bureau loads or corrects its schools from a spreadsheet. Its
// columns are the registry's export's, so an exported list can be edited and
// imported again as it is. A school is known by its identifier: a new one is
// created, an existing one updated (a new name is a rename, kept in the
// school's former names), one already as in the file left alone. Every
// change goes through the registry, with its history and audit entry, in
// the import's one transaction.
type ImportKind struct{ Registry *Registry }

// Spec describes the columns.
func (k ImportKind) Spec() importer.Spec {
	var types, owners, statuses []importer.Code
	for _, t := range Types {
		types = append(types, importer.Code{Value: string(t.Type), Label: t.Name})
	}
	for _, o := range Ownerships {
		owners = append(owners, importer.Code{Value: string(o.Ownership), Label: o.Name})
	}
	for _, s := range Statuses {
		statuses = append(statuses, importer.Code{Value: string(s.Status), Label: s.Name})
	}
	return importer.Spec{
		Name: "schools", Title: i18n.T("学校名录", "School registry"), Permission: "school.edit", Sheet: "学校名录",
		KeyColumn: "code",
		Columns: []importer.Column{
			{Key: "code", ZH: "学校标识码", EN: "Identifier", Aliases: []string{"标识码", "学校代码", "School identifier"}, Required: true, Text: true,
				Example: "2143040001", Note: i18n.T("10 位：2 位办学类型 + 2 位省份 + 6 位序号", "10 digits: type (2), province (2), sequence (6)")},
			{Key: "name", ZH: "学校名称", EN: "Name", Aliases: []string{"校名", "名称"}, Required: true, MaxLen: 100, Example: "衡阳市第一中学",
				Note: i18n.T("已有学校改名时按更名处理，曾用名会保留", "a new name for an existing school is a rename; the former name is kept")},
			{Key: "name_en", ZH: "英文名称", EN: "English name", MaxLen: 200},
			{Key: "type", ZH: "办学类型", EN: "Type", Aliases: []string{"学校类型"}, Required: true, Codes: types},
			{Key: "ownership", ZH: "举办者类型", EN: "Ownership", Aliases: []string{"办学性质", "公办/民办"}, Required: true, Codes: owners},
			{Key: "county", ZH: "县区代码", EN: "County code", Aliases: []string{"所在县区", "县区代码或名称"}, Required: true, Text: true,
				Example: "430405", Note: i18n.T("6 位代码或县区名称", "6-digit code or the county's name")},
			{Key: "township", ZH: "乡镇（街道）代码", EN: "Township code", Aliases: []string{"乡镇代码", "所在乡镇（街道）"}, Text: true,
				Example: "430405001", Note: i18n.T("9 位代码或乡镇（街道）名称", "9-digit code or the township's name")},
			{Key: "address", ZH: "地址", EN: "Address", Aliases: []string{"学校地址"}, MaxLen: 200},
			{Key: "lng", ZH: "经度", EN: "Longitude", Example: "112.6073"},
			{Key: "lat", ZH: "纬度", EN: "Latitude", Example: "26.8932"},
			{Key: "status", ZH: "办学状态", EN: "Status", Required: true, Codes: statuses},
			{Key: "opened_on", ZH: "开办日期", EN: "Opened on", Date: true, Example: "2001-09-01"},
			{Key: "closed_on", ZH: "撤销日期", EN: "Closed on", Date: true},
			{Key: "headmaster", ZH: "校长", EN: "Headmaster", Aliases: []string{"校长姓名"}, MaxLen: 50},
			{Key: "capacity", ZH: "规模（学位数）", EN: "Capacity (places)", Aliases: []string{"学位数", "规模"}, Example: "1200"},
			{Key: "licence_no", ZH: "办学许可证号", EN: "Licence number", Aliases: []string{"许可证号"}, Text: true, MaxLen: 50},
			{Key: "licence_issued_on", ZH: "发证日期", EN: "Licence issued on", Aliases: []string{"许可证发证日期"}, Date: true},
			{Key: "licence_expires_on", ZH: "有效期至", EN: "Licence expires on", Aliases: []string{"许可证有效期至"}, Date: true},
		},
		// The export's display-only columns.
		Ignore: []string{"县区", "乡镇（街道）", "版本", "更新时间", "County", "Township", "Version", "Updated at"},
		Instructions: []i18n.Text{
			i18n.T("学校以学校标识码识别：新的标识码新建学校，已有的标识码更新该校信息。", "A school is known by its identifier: a new identifier creates a school, an existing one updates it."),
			i18n.T("民办学校（办学中或停办）须填写办学许可证号、发证日期和有效期；公办学校不填。", "A private school (active or suspended) needs its licence number and dates; a public school has none."),
			i18n.T("学校名录页面导出的 Excel 可直接修改后导入。", "The Excel exported from the school list can be edited and imported as it is."),
		},
	}
}

// schoolWriter checks and writes the rows of one import.
type schoolWriter struct {
	reg       *Registry
	s         *importer.Session
	counties  map[string]string // name → code, of the jurisdiction
	townships map[string]string // county code + name → code
}

// Begin reads the jurisdiction's counties and townships, so that a row may
// name them instead of giving their codes.
func (k ImportKind) Begin(ctx context.Context, s *importer.Session) (importer.Writer, error) {
	w := &schoolWriter{reg: k.Registry, s: s, counties: map[string]string{}, townships: map[string]string{}}
	for lvl, into := range map[area.Level]map[string]string{area.County: w.counties, area.Township: w.townships} {
		as, err := area.List(ctx, s.Tx, "", lvl)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if lvl == area.County {
				into[a.Name] = a.Code
			} else {
				into[a.Parent+a.Name] = a.Code
			}
		}
	}
	return w, nil
}

// Check parses a row into a school and checks every rule that needs no database.
func (w *schoolWriter) Check(it *importer.Item) {
	r := it.Row
	s := School{Code: r.Value("code"), Name: r.Value("name"), NameEN: r.Value("name_en"), Type: Type(r.Value("type")),
		Ownership: Ownership(r.Value("ownership")), County: r.Value("county"), Township: r.Value("township"),
		Address: r.Value("address"), Status: Status(r.Value("status")), OpenedOn: r.Value("opened_on"), ClosedOn: r.Value("closed_on"),
		Headmaster: r.Value("headmaster"), LicenceNo: r.Value("licence_no"), LicenceIssuedOn: r.Value("licence_issued_on"),
		LicenceExpiresOn: r.Value("licence_expires_on")}
	if c, ok := w.counties[s.County]; ok {
		s.County = c
	}
	if c, ok := w.townships[s.County+s.Township]; ok {
		s.Township = c
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"lng", &s.Lng}, {"lat", &s.Lat}} {
		if v := r.Value(f.key); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				it.Refuse(f.key, i18n.T("“%s”不是数字", "%q is not a number", v))
				continue
			}
			*f.dst = &x
		}
	}
	if v := r.Value("capacity"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
		if err != nil {
			it.Refuse("capacity", i18n.T("“%s”不是整数", "%q is not a whole number", v))
		} else {
			s.Capacity = n
		}
	}
	s.Normalize()
	it.RefuseError(s.Validate(w.s.Now), nil)
	it.Record, it.Key = s, s.Code
}

// Verify checks the rows against the database without writing.
func (w *schoolWriter) Verify(ctx context.Context, items []*importer.Item) error {
	return w.write(ctx, items, false)
}

// Write creates or updates the schools of a batch.
func (w *schoolWriter) Write(ctx context.Context, items []*importer.Item) error {
	return w.write(ctx, items, true)
}

func (w *schoolWriter) write(ctx context.Context, items []*importer.Item, write bool) error {
	tx := w.s.Tx
	for _, it := range items {
		s := it.Record.(School)
		if w.s.Options.School != "" && s.Code != w.s.Options.School {
			it.Refuse("code", i18n.T("本次导入只针对学校 %s", "this import is for school %s only", w.s.Options.School))
			continue
		}
		old, err := get(ctx, tx, w.s.Scope, s.Code)
		exists := err == nil
		switch {
		case err != nil && fault.KindOf(err) != fault.NotFound:
			return err
		case !exists:
			if _, err := get(ctx, tx, scope.Everything, s.Code); err == nil {
				it.Refuse("code", i18n.T("学校标识码 %s 已被您权限范围以外的学校使用", "identifier %s belongs to a school outside your scope", s.Code))
				continue
			}
			if !w.s.Scope.Reaches(s.County, s.Code) {
				it.Refuse("county", i18n.T("您无权在县区 %s 新建学校", "you may not create schools in county %s", s.County))
				continue
			}
			if err := checkPlace(ctx, tx, &s); err != nil {
				it.RefuseError(err, nil)
				continue
			}
			it.Outcome = importer.Created
		case sameSchool(old, s):
			it.Outcome = importer.Unchanged
			continue
		default:
			if !w.s.Scope.Reaches(s.County, s.Code) {
				it.Refuse("county", i18n.T("您无权把学校移到县区 %s", "you may not move a school to county %s", s.County))
				continue
			}
			it.Outcome = importer.Updated
		}
		if !write {
			continue
		}
		// A savepoint per school: a change the registry refuses leaves the
		// transaction usable for the rest.
		err = importer.Savepoint(ctx, tx, func() error {
			if it.Outcome == importer.Created {
				return w.reg.createAudited(ctx, tx, w.s.Scope, &s, w.s.Actor)
			}
			_, err := w.reg.UpdateTx(ctx, tx, w.s.Scope, s.Code, s, 0, "", w.s.Actor)
			return err
		})
		if err != nil {
			if fault.KindOf(err) == fault.Internal {
				return fmt.Errorf("school %s: %w", s.Code, err)
			}
			it.Outcome = importer.Pending
			it.RefuseError(err, nil)
		}
	}
	return nil
}

// Finish has nothing left to do: each school was written with its history.
func (w *schoolWriter) Finish(context.Context) error { return nil }

// sameSchool reports whether the file says exactly what is stored.
func sameSchool(old, s School) bool {
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return old.Name == s.Name && old.NameEN == s.NameEN && old.Type == s.Type && old.Ownership == s.Ownership &&
		old.County == s.County && old.Township == s.Township && old.Address == s.Address && f(old.Lng) == f(s.Lng) &&
		f(old.Lat) == f(s.Lat) && old.Status == s.Status && old.OpenedOn == s.OpenedOn && old.ClosedOn == s.ClosedOn &&
		old.Headmaster == s.Headmaster && old.Capacity == s.Capacity && old.LicenceNo == s.LicenceNo &&
		old.LicenceIssuedOn == s.LicenceIssuedOn && old.LicenceExpiresOn == s.LicenceExpiresOn
}
