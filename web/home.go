package web

import (
	"fmt"
	"net/http"

	"edubureau/area"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/year"
)

// palette is the charts' colours: sober, distinguishable, printable.
var palette = []string{"#1f4e79", "#c0504d", "#4f81bd", "#9bbb59", "#8064a2", "#f79646",
	"#2c7873", "#7f6000", "#5b9bd5", "#a5a5a5", "#264478", "#843c0c"}

type homeData struct {
	AcademicYear, FiscalYear           string // the ones marked current
	Schools, Capacity, Public, Private int
	Types                              []typeCol // the types present, in the statistics' order
	ByCounty                           []countyRow
	ByType                             []typeRow
	ChartCounty, ChartType             map[string]any
	Students                           *studentHomeData // students by county, level and gender (studenthome.go)
}

type typeCol struct {
	Type school.Type
	Name string
}

type countyRow struct {
	Code, Name        string
	ByType            []int // aligned with homeData.Types
	Schools, Capacity int
}

type typeRow struct {
	Type              school.Type
	Name              string
	Schools, Capacity int
	Share             string // of all schools, "12.5%"
}

// home is the dashboard: the headline figures of the user's part of the jurisdiction.
func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	l := i18n.FromRequest(r)
	sc := u.Scope()
	counts, err := ui.d.Schools.Counts(ctx, sc)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := summarize(l, counts, counties, sc)
	for _, c := range counts {
		if c.Ownership == school.Private {
			d.Private += c.Schools
		}
	}
	d.Public = d.Schools - d.Private
	if a, err := year.CurrentAcademic(ctx, ui.d.DB); err == nil {
		d.AcademicYear = a.Code
	}
	if f, err := year.CurrentFiscal(ctx, ui.d.DB); err == nil {
		d.FiscalYear = fmt.Sprint(f.Year)
	}
	d.Students = ui.studentFigures(r, u)
	p := ui.newPage(r, i18n.Tr(l, "home.title"), d)
	p.Charts = true
	ui.render(w, r, http.StatusOK, "home", p)
}

// summarize turns counts by county and type into the dashboard's tables and
// charts. Every county of the jurisdiction the user reaches is listed, with
// zeros where it has no school, so a gap is visible.
func summarize(l i18n.Lang, counts []school.Count, counties []area.Area, sc scope.Scope) *homeData {
	d := &homeData{}
	present := map[school.Type]bool{}
	inCounts := map[string]bool{}
	for _, c := range counts {
		present[c.Type] = true
		inCounts[c.County] = true
		d.Schools += c.Schools
		d.Capacity += c.Capacity
	}
	col := map[school.Type]int{}
	for _, ti := range school.Types {
		if present[ti.Type] {
			col[ti.Type] = len(d.Types)
			d.Types = append(d.Types, typeCol{Type: ti.Type, Name: ti.Name.In(l)})
		}
	}
	for t := range present { // a type unknown to school.Types still shows
		if _, ok := col[t]; !ok {
			col[t] = len(d.Types)
			d.Types = append(d.Types, typeCol{Type: t, Name: string(t)})
		}
	}
	row := map[string]int{}
	for _, c := range counties {
		if inCounts[c.Code] || sc.Reaches(c.Code, "") {
			row[c.Code] = len(d.ByCounty)
			d.ByCounty = append(d.ByCounty, countyRow{Code: c.Code, Name: c.Name, ByType: make([]int, len(d.Types))})
		}
	}
	byType := make([]typeRow, len(d.Types))
	for i, tc := range d.Types {
		byType[i] = typeRow{Type: tc.Type, Name: tc.Name}
	}
	for _, c := range counts {
		i, ok := row[c.County]
		if !ok { // a school in a county no longer listed: keep it visible
			i = len(d.ByCounty)
			row[c.County] = i
			name := c.CountyName
			if name == "" {
				name = c.County
			}
			d.ByCounty = append(d.ByCounty, countyRow{Code: c.County, Name: name, ByType: make([]int, len(d.Types))})
		}
		j := col[c.Type]
		d.ByCounty[i].ByType[j] += c.Schools
		d.ByCounty[i].Schools += c.Schools
		d.ByCounty[i].Capacity += c.Capacity
		byType[j].Schools += c.Schools
		byType[j].Capacity += c.Capacity
	}
	for i := range byType {
		if d.Schools > 0 {
			byType[i].Share = fmt.Sprintf("%.1f%%", float64(byType[i].Schools)*100/float64(d.Schools))
		}
	}
	d.ByType = byType
	d.ChartCounty, d.ChartType = charts(l, d)
	return d
}

// charts writes the ECharts options: schools by county stacked by type, and
// the share of each type. The page's script only hands them to ECharts.
func charts(l i18n.Lang, d *homeData) (byCounty, byType map[string]any) {
	names := make([]string, len(d.ByCounty))
	for i, c := range d.ByCounty {
		names[i] = c.Name
	}
	series := make([]any, 0, len(d.Types))
	for j, tc := range d.Types {
		data := make([]int, len(d.ByCounty))
		for i, c := range d.ByCounty {
			data[i] = c.ByType[j]
		}
		series = append(series, map[string]any{"name": tc.Name, "type": "bar", "stack": "schools",
			"emphasis": map[string]any{"focus": "series"}, "data": data})
	}
	byCounty = map[string]any{
		"color":   palette,
		"aria":    map[string]any{"enabled": true},
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"type": "scroll", "top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "bottom": 8, "top": 40, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1, "name": i18n.Tr(l, "home.schools_axis")},
		"series":  series,
	}
	slices := make([]map[string]any, 0, len(d.ByType))
	for _, t := range d.ByType {
		slices = append(slices, map[string]any{"name": t.Name, "value": t.Schools})
	}
	byType = map[string]any{
		"color":   palette,
		"aria":    map[string]any{"enabled": true},
		"tooltip": map[string]any{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
		"legend":  map[string]any{"type": "scroll", "orient": "vertical", "left": 0, "top": "middle"},
		"series": []any{map[string]any{"name": i18n.Tr(l, "home.by_type"), "type": "pie", "radius": []string{"35%", "65%"},
			"center": []string{"62%", "50%"}, "label": map[string]any{"formatter": "{b}\n{c}"}, "data": slices}},
	}
	return byCounty, byType
}
