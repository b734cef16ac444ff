package web

// Catchment zones (划片): the layer of a year and grade with each zone's
// demand against its capacity, the children outside every zone or in
// several, the overlapping zones; GeoJSON import and export; assigning the
// children; the map (ECharts, zones drawn from their own GeoJSON, no
// internet tiles); a zone's page with its edit (a changed GeoJSON feature or
// the vertices typed by hand).

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/i18n"
	"edubureau/scope"
)

type zoneRow struct {
	enrol.ZoneDemand
	Href    string
	Schools string
	Over    bool
	Ratio   string
}

type zoneListData struct {
	Year, Grade           int
	County, Query         string
	Multi                 bool
	Years, Grades         []option
	Counties              []option
	Layer                 enrol.Layer
	Rows                  []zoneRow
	Total, Over           int
	Overlaps              []overlapRow
	Base, Export, MapHref string
	CanEdit               bool
	Notice                string
	Problem               *problem
	pager
}

type overlapRow struct {
	A, B         string
	AHref, BHref string
	Near         string
}

// zoneParams reads year, grade (1 or 7), county of a zone page.
func (ui *UI) zoneParams(q url.Values) (int, int, string, error) {
	year, err := ui.yearOf(q)
	if err != nil {
		return 0, 0, "", err
	}
	grade, err := gradeOf(q, enrol.GradePrimary, enrol.GradePrimary, enrol.GradeJunior)
	if err != nil {
		return 0, 0, "", err
	}
	county := strings.TrimSpace(q.Get("county"))
	if county != "" && (len(county) < 4 || strings.Trim(county, "0123456789") != "") {
		return 0, 0, "", paramError("county", county)
	}
	return year, grade, county, nil
}

func zoneQuery(year, grade int, county string) url.Values {
	v := url.Values{"year": {strconv.Itoa(year)}, "grade": {strconv.Itoa(grade)}}
	if county != "" {
		v.Set("county", county)
	}
	return v
}

// zoneList is GET /admission/zones.
func (ui *UI) zoneList(w http.ResponseWriter, r *http.Request) {
	ui.showZones(w, r, http.StatusOK, nil)
}

