package casework

import (
	"context"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// RegistryHooks are the engine's hooks that carry a licensing decision to the
// school registry: set Engine.Hooks to them (server.New does).
func RegistryHooks(reg *school.Registry) map[string]Hook {
	hooks := map[string]Hook{SchoolLicence + "/approve": RegistryHook(reg), TrainingLicence + "/approve": TrainingRegistryHook(reg)}
	for k, h := range RenewalHooks(reg) {
		hooks[k] = h
	}
	return hooks
}

// RegistryHook applies an approved licensing application to the school
// registry in the approval's own transaction, so the case and the registry
// change together or not at all:
//
//	establish → a new school, status preparing (筹建): approval is the
//	            decision to set it up; it becomes active in the registry when
//	            it opens (the opening date given is kept as planned)
//	rename    → the new name from the approval date; the former name is kept
//	            with its dates
//	change    → the address, capacity or headmaster given
//	merge     → the absorbed schools closed on the approval date, the
//	            survivor named in their history
//	terminate → the school closed on the closing date (the approval date when
//	            none is given)
//
// The details come from the case's fields, given when it was opened or with
// the approval. A missing detail or anything the registry refuses (a taken
// identifier, a bad field) fails the hook, so the approval is undone; the
// registry's field problems come back under the case's field names.
func RegistryHook(reg *school.Registry) Hook {
	return func(ctx context.Context, tx db.Tx, c Case, ev Event) error {
		return applyLicence(ctx, tx, reg, c, ev)
	}
}

func applyLicence(ctx context.Context, tx db.Tx, reg *school.Registry, c Case, ev Event) error {
	f := c.Fields
	on := ev.On.String()
	reason := strings.TrimSpace(c.Number + " " + f["decision_no"])
	by := school.Actor{UserID: ev.ByID, Username: ev.By, Reason: i18n.T("准予许可 %s", "licence approved: %s", reason).ZH}
	// The change stays within the area the case belongs to.
	sc := scope.Area(c.CountyCode)
	var v fault.Validation
	need := func(name string) string {
		val := strings.TrimSpace(f[name])
		if val == "" {
			label := i18n.Text{ZH: name, EN: name}
			if fd, ok := licenceField(name); ok {
				label = fd.Label
			}
			v.AddText(name, text("准予%s须填写%s", "approving %s needs %s", matterName(f["matter"]), label))
		}
		return val
	}
	// The school a rename, change or termination is about is the case's.
	caseSchool := func() string {
		if c.SchoolCode == "" {
			v.AddText("school_code", text("准予%s须在案件上登记学校标识码", "approving %s needs the case's school identifier", matterName(f["matter"])))
		}
		return c.SchoolCode
	}
	fail := func(err error, codeField string) error { return registryError(err, codeField) }

	switch f["matter"] {
	case "establish":
		s := school.School{Code: need("new_code"), Name: need("new_name"), NameEN: f["new_name_en"],
			Type: school.Type(need("school_type")), Ownership: school.Ownership(need("ownership")),
			County: f["school_county"], Township: f["school_township"], Address: f["school_address"],
			Status: school.Preparing, OpenedOn: f["opened_on"], Headmaster: f["headmaster"]}
		if s.County == "" {
			// A case filed under a county: the school is in that county.
			if a, ok := area.Lookup(c.CountyCode); ok && a.Level == area.County {
				s.County = a.Code
			} else {
				need("school_county")
			}
		}
		if s.Ownership == school.Private {
			s.LicenceNo = f["licence_no"]
		}
		s.Capacity, _ = strconv.Atoi(f["capacity"])
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := reg.CreateTx(ctx, tx, sc, s, by); err != nil {
			return fail(err, "new_code")
		}
	case "rename":
		code, name := caseSchool(), need("new_name")
		if err := v.Err(); err != nil {
			return err
		}
		s, err := reg.GetTx(ctx, tx, sc, code)
		if err != nil {
			return fail(err, "school_code")
		}
		s.Name, s.NameEN = name, f["new_name_en"]
		if _, err := reg.UpdateTx(ctx, tx, sc, code, s, s.Version, on, by); err != nil {
			return fail(err, "school_code")
		}
	case "change":
		code := caseSchool()
		if f["school_address"] == "" && f["capacity"] == "" && f["headmaster"] == "" {
			v.Add("school_address", "准予变更须至少填写办学地址、规模或校长之一", "approving a change needs the new address, capacity or headmaster")
		}
		if err := v.Err(); err != nil {
			return err
		}
		s, err := reg.GetTx(ctx, tx, sc, code)
		if err != nil {
			return fail(err, "school_code")
		}
		if a := f["school_address"]; a != "" {
			s.Address = a
		}
		if n, err := strconv.Atoi(f["capacity"]); err == nil {
			s.Capacity = n
		}
		if h := f["headmaster"]; h != "" {
			s.Headmaster = h
		}
		if _, err := reg.UpdateTx(ctx, tx, sc, code, s, s.Version, on, by); err != nil {
			return fail(err, "school_code")
		}
	case "merge":
		survivor := strings.TrimSpace(f["surviving"])
		if survivor == "" {
			survivor = c.SchoolCode
		}
		if survivor == "" {
			need("surviving")
		}
		absorbed := codeList(need("absorbed"))
		for _, a := range absorbed {
			if a == survivor {
				v.Add("absorbed", "存续学校 %s 不能同时被合并", "the surviving school %s cannot also be absorbed", a)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		surv, err := reg.GetTx(ctx, tx, sc, survivor)
		if err != nil {
			return fail(err, "surviving")
		}
		if surv.Status == school.Closed {
			v.Add("surviving", "存续学校 %s 已撤销", "the surviving school %s is closed", survivor)
			return v.Err()
		}
		mby := by
		mby.Reason = i18n.T("并入 %s %s（%s）", "merged into %s %s (%s)", surv.Code, surv.Name, reason).ZH
		for _, code := range absorbed {
			if err := closeSchool(ctx, tx, reg, sc, code, on, mby); err != nil {
				return fail(err, "absorbed")
			}
		}
	case "terminate":
		code := caseSchool()
		closedOn := f["closed_on"]
		if closedOn == "" {
			closedOn = on
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := closeSchool(ctx, tx, reg, sc, code, closedOn, by); err != nil {
			return fail(err, "school_code")
		}
	default:
		// The matter is required when a case is opened; an unknown one is a bug.
		return fault.New(fault.Internal, "许可案件 %s 的审批事项 %q 未知", "licensing case %s has an unknown matter %q", c.Number, f["matter"])
	}
	return nil
}

// closeSchool closes a school on closedOn (a school already closed is refused:
// the decision would not change the registry).
func closeSchool(ctx context.Context, tx db.Tx, reg *school.Registry, sc scope.Scope, code, closedOn string, by school.Actor) error {
	s, err := reg.GetTx(ctx, tx, sc, code)
	if err != nil {
		return err
	}
	if s.Status == school.Closed {
		return fault.New(fault.Conflict, "学校 %s %s 已于 %s 撤销", "school %s %s was already closed on %s", s.Code, s.Name, s.ClosedOn)
	}
	s.Status, s.ClosedOn = school.Closed, closedOn
	_, err = reg.UpdateTx(ctx, tx, sc, code, s, s.Version, "", by)
	return err
}

// codeList splits identifiers separated by commas (either width), 、 or spaces.
func codeList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == ' ' || r == '\t' })
}

// registryFields maps the registry's field names to the case's.
var registryFields = map[string]string{"name": "new_name", "name_en": "new_name_en", "type": "school_type",
	"county": "school_county", "township": "school_township", "address": "school_address",
	"licence_expires_on": "new_expires_on", "licence_issued_on": "new_expires_on"}

// registryError passes the registry's refusal on with its field problems
// under the case's field names (the identifier under codeField).
func registryError(err error, codeField string) error {
	fe := fault.As(err)
	if fe.Kind == fault.Internal {
		return err
	}
	out := &fault.Error{Kind: fe.Kind, Msg: fe.Msg, Err: fe.Err}
	if len(fe.Fields) > 0 {
		out.Msg = i18n.T("学校名录未能按许可决定更新，请按提示修改", "the school registry refused the change this approval makes; please correct the fields shown")
	}
	for _, x := range fe.Fields {
		name := x.Field
		if name == "code" {
			name = codeField
		} else if n, ok := registryFields[name]; ok {
			name = n
		}
		out.Fields = append(out.Fields, fault.FieldError{Field: name, Msg: x.Msg})
	}
	if len(fe.Fields) == 0 {
		out.Fields = []fault.FieldError{{Field: codeField, Msg: fe.Msg}}
	}
	return out
}

func licenceField(name string) (*Field, bool) {
	t := schoolLicence()
	return t.Field(name)
}

func matterName(m string) i18n.Text {
	switch m {
	case "establish":
		return i18n.T("设立", "an establishment")
	case "change":
		return i18n.T("变更", "a change")
	case "rename":
		return i18n.T("更名", "a renaming")
	case "merge":
		return i18n.T("合并", "a merger")
	case "terminate":
		return i18n.T("终止", "a termination")
	}
	return i18n.Text{ZH: m, EN: m}
}
