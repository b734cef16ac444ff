package web

// Year-end promotion (学年升级) of a school or a county: the preview of what
// happens to every student (promoted, graduated, repeating, unchanged) with
// the totals, the run behind a confirmation, and the runs with their undo
// while the new year has not started.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/student"
)

// planPerPage is a page of the preview's table.
const planPerPage = 100

type planSchool struct {
	Code, Name                                string
	Promoted, Graduated, Repeating, Unchanged int
}

type promotionData struct {
	County, School    string
	Counties, Schools []option
	NoSchools         bool
	Preview           bool
	Plan              student.Plan
	Items             []student.PlanItem
	BySchool          []planSchool
	TargetName        string
	Runs              []student.PromotionRun
	Today             string
	CanEdit           bool
	Message           string
	Errors            []string
	UndoID            int64
	UndoErrors        []string
	UndoReason        string
	pager
}

func (d *promotionData) target() student.PromotionTarget {
	if d.School != "" {
		return student.PromotionTarget{School: d.School}
	}
	return student.PromotionTarget{County: d.County}
}

func (d *promotionData) url(page int) string {
	v := url.Values{}
	if d.County != "" {
		v.Set("county", d.County)
	}
	if d.School != "" {
		v.Set("school", d.School)
	}
	v.Set("preview", "1")
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/promotion?" + v.Encode()
}

// promotionPage is GET /promotion (?school= or ?county=, preview=1 for the plan).
func (ui *UI) promotionPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &promotionData{County: strings.TrimSpace(q.Get("county")), School: strings.TrimSpace(q.Get("school")), Preview: q.Get("preview") != ""}
	ui.showPromotion(w, r, u, http.StatusOK, d, q.Get("page"))
}

func (ui *UI) showPromotion(w http.ResponseWriter, r *http.Request, u auth.User, status int, d *promotionData, pageParam string) {
	ctx, l, sc, reg := r.Context(), i18n.FromRequest(r), u.Scope(), ui.d.Students
	d.CanEdit = u.Can(auth.StudentEdit)
	d.Today = ui.now().In(shanghai).Format("2006-01-02")
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if d.County == "" && !sc.All && len(sc.Areas) == 1 && len(sc.Areas[0]) == 6 {
		d.County = sc.Areas[0]
	}
	d.Counties = areaOptions(counties, d.County)
	schools, listed, err := ui.schoolsIn(ctx, sc, d.County)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.NoSchools = !listed
	if listed && len(schools) == 1 && d.School == "" {
		d.School = schools[0].Code
	}
	d.Schools = schoolOptions(schools, d.School, true)
	if d.Preview && d.School == "" && d.County == "" {
		d.Errors = append(d.Errors, i18n.Tr(l, "promotion.choose"))
		d.Preview = false
		status = http.StatusBadRequest
	}
	if d.Preview {
		plan, err := reg.PreviewPromotion(ctx, sc, d.target())
		if err != nil {
			switch fault.KindOf(err) {
			case fault.Invalid, fault.Conflict:
				d.Preview, status = false, httpx.Status(fault.KindOf(err))
				shown := *fault.As(err)
				shown.Kind = fault.Invalid // a conflict is as much the user's to read
				d.Errors, _ = listProblems(l, &shown)
			default:
				ui.Fail(w, r, err)
				return
			}
		} else {
			d.Plan = plan
			by := map[string]*planSchool{}
			for _, it := range plan.Items {
				ps := by[it.School]
				if ps == nil {
					ps = &planSchool{Code: it.School, Name: it.SchoolName}
					by[it.School] = ps
				}
				switch it.Action {
				case student.ActionPromote:
					ps.Promoted++
				case student.ActionGraduate:
					ps.Graduated++
				case student.ActionRepeat:
					ps.Repeating++
				default:
					ps.Unchanged++
				}
			}
			for _, code := range plan.Schools {
				if ps := by[code]; ps != nil {
					d.BySchool = append(d.BySchool, *ps)
				}
			}
			var v fault.Validation
			page, _ := parsePage(&v, pageParam, "", 0)
			page = max(page, 1)
			from := min((page-1)*planPerPage, len(plan.Items))
			d.Items = plan.Items[from:min(from+planPerPage, len(plan.Items))]
			d.pager = newPager(page, planPerPage, len(plan.Items), d.url)
			d.TargetName = countyName(d.County)
			for _, s := range schools {
				if s.Code == d.School {
					d.TargetName = s.Name
				}
			}
		}
	}
	if d.Runs, err = reg.PromotionRuns(ctx, sc); err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.render(w, r, status, "promotion", ui.newPage(r, i18n.Tr(l, "promotion.title"), d))
}

// runPromotion is POST /promotion: the promotion of the school or county
// previewed, confirmed.
func (ui *UI) runPromotion(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	d := &promotionData{County: strings.TrimSpace(r.PostForm.Get("county")), School: strings.TrimSpace(r.PostForm.Get("school")), Preview: true}
	if r.PostForm.Get("confirm") == "" {
		d.Message = i18n.Tr(i18n.FromRequest(r), "promotion.confirm_needed")
		ui.showPromotion(w, r, u, http.StatusUnprocessableEntity, d, "")
		return
	}
	if d.School == "" && d.County == "" {
		ui.showPromotion(w, r, u, http.StatusUnprocessableEntity, d, "")
		return
	}
	if _, err := ui.d.Students.Promote(r.Context(), u.Scope(), d.target(), studentActor(r, u)); err != nil {
		if status, ok := studentRefusal(err); ok {
			d.Message = fault.As(err).Msg.In(i18n.FromRequest(r))
			ui.showPromotion(w, r, u, status, d, "")
		} else {
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, "flash.promoted")
	http.Redirect(w, r, "/promotion#runs", http.StatusSeeOther)
}

// undoPromotion is POST /promotion/runs/{id}/undo (with a reason).
func (ui *UI) undoPromotion(w http.ResponseWriter, r *http.Request) {
	u, _, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	// Out of scope is not found, whatever the form says.
	if _, err := ui.d.Students.PromotionRun(r.Context(), u.Scope(), id); err != nil {
		ui.Fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if _, err := ui.d.Students.UndoPromotion(r.Context(), u.Scope(), id, reason, studentActor(r, u)); err != nil {
		if status, ok := studentRefusal(err); ok {
			l := i18n.FromRequest(r)
			fe := fault.As(err)
			d := &promotionData{UndoID: id, UndoReason: reason}
			d.UndoErrors = append(d.UndoErrors, fe.Msg.In(l))
			for _, x := range fe.Fields {
				d.UndoErrors = append(d.UndoErrors, studentProblem(l, x))
			}
			ui.showPromotion(w, r, u, status, d, "")
		} else {
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, "flash.promotion_undone")
	http.Redirect(w, r, "/promotion#runs", http.StatusSeeOther)
}