func (ui *UI) showZones(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.Form
	}
	year, grade, county, err := ui.zoneParams(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page, err := pageOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page = max(page, 1)
	layer, err := o.Layer(ctx, u.Scope(), year, grade, county)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &zoneListData{Year: year, Grade: grade, County: county, Query: strings.TrimSpace(q.Get("q")), Multi: q.Get("multi") == "1",
		Years: ui.yearOptions(year), Grades: gradeOptions(l, grade, enrol.GradePrimary, enrol.GradeJunior), Layer: layer,
		CanEdit: u.Can(auth.AdmissionEdit), Notice: noticeOf(l, q), Problem: prob}
	if d.Counties, err = ui.countyOptions(ctx, &u, county); err != nil {
		ui.Fail(w, r, err)
		return
	}
	var rows []zoneRow
	for _, z := range layer.Zones {
		if z.Balance < 0 {
			d.Over++
		}
		if d.Multi && !z.Multi() {
			continue
		}
		if d.Query != "" && !strings.Contains(strings.ToLower(z.Code+" "+z.Name+" "+strings.Join(z.SchoolCodes(), " ")), strings.ToLower(d.Query)) &&
			!slices.ContainsFunc(z.Schools, func(s enrol.ZoneSchool) bool { return strings.Contains(s.Name, d.Query) }) {
			continue
		}
		names := make([]string, len(z.Schools))
		for i, s := range z.Schools {
			names[i] = s.Name
		}
		row := zoneRow{ZoneDemand: z, Href: "/admission/zones/" + strconv.FormatInt(z.ID, 10), Schools: strings.Join(names, "、"), Over: z.Balance < 0}
		if z.Capacity > 0 {
			row.Ratio = share(z.Demand, z.Capacity)
		}
		rows = append(rows, row)
	}
	d.Total = len(rows)
	const per = 50
	from := min((page-1)*per, len(rows))
	d.Rows = rows[from:min(len(rows), from+per)]
	base := zoneQuery(year, grade, county)
	link := func(n int) string {
		v := zoneQuery(year, grade, county)
		if d.Query != "" {
			v.Set("q", d.Query)
		}
		if d.Multi {
			v.Set("multi", "1")
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/admission/zones?" + v.Encode()
	}
	d.pager = newPager(page, per, d.Total, link)
	d.Base = base.Encode()
	d.Export = "/admission/zones/export.geojson?" + base.Encode()
	d.MapHref = "/admission/zones/map?" + base.Encode()
	for _, ov := range layer.Overlaps {
		d.Overlaps = append(d.Overlaps, overlapRow{A: ov.A, B: ov.B, AHref: "/admission/zones/" + strconv.FormatInt(ov.AID, 10),
			BHref: "/admission/zones/" + strconv.FormatInt(ov.BID, 10), Near: fmt.Sprintf("%.5f, %.5f", ov.Near.Lng, ov.Near.Lat)})
	}
	ui.render(w, r, status, "admission_zones", ui.newPage(r, i18n.Tr(l, "admission.zones.title"), d))
}

// zoneExport is GET /admission/zones/export.geojson.
func (ui *UI) zoneExport(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	year, grade, county, err := ui.zoneParams(r.URL.Query())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	var b strings.Builder
	if err := o.ExportZones(r.Context(), u.Scope(), year, grade, county, &b); err != nil {
		ui.Fail(w, r, err)
		return
	}
	name := fmt.Sprintf("zones-%d-grade%d", year, grade)
	setDownloadHeaders(w, "application/geo+json", i18n.Tr(i18n.ZH, "admission.zones.file")+"-"+name+".geojson", name+".geojson")
	w.Write([]byte(b.String()))
}

// zoneImport is POST /admission/zones/import.
func (ui *UI) zoneImport(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	refuse := func(err error) { ui.refuse(w, r, err, ui.showZones) }
	year, grade, county, err := ui.zoneParams(r.Form)
	if err != nil {
		refuse(err)
		return
	}
	file, name, err := uploadFile(r, "file")
	if err != nil {
		refuse(err)
		return
	}
	defer file.Close()
	sum, err := o.ImportZones(r.Context(), actorOf(u, r), year, grade, file, name)
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, doneURL("/admission/zones?"+zoneQuery(year, grade, county).Encode(), "zones_imported", sum.Created, sum.Updated, sum.Unchanged), http.StatusSeeOther)
}

// zoneAssign is POST /admission/zones/assign: place the children of the
// year and grade in their zones.
func (ui *UI) zoneAssign(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	year, grade, county, err := ui.zoneParams(r.Form)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	rep, err := o.AssignApplicants(r.Context(), actorOf(u, r), year, grade)
	if err != nil {
		ui.refuse(w, r, err, ui.showZones)
		return
	}
	http.Redirect(w, r, doneURL("/admission/zones?"+zoneQuery(year, grade, county).Encode(), "zones_assigned", rep.Applicants, rep.Uncovered, rep.InSeveral), http.StatusSeeOther)
}

type zoneMapData struct {
	Year, Grade   int
	County        string
	Years, Grades []option
	Counties      []option
	Zones         int
	Chart         template.JS // {"geo": FeatureCollection, "option": ECharts option}
	ListHref      string
	Legend        []string
}

// zoneMap is GET /admission/zones/map: the zones coloured by demand over
// capacity, the schools as points.
func (ui *UI) zoneMap(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	year, grade, county, err := ui.zoneParams(r.URL.Query())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	layer, err := o.Layer(ctx, u.Scope(), year, grade, county)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &zoneMapData{Year: year, Grade: grade, County: county, Years: ui.yearOptions(year),
		Grades: gradeOptions(l, grade, enrol.GradePrimary, enrol.GradeJunior), Zones: len(layer.Zones),
		ListHref: "/admission/zones?" + zoneQuery(year, grade, county).Encode()}
	if d.Counties, err = ui.countyOptions(ctx, &u, county); err != nil {
		ui.Fail(w, r, err)
		return
	}
	chart, err := ui.zoneChart(l, o, r, layer)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Chart = template.JS(chart)
	p := ui.newPage(r, i18n.Tr(l, "admission.map.title"), d)
	p.Charts = true
	ui.render(w, r, http.StatusOK, "admission_map", p)
}

