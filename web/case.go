package web

// The case page (fields, deadline, history, documents and a form for each
// step the user may take now), the step itself, the document download, and
// the form that opens a case.

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

// fieldView is one labelled value of a case or a step.
type fieldView struct {
	Name, Label, Value string
}

// formField is one input of a step's or the opening form.
type formField struct {
	Name, Label, Value string
	Type               string // text | date | number | select | textarea
	Options            []option
	Required           bool
	Errors             []string
}

// docInput is one file input of a form: a document kind to upload.
type docInput struct {
	Kind, Label string
	Required    bool
	Have        bool // the case holds one already, so the step may go without
}

// stepForm is the form of one transition.
type stepForm struct {
	Code, Name, Action string
	To                 string
	NeedReason         bool
	Reason, On         string
	Fields             []formField
	Docs               []docInput
	Message            string   // why the last attempt was refused
	Other              []string // its problems not beside a field
	ReasonErrors       []string
	OnErrors           []string
	DocErrors          []string
	Open               bool // shown unfolded (the one that failed)
}

type historyRow struct {
	Seq            int
	Step, From, To string
	On, At, By     string
	Reason, Due    string
	Fields         []fieldView
}

type documentRow struct {
	Href, Name, Kind, SHA256, AddedBy, AddedAt string
	Size                                       int64
}

type caseData struct {
	caseRow
	Version   int
	Handler   string
	Contact   string
	School    string
	County    string
	Section   string
	ClosedOn  string
	Basis     string
	Fields    []fieldView
	History   []historyRow
	Documents []documentRow
	Steps     []stepForm
	CanEdit   bool
	Today     string
	Links     []linkView
	Register  string // the register's page of the case (a lawsuit), "" when none
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.NotFound, "没有这个案件", "no such case")
	}
	return id, nil
}

// caseDetail is GET /cases/{id}.
func (ui *UI) caseDetail(w http.ResponseWriter, r *http.Request) {
	ui.showCase(w, r, http.StatusOK, nil)
}

