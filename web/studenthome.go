package web

// The dashboard's student figures (home.go): students on a school's roll by
// county, level and gender, as an ECharts chart and a printable table, from
// Registry.Counts (reused for a minute: Registry.CountsMaxAge).

import (
	"net/http"

	"edubureau/auth"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/student"
)

type levelCol struct {
	Level student.Level
	Name  string
}

type studentCountyRow struct {
	Code, Name   string
	ByLevel      []int // aligned with studentHomeData.Levels
	Male, Female int
	Total        int
}

type studentHomeData struct {
	Total, Male, Female int
	Levels              []levelCol
	ByLevel             []int
	Rows                []studentCountyRow
	Chart               map[string]any
}

// studentFigures counts the students within u's scope; nil when the user
// may not see students or there is no registry (the dashboard then shows
// only the schools).
func (ui *UI) studentFigures(r *http.Request, u auth.User) *studentHomeData {
	if ui.d.Students == nil || !u.Can(auth.StudentView) {
		return nil
	}
	l := i18n.FromRequest(r)
	counts, err := ui.d.Students.Counts(r.Context(), u.Scope())
	if err != nil {
		httpx.LogError(r, err)
		return nil
	}
	d := &studentHomeData{}
	present := map[student.Level]bool{}
	for _, c := range counts {
		present[c.Level] = true
	}
	col := map[student.Level]int{}
	for _, lv := range student.Levels {
		if present[lv.Level] {
			col[lv.Level] = len(d.Levels)
			d.Levels = append(d.Levels, levelCol{lv.Level, lv.Name.In(l)})
		}
	}
	d.ByLevel = make([]int, len(d.Levels))
	row := map[string]int{}
	for _, c := range counts {
		j, ok := col[c.Level]
		if !ok {
			continue
		}
		i, ok := row[c.County]
		if !ok {
			i = len(d.Rows)
			row[c.County] = i
			name := c.CountyName
			if name == "" {
				name = c.County
			}
			d.Rows = append(d.Rows, studentCountyRow{Code: c.County, Name: name, ByLevel: make([]int, len(d.Levels))})
		}
		cr := &d.Rows[i]
		cr.ByLevel[j] += c.Students
		cr.Total += c.Students
		d.ByLevel[j] += c.Students
		d.Total += c.Students
		switch c.Gender {
		case idno.Male:
			cr.Male += c.Students
			d.Male += c.Students
		case idno.Female:
			cr.Female += c.Students
			d.Female += c.Students
		}
	}
	names := make([]string, len(d.Rows))
	for i, c := range d.Rows {
		names[i] = c.Name
	}
	series := make([]any, 0, len(d.Levels))
	for j, lc := range d.Levels {
		data := make([]int, len(d.Rows))
		for i, c := range d.Rows {
			data[i] = c.ByLevel[j]
		}
		series = append(series, map[string]any{"name": lc.Name, "type": "bar", "stack": "students",
			"emphasis": map[string]any{"focus": "series"}, "data": data})
	}
	d.Chart = map[string]any{
		"color":   palette,
		"aria":    map[string]any{"enabled": true},
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"type": "scroll", "top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "bottom": 8, "top": 40, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1, "name": i18n.Tr(l, "home.students_axis")},
		"series":  series,
	}
	return d
}