// zoneChart writes the map's data: the zones as GeoJSON (feature name = zone
// code) and the ECharts option drawing them on a "geo" of that map, coloured
// by demand over capacity, with the schools as points.
func (ui *UI) zoneChart(l i18n.Lang, o *enrol.Office, r *http.Request, layer enrol.Layer) ([]byte, error) {
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   json.RawMessage   `json:"geometry"`
	}
	geo := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	type datum struct {
		Name     string  `json:"name"`
		Value    float64 `json:"value"`
		Title    string  `json:"title"`
		Demand   int     `json:"demand"`
		Capacity int     `json:"capacity"`
		Schools  string  `json:"schools"`
	}
	data := []datum{}
	points := [][]any{}
	seen := map[string]bool{}
	where, err := o.SchoolPoints(r.Context())
	if err != nil {
		return nil, err
	}
	for _, z := range layer.Zones {
		geo.Features = append(geo.Features, feature{Type: "Feature", Properties: map[string]string{"name": z.Code}, Geometry: json.RawMessage(z.Geometry)})
		ratio := 0.0
		switch {
		case z.Capacity > 0:
			ratio = float64(z.Demand) / float64(z.Capacity)
		case z.Demand > 0:
			ratio = 2
		}
		names := make([]string, len(z.Schools))
		for i, s := range z.Schools {
			names[i] = s.Name
		}
		data = append(data, datum{Name: z.Code, Value: float64(int(ratio*100)) / 100, Title: z.Name, Demand: z.Demand, Capacity: z.Capacity,
			Schools: strings.Join(names, "、")})
		for _, s := range z.Schools {
			if seen[s.Code] {
				continue
			}
			seen[s.Code] = true
			if p := where[s.Code]; p.Lng != nil && p.Lat != nil {
				points = append(points, []any{*p.Lng, *p.Lat, p.Name})
			}
		}
	}
	option := map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": "item"},
		"visualMap": map[string]any{"type": "continuous", "min": 0, "max": 1.5, "calculable": true, "left": "left", "bottom": 10,
			"text":    []string{i18n.Tr(l, "admission.map.over"), i18n.Tr(l, "admission.map.under")},
			"inRange": map[string]any{"color": []string{"#2c7873", "#f2e6a8", "#c0504d"}}, "seriesIndex": 0},
		"geo": map[string]any{"map": "zones", "roam": true, "itemStyle": map[string]any{"borderColor": "#555", "borderWidth": 0.5},
			"emphasis": map[string]any{"label": map[string]any{"show": true}}},
		"series": []any{
			map[string]any{"type": "map", "geoIndex": 0, "name": i18n.Tr(l, "admission.map.ratio"), "data": data},
			map[string]any{"type": "scatter", "coordinateSystem": "geo", "name": i18n.Tr(l, "admission.map.schools"), "symbolSize": 5,
				"itemStyle": map[string]any{"color": "#1f4e79"}, "data": points},
		},
	}
	labels := map[string]string{"demand": i18n.Tr(l, "admission.col.demand"), "capacity": i18n.Tr(l, "admission.col.capacity"),
		"ratio": i18n.Tr(l, "admission.map.ratio"), "schools": i18n.Tr(l, "admission.col.schools")}
	return json.Marshal(map[string]any{"geo": geo, "option": option, "labels": labels})
}

type zoneDetailData struct {
	enrol.ZoneDemand
	Href, ListHref, GradeName string
	Ring                      string // the first polygon's outer ring, "lng, lat" per line
	SchoolCodes               string
	Applicants                []applicantRow
	ApplicantsTotal           int
	ApplicantsHref            string
	CanEdit                   bool
	Notice                    string
	Problem                   *problem
	Chart                     template.JS
}

