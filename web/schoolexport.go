package web

import (
	"net/http"

	"edubureau/i18n"
	"edubureau/school"
)

// schoolColumns are the columns of the school list's exports. Headers are
// in Chinese whatever the page's language: the files go to other offices
// and systems that expect the registry's official labels.
func schoolColumns() []Column[school.School] {
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(f func(school.School) string) func(school.School) any {
		return func(s school.School) any { return f(s) }
	}
	return []Column[school.School]{
		{zh("field.code"), 13, str(func(s school.School) string { return s.Code })},
		{zh("field.name"), 30, str(func(s school.School) string { return s.Name })},
		{zh("field.name_en"), 30, str(func(s school.School) string { return s.NameEN })},
		{zh("field.type"), 16, str(func(s school.School) string { return school.TypeName(s.Type).ZH })},
		{zh("field.ownership"), 8, str(func(s school.School) string { return school.OwnershipName(s.Ownership).ZH })},
		{zh("field.status"), 8, str(func(s school.School) string { return school.StatusName(s.Status).ZH })},
		{zh("export.county_code"), 10, str(func(s school.School) string { return s.County })},
		{zh("field.county"), 10, str(func(s school.School) string { return s.CountyName })},
		{zh("export.township_code"), 12, str(func(s school.School) string { return s.Township })},
		{zh("field.township"), 14, str(func(s school.School) string { return s.TownshipName })},
		{zh("field.address"), 36, str(func(s school.School) string { return s.Address })},
		{zh("field.lng"), 12, func(s school.School) any { return s.Lng }},
		{zh("field.lat"), 12, func(s school.School) any { return s.Lat }},
		{zh("field.opened_on"), 12, str(func(s school.School) string { return s.OpenedOn })},
		{zh("field.closed_on"), 12, str(func(s school.School) string { return s.ClosedOn })},
		{zh("field.headmaster"), 10, str(func(s school.School) string { return s.Headmaster })},
		{zh("field.capacity"), 10, func(s school.School) any { return s.Capacity }},
		{zh("field.licence_no"), 20, str(func(s school.School) string { return s.LicenceNo })},
		{zh("field.licence_issued_on"), 12, str(func(s school.School) string { return s.LicenceIssuedOn })},
		{zh("field.licence_expires_on"), 12, str(func(s school.School) string { return s.LicenceExpiresOn })},
		{zh("field.version"), 6, func(s school.School) any { return s.Version }},
		{zh("field.updated_at"), 18, func(s school.School) any { return s.UpdatedAt }},
	}
}

// schoolExport is every school matching the list's filters (pages ignored).
func (ui *UI) schoolExport(r *http.Request) (Export[school.School], error) {
	u, err := currentUser(r)
	if err != nil {
		return Export[school.School]{}, err
	}
	lq := readListQuery(r.URL.Query())
	lq.Page, lq.PerPage = "", ""
	f, err := lq.filter()
	if err != nil {
		return Export[school.School]{}, err
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	return Export[school.School]{
		Name:      i18n.Tr(i18n.ZH, "export.schools_file") + "-" + day,
		ASCIIName: "schools-" + day,
		Sheet:     i18n.Tr(i18n.ZH, "export.schools_sheet"),
		Columns:   schoolColumns(),
		Rows: func(yield func(school.School) error) error {
			return ui.d.Schools.Each(r.Context(), u.Scope(), f, yield)
		},
	}, nil
}

// exportCSV is GET /schools/export.csv.
func (ui *UI) exportCSV(w http.ResponseWriter, r *http.Request) { ui.exportSchools(w, r) }

// exportXLSX is GET /schools/export.xlsx.
func (ui *UI) exportXLSX(w http.ResponseWriter, r *http.Request) { ui.exportSchools(w, r) }

func (ui *UI) exportSchools(w http.ResponseWriter, r *http.Request) {
	e, err := ui.schoolExport(r)
	if err != nil {
		ui.exportFailed(w, r, err)
		return
	}
	e.Serve(ui, w, r)
}