// showCase renders the case page; failed, when set, is the step form that
// was refused, with its values and problems.
func (ui *UI) showCase(w http.ResponseWriter, r *http.Request, status int, failed *stepForm) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	c, err := e.Get(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	t, ok := e.Type(c.Type)
	if !ok {
		ui.Fail(w, r, fault.New(fault.Internal, "案件类型 %q 未定义", "case type %q is not defined", c.Type))
		return
	}
	events, err := e.History(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	docs, err := e.Documents(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	links, err := e.Links(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &caseData{caseRow: ui.caseRowOf(l, e, c), Version: c.Version, Handler: c.Handler, Contact: c.ApplicantContact,
		School: c.SchoolCode, County: c.CountyCode, CanEdit: u.Can(auth.CaseEdit), Today: e.Today().String()}
	if s, ok := auth.Section(c.Section); ok {
		d.Section = s.Name.In(l)
	} else {
		d.Section = c.Section
	}
	if a, ok := area.Lookup(c.CountyCode); ok {
		d.County = a.Name + " " + c.CountyCode
	}
	if c.Closed() {
		d.ClosedOn = c.ClosedOn.String()
	}
	if c.Type == casework.Litigation {
		d.Register = "/litigation/" + strconv.FormatInt(c.ID, 10)
	}
	d.Links = linkViews(l, e, links)
	if rule, ok := t.Rule(c.Clock); ok {
		d.Basis = rule.Basis.In(l)
	}
	// The owner section of an assigned task is also the case's section, shown
	// above: listing it again among the fields would say it twice.
	for _, f := range fieldViews(l, t, c.Fields) {
		if f.Name != "section" {
			d.Fields = append(d.Fields, f)
		}
	}
	d.History = historyRows(l, t, events)
	have := map[string]bool{}
	for _, doc := range docs {
		have[doc.Kind] = true
		kind := doc.Kind
		if k, ok := t.DocKind(doc.Kind); ok {
			kind = k.Name.In(l)
		}
		d.Documents = append(d.Documents, documentRow{Href: "/cases/" + strconv.FormatInt(c.ID, 10) + "/documents/" + strconv.FormatInt(doc.ID, 10),
			Name: doc.Name, Kind: kind, SHA256: doc.SHA256, Size: doc.Size, AddedBy: doc.AddedBy, AddedAt: formatDateTime(doc.AddedAt)})
	}
	if !c.Closed() {
		for _, tr := range t.Available(c.State) {
			if !u.Can(tr.Permission) {
				continue
			}
			var f stepForm
			if failed != nil && failed.Code == tr.Code {
				f = *failed
			} else {
				f = stepForm{Code: tr.Code, On: d.Today}
			}
			ui.fillStep(l, t, tr, &f, have, c.ID)
			d.Steps = append(d.Steps, f)
		}
	}
	ui.render(w, r, status, "case", ui.newPage(r, c.Number, d))
}

// fillStep completes a step form from its definition: its name, action, the
// inputs of its fields (with any values typed) and documents.
func (ui *UI) fillStep(l i18n.Lang, t *casework.Type, tr *casework.Transition, f *stepForm, have map[string]bool, caseID int64) {
	f.Name, f.NeedReason = tr.Name.In(l), tr.NeedReason
	f.Action = "/cases/" + strconv.FormatInt(caseID, 10) + "/steps/" + tr.Code
	if st, ok := t.State(tr.To); ok {
		f.To = st.Name.In(l)
	}
	names := append(slices.Clone(tr.Fields), tr.Optional...)
	if tr.ExtensionField != "" && !slices.Contains(names, tr.ExtensionField) {
		names = append(names, tr.ExtensionField)
	}
	old := map[string]formField{}
	for _, x := range f.Fields {
		old[x.Name] = x
	}
	f.Fields = nil
	for _, name := range names {
		fd, ok := t.Field(name)
		if !ok {
			continue
		}
		ff := inputOf(l, fd, slices.Contains(tr.Fields, name))
		ff.Value, ff.Errors = old[name].Value, old[name].Errors
		ff.Options = choiceOptions(l, fd, ff.Value)
		f.Fields = append(f.Fields, ff)
	}
	f.Docs = nil
	for _, kind := range tr.Documents {
		if k, ok := t.DocKind(kind); ok {
			f.Docs = append(f.Docs, docInput{Kind: kind, Label: k.Name.In(l), Required: !have[kind], Have: have[kind]})
		}
	}
}

// inputOf is the input for a field of a case type.
func inputOf(l i18n.Lang, fd *casework.Field, required bool) formField {
	ff := formField{Name: fd.Name, Label: fd.Label.In(l), Required: required, Type: "text"}
	switch {
	case len(fd.Choices) > 0:
		ff.Type = "select"
	case fd.Kind == casework.DateField:
		ff.Type = "date"
	case fd.Kind == casework.Number:
		ff.Type = "number"
	case slices.Contains([]string{"items", "progress", "result", "reply_summary", "claims", "issues", "details", "measures"}, fd.Name):
		ff.Type = "textarea"
	}
	return ff
}

func choiceOptions(l i18n.Lang, fd *casework.Field, sel string) []option {
	var out []option
	for _, c := range fd.Choices {
		out = append(out, option{Value: c, Label: choiceLabel(l, fd.Name, c), Selected: c == sel})
	}
	return out
}

// choiceLabel names a field's choice: a section by its name, others from the
// catalogue when it has them.
func choiceLabel(l i18n.Lang, field, v string) string {
	if field == "owner_section" {
		if s, ok := auth.Section(v); ok {
			return s.Name.In(l)
		}
	}
	if k := "cases.choice." + field + "." + v; i18n.Has(k) {
		return i18n.Tr(l, k)
	}
	if i18n.Has("cases.choice." + v) {
		return i18n.Tr(l, "cases.choice."+v)
	}
	return v
}

// fieldViews lists a case's or a step's values in the order its type defines them.
func fieldViews(l i18n.Lang, t *casework.Type, values map[string]string) []fieldView {
	var out []fieldView
	for _, fd := range t.Fields {
		v, ok := values[fd.Name]
		if !ok || v == "" {
			continue
		}
		if len(fd.Choices) > 0 {
			v = choiceLabel(l, fd.Name, v)
		}
		out = append(out, fieldView{Name: fd.Name, Label: fd.Label.In(l), Value: v})
	}
	return out
}

// maxCaseForm is what a case form may hold in memory; the rest goes to
// temporary files. The server's body limit and the engine's document limit
// bound the whole.
const maxCaseForm = 4 << 20

// parseCaseForm reads a multipart form, or an ordinary one.
func parseCaseForm(r *http.Request) error {
	err := r.ParseMultipartForm(maxCaseForm)
	if errors.Is(err, http.ErrNotMultipart) {
		return r.ParseForm()
	}
	return err
}

// upload reads the file of form field name as a document of kind, if one was sent.
func upload(r *http.Request, name, kind string) (*casework.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	file, hdr, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, httpx.BodyError(err)
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, httpx.BodyError(err)
	}
	if hdr.Filename == "" && len(b) == 0 {
		return nil, nil
	}
	return &casework.Upload{Kind: kind, Name: path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/")), Content: b}, nil
}

// takeStep is POST /cases/{id}/steps/{transition}: the step with its fields,
// reason, date and documents. Refused, the case page comes back with the
// problems beside the step's form, and nothing has changed.
func (ui *UI) takeStep(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if err := parseCaseForm(r); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	c, err := e.Get(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	t, _ := e.Type(c.Type)
	code := r.PathValue("transition")
	tr, ok := t.Transition(code)
	if !ok {
		ui.Fail(w, r, fault.New(fault.NotFound, "没有“%s”这一步", "there is no step %q", code))
		return
	}
	form := stepForm{Code: tr.Code, Reason: strings.TrimSpace(r.PostForm.Get("reason")), On: strings.TrimSpace(r.PostForm.Get("on")), Open: true}
	in := casework.Input{Reason: form.Reason, Fields: map[string]string{}}
	var v fault.Validation
	if s := r.PostForm.Get("version"); s != "" {
		if in.IfVersion, err = strconv.Atoi(s); err != nil {
			v.Add("version", "版本 %q 无效", "version %q is not valid", s)
		}
	}
	if form.On != "" {
		if in.On, err = calendar.ParseDate(form.On); err != nil {
			v.AddText("on", fault.As(err).Msg)
		}
	}
	for _, name := range append(append(slices.Clone(tr.Fields), tr.Optional...), tr.ExtensionField) {
		if _, ok := t.Field(name); ok && name != "" {
			val := strings.TrimSpace(r.PostForm.Get(name))
			form.Fields = append(form.Fields, formField{Name: name, Value: val})
			if val != "" {
				in.Fields[name] = val
			}
		}
	}
	for _, kind := range tr.Documents {
		up, err := upload(r, "doc_"+kind, kind)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		if up != nil {
			in.Documents = append(in.Documents, *up)
		}
	}
	err = v.Err()
	if err == nil {
		_, err = e.Take(ctx, id, tr.Code, in, casework.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(ctx)))
	}
	if err != nil {
		fe := fault.As(err)
		switch fe.Kind {
		case fault.Invalid, fault.Conflict, fault.Precondition, fault.Forbidden:
		default:
			ui.Fail(w, r, err)
			return
		}
		form.Message = fe.Msg.In(l)
		byName := map[string]*formField{}
		for i := range form.Fields {
			byName[form.Fields[i].Name] = &form.Fields[i]
		}
		for _, x := range fe.Fields {
			msg := x.Msg.In(l)
			switch {
			case byName[x.Field] != nil:
				byName[x.Field].Errors = append(byName[x.Field].Errors, msg)
			case x.Field == "reason":
				form.ReasonErrors = append(form.ReasonErrors, msg)
			case x.Field == "on":
				form.OnErrors = append(form.OnErrors, msg)
			case strings.HasPrefix(x.Field, "documents"):
				form.DocErrors = append(form.DocErrors, msg)
			default:
				form.Other = append(form.Other, fieldProblem(l, x))
			}
		}
		ui.showCase(w, r, httpx.Status(fe.Kind), &form)
		return
	}
	ui.setFlash(w, "flash.case_step_taken")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// caseDocument is GET /cases/{id}/documents/{doc}: the file as uploaded,
// checked against its checksum, always as a download.
func (ui *UI) caseDocument(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	docID, err := strconv.ParseInt(r.PathValue("doc"), 10, 64)
	if err != nil {
		ui.Fail(w, r, fault.New(fault.NotFound, "没有这份文书", "no such document"))
		return
	}
	doc, content, err := e.Content(r.Context(), u.Scope(), id, docID)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ext := strings.ToLower(path.Ext(doc.Name))
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	setDownloadHeaders(w, ctype, doc.Name, "document-"+strconv.FormatInt(doc.ID, 10)+asciiExt(ext))
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("X-Checksum-SHA256", doc.SHA256)
	w.Write(content)
}

// asciiExt keeps an extension for the ASCII file name when it is plain.
func asciiExt(ext string) string {
	for _, r := range ext {
		if !(r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return ext
}

// newCaseData is the opening form (a type chosen) or the choice of type, or
// the opened case with its access code.
type newCaseData struct {
	Types    []option // the types the user may open
	Type     string
	TypeName string
	Fields   []formField // applicant, subject, area, received date, the type's opening fields
	DocKinds []option
	Message  string
	Other    []string
	DocError []string
	// Opened: the number and the access code, shown once.
	Opened     bool
	Number     string
	AccessCode string
	Href       string
}

// newCase is GET /cases/new?type=…: choose a type, then fill its form.
func (ui *UI) newCase(w http.ResponseWriter, r *http.Request) {
	ui.showNewCase(w, r, http.StatusOK, r.URL.Query().Get("type"), nil, nil)
}

// caseOpenFields are the opening form's own inputs, before the type's fields.
var caseOpenFields = []string{"applicant_name", "applicant_contact", "subject", "county_code", "school_code", "received_on", "reason"}

func (ui *UI) showNewCase(w http.ResponseWriter, r *http.Request, status int, typeCode string, values map[string]string, failure error) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	d := &newCaseData{Type: typeCode}
	for _, t := range e.Types() {
		if u.Can(t.OpenPermission) {
			d.Types = append(d.Types, option{Value: t.Code, Label: t.Name.In(l), Selected: t.Code == typeCode})
		}
	}
	t, ok := e.Type(typeCode)
	if typeCode != "" && (!ok || !u.Can(t.OpenPermission)) {
		ui.Fail(w, r, fault.New(fault.NotFound, "没有案件类型 %q", "there is no case type %q", typeCode))
		return
	}
	title := i18n.Tr(l, "cases.new.title")
	if ok {
		d.TypeName = t.Name.In(l)
		title = i18n.Trf(l, "cases.new.title_type", d.TypeName)
		counties, err := ui.counties(r.Context())
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		if values == nil {
			values = map[string]string{"received_on": e.Today().String()}
			if sc := u.Scope(); len(sc.Areas) == 1 {
				values["county_code"] = sc.Areas[0]
			}
		}
		var countyOpts []option
		sc := u.Scope()
		for _, a := range counties {
			if sc.Reaches(a.Code, "") {
				countyOpts = append(countyOpts, option{Value: a.Code, Label: a.Name, Selected: a.Code == values["county_code"]})
			}
		}
		if sc.All { // a case may belong to the city itself
			j := ui.d.Jurisdiction
			countyOpts = append([]option{{Value: j.Code, Label: j.Name, Selected: j.Code == values["county_code"]}}, countyOpts...)
		}
		add := func(name, typ string, required bool, opts []option) {
			d.Fields = append(d.Fields, formField{Name: name, Label: i18n.Tr(l, "cases.field."+name), Type: typ, Required: required,
				Value: values[name], Options: opts})
		}
		add("applicant_name", "text", false, nil)
		add("applicant_contact", "text", false, nil)
		add("subject", "textarea", true, nil)
		add("county_code", "select", true, countyOpts)
		add("school_code", "text", false, nil)
		add("received_on", "date", true, nil)
		for _, name := range append(slices.Clone(t.OpenFields), t.OpenOptional...) {
			fd, _ := t.Field(name)
			ff := inputOf(l, fd, slices.Contains(t.OpenFields, name))
			ff.Value = values[name]
			ff.Options = choiceOptions(l, fd, ff.Value)
			d.Fields = append(d.Fields, ff)
		}
		add("reason", "textarea", false, nil)
		for _, k := range t.Documents {
			d.DocKinds = append(d.DocKinds, option{Value: k.Code, Label: k.Name.In(l), Selected: k.Code == values["doc_kind"]})
		}
	}
	if failure != nil {
		fe := fault.As(failure)
		d.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			i := slices.IndexFunc(d.Fields, func(f formField) bool { return f.Name == x.Field })
			switch {
			case i >= 0:
				d.Fields[i].Errors = append(d.Fields[i].Errors, x.Msg.In(l))
			case strings.HasPrefix(x.Field, "documents"):
				d.DocError = append(d.DocError, x.Msg.In(l))
			default:
				d.Other = append(d.Other, fieldProblem(l, x))
			}
		}
	}
	ui.render(w, r, status, "case_new", ui.newPage(r, title, d))
}

// openCase is POST /cases: a new case of the chosen type. The number and the
// applicant's access code are shown once, on the answer to this request.
func (ui *UI) openCase(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	if err := parseCaseForm(r); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	typeCode := strings.TrimSpace(r.PostForm.Get("type"))
	t, ok := e.Type(typeCode)
	if !ok {
		ui.showNewCase(w, r, http.StatusUnprocessableEntity, "", nil,
			fault.New(fault.Invalid, "请选择案件类型", "choose the type of case"))
		return
	}
	values := map[string]string{}
	for _, name := range append(slices.Clone(caseOpenFields), "doc_kind") {
		values[name] = strings.TrimSpace(r.PostForm.Get(name))
	}
	in := casework.OpenInput{ApplicantName: values["applicant_name"], ApplicantContact: values["applicant_contact"],
		Subject: values["subject"], SchoolCode: values["school_code"], CountyCode: values["county_code"],
		Reason: values["reason"], Fields: map[string]string{}}
	var v fault.Validation
	if s := values["received_on"]; s != "" {
		var err error
		if in.ReceivedOn, err = calendar.ParseDate(s); err != nil {
			v.AddText("received_on", fault.As(err).Msg)
		}
	}
	for _, name := range append(slices.Clone(t.OpenFields), t.OpenOptional...) {
		values[name] = strings.TrimSpace(r.PostForm.Get(name))
		if values[name] != "" {
			in.Fields[name] = values[name]
		}
	}
	if up, err := upload(r, "document", values["doc_kind"]); err != nil {
		ui.Fail(w, r, err)
		return
	} else if up != nil {
		in.Documents = append(in.Documents, *up)
	}
	err := v.Err()
	var c casework.Case
	if err == nil {
		c, err = e.Open(ctx, t.Code, in, casework.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(ctx)))
	}
	if err != nil {
		fe := fault.As(err)
		switch fe.Kind {
		case fault.Invalid, fault.Conflict, fault.Forbidden:
		default:
			ui.Fail(w, r, err)
			return
		}
		if fe.Kind == fault.Forbidden && len(fe.Fields) == 0 {
			fe = &fault.Error{Kind: fe.Kind, Msg: fe.Msg, Fields: []fault.FieldError{{Field: "county_code", Msg: fe.Msg}}}
		}
		ui.showNewCase(w, r, httpx.Status(fe.Kind), t.Code, values, fe)
		return
	}
	d := &newCaseData{Opened: true, Type: t.Code, TypeName: t.Name.In(l), Number: c.Number, AccessCode: c.AccessCode,
		Href: "/cases/" + strconv.FormatInt(c.ID, 10)}
	ui.render(w, r, http.StatusCreated, "case_new", ui.newPage(r, i18n.Trf(l, "cases.opened.title", c.Number), d))
}

// linkViews shows the cases linked to one: how (it names them, or they name
// it), their numbers, types and states.
func linkViews(l i18n.Lang, e *casework.Engine, links []casework.Linked) []linkView {
	var out []linkView
	for _, lk := range links {
		lv := linkView{Kind: i18n.Tr(l, "cases.link."+lk.Kind), Number: lk.Case.Number, Href: "/cases/" + strconv.FormatInt(lk.Case.ID, 10),
			Type: lk.Case.Type, State: lk.Case.State}
		if !lk.Outgoing {
			lv.Kind = i18n.Tr(l, "cases.linked_by."+lk.Kind)
		}
		if lt, ok := e.Type(lk.Case.Type); ok {
			lv.Type = lt.Name.In(l)
			if st, ok := lt.State(lk.Case.State); ok {
				lv.State = st.Name.In(l)
			}
		}
		out = append(out, lv)
	}
	return out
}

// historyRows shows a case's steps: what, from which state to which, when,
// by whom, why, with what, and the deadline after.
func historyRows(l i18n.Lang, t *casework.Type, events []casework.Event) []historyRow {
	stateName := func(code string) string {
		if st, ok := t.State(code); ok {
			return st.Name.In(l)
		}
		return code
	}
	var out []historyRow
	for _, ev := range events {
		h := historyRow{Seq: ev.Seq, From: stateName(ev.FromState), To: stateName(ev.ToState), On: ev.On.String(),
			At: formatDateTime(ev.At), By: ev.By, Reason: ev.Reason, Fields: fieldViews(l, t, ev.Fields)}
		if ev.FromState == "" {
			h.From = ""
		}
		if ev.Transition == casework.OpenStep {
			h.Step = i18n.Tr(l, "cases.step_open")
		} else if tr, ok := t.Transition(ev.Transition); ok {
			h.Step = tr.Name.In(l)
		} else {
			h.Step = ev.Transition
		}
		if !ev.DueOn.IsZero() {
			h.Due = ev.DueOn.String()
		}
		out = append(out, h)
	}
	return out
}
