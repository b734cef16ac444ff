package api

import (
	"net/http"

	"edubureau/area"
	"edubureau/fault"
)

// areaView is a division as the API shows it: the level by name, and the
// kind the code's digits give (district, county, zone, city; subdistrict,
// town, township).
type areaView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Kind   string `json:"kind,omitempty"`
	Parent string `json:"parent,omitempty"`
}

var levelNames = map[area.Level]string{area.Province: "province", area.City: "city", area.County: "county", area.Township: "township"}

func viewArea(a area.Area) areaView {
	v := areaView{Code: a.Code, Name: a.Name, Level: levelNames[a.Level], Parent: a.Parent}
	switch a.Level {
	case area.County:
		v.Kind = area.CountyKind(a.Code)
	case area.Township:
		v.Kind = area.TownshipKind(a.Code)
	}
	return v
}

func (a *API) outsideJurisdiction(code string) error {
	return fault.New(fault.NotFound, "本辖区没有行政区划 %s", "no area %s in this jurisdiction", code)
}

// listAreas is GET /api/v1/areas: the jurisdiction's counties by default,
// the children of ?parent=, or every area of ?level= in the jurisdiction.
func (a *API) listAreas(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, "parent", "level")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	var level area.Level
	switch l := q.get("level"); l {
	case "":
	case "county":
		level = area.County
	case "township":
		level = area.Township
	default:
		q.bad.Add("level", "层级 %q 无效，应为 county 或 township", "level %q is not valid; use county or township", l)
	}
	parent := q.get("parent")
	if parent != "" {
		n, ok := area.Normalize(parent)
		if !ok {
			q.bad.Add("parent", "行政区划代码 %q 格式不正确（应为 2、4、6 或 9 位数字）", "area code %q is malformed (2, 4, 6 or 9 digits)", parent)
		}
		parent = n
	}
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	ctx, j := r.Context(), a.d.Jurisdiction.Code
	var found []area.Area
	switch {
	case parent != "":
		if !area.Contains(j, parent) {
			a.Fail(w, r, a.outsideJurisdiction(q.get("parent")))
			return
		}
		p, err := area.Get(ctx, a.d.DB, parent)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		if found, err = area.List(ctx, a.d.DB, p.Code, 0); err != nil {
			a.Fail(w, r, err)
			return
		}
	default:
		if level == 0 {
			level = area.County
		}
		all, err := area.List(ctx, a.d.DB, "", level)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		for _, x := range all {
			if area.Contains(j, x.Code) {
				found = append(found, x)
			}
		}
	}
	items := []areaView{}
	for _, x := range found {
		if level == 0 || x.Level == level {
			items = append(items, viewArea(x))
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, listOf(items))
}

// getArea is GET /api/v1/areas/{code}.
func (a *API) getArea(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	n, ok := area.Normalize(code)
	if !ok {
		var v fault.Validation
		v.Add("code", "行政区划代码 %q 格式不正确（应为 2、4、6 或 9 位数字）", "area code %q is malformed (2, 4, 6 or 9 digits)", code)
		a.Fail(w, r, v.Err())
		return
	}
	if !area.Contains(a.d.Jurisdiction.Code, n) {
		a.Fail(w, r, a.outsideJurisdiction(code))
		return
	}
	found, err := area.Get(r.Context(), a.d.DB, n)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, viewArea(found))
}