// zoneDetail is GET /admission/zones/{id}.
func (ui *UI) zoneDetail(w http.ResponseWriter, r *http.Request) {
	ui.showZone(w, r, http.StatusOK, nil)
}

func (ui *UI) showZone(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	z, err := o.Zone(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	layer, err := o.Layer(ctx, scope.Everything, z.Year, z.Grade, z.County)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &zoneDetailData{ZoneDemand: enrol.ZoneDemand{Zone: z}, Href: "/admission/zones/" + strconv.FormatInt(z.ID, 10),
		ListHref: "/admission/zones?" + zoneQuery(z.Year, z.Grade, "").Encode(), GradeName: enrol.GradeName(z.Grade).In(l),
		SchoolCodes: strings.Join(z.SchoolCodes(), "\n"), CanEdit: u.Can(auth.AdmissionEdit), Notice: noticeOf(l, r.URL.Query()), Problem: prob}
	for _, zd := range layer.Zones {
		if zd.ID == z.ID {
			d.ZoneDemand = zd
		}
	}
	if len(z.Polygons) > 0 && len(z.Polygons[0]) > 0 {
		ring := z.Polygons[0][0]
		lines := make([]string, 0, len(ring))
		for _, q := range ring[:len(ring)-1] {
			lines = append(lines, strconv.FormatFloat(q.Lng, 'f', -1, 64)+", "+strconv.FormatFloat(q.Lat, 'f', -1, 64))
		}
		d.Ring = strings.Join(lines, "\n")
	}
	pg, err := o.Applicants(ctx, u.Scope(), enrol.ApplicantFilter{Year: z.Year, Grade: z.Grade, Zone: z.ID, PerPage: 20})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, a := range pg.Items {
		d.Applicants = append(d.Applicants, applicantRowOf(l, a))
	}
	d.ApplicantsTotal = pg.Total
	d.ApplicantsHref = "/admission/applicants?" + zoneQuery(z.Year, z.Grade, "").Encode() + "&zone=" + strconv.FormatInt(z.ID, 10)
	one := enrol.Layer{Zones: []enrol.ZoneDemand{d.ZoneDemand}}
	chart, err := ui.zoneChart(l, o, r, one)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Chart = template.JS(chart)
	p := ui.newPage(r, z.Code+" "+z.Name, d)
	p.Charts = true
	ui.render(w, r, status, "admission_zone", p)
}

// zoneUpdate is POST /admission/zones/{id}: name, schools, and a shape from
// an uploaded GeoJSON feature or the vertices typed in.
func (ui *UI) zoneUpdate(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	e := enrol.ZoneEdit{Name: r.FormValue("name"), Schools: strings.FieldsFunc(r.FormValue("schools"), func(c rune) bool {
		return c == '\n' || c == '\r' || c == ',' || c == ' ' || c == '，' || c == '、'
	})}
	switch r.FormValue("shape") {
	case "feature":
		file, name, err := uploadFile(r, "feature")
		if err != nil {
			ui.refuseZone(w, r, err)
			return
		}
		defer file.Close()
		e.Feature, e.File = file, name
	case "ring":
		e.Ring = r.FormValue("ring")
	}
	if _, err := o.UpdateZone(r.Context(), actorOf(u, r), id, versionOf(r), e); err != nil {
		ui.refuseZone(w, r, err)
		return
	}
	http.Redirect(w, r, doneURL("/admission/zones/"+strconv.FormatInt(id, 10), "zone_saved"), http.StatusSeeOther)
}

func (ui *UI) refuseZone(w http.ResponseWriter, r *http.Request, err error) {
	ui.refuse(w, r, err, ui.showZone)
}

// zoneDelete is POST /admission/zones/{id}/delete.
func (ui *UI) zoneDelete(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	z, err := o.Zone(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if err := o.DeleteZone(r.Context(), actorOf(u, r), id); err != nil {
		ui.refuseZone(w, r, err)
		return
	}
	http.Redirect(w, r, doneURL("/admission/zones?"+zoneQuery(z.Year, z.Grade, "").Encode(), "zone_deleted"), http.StatusSeeOther)
}
