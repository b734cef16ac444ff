package web

// The public portal, for people outside the bureau (no sign-in):
//
//   - /portal/case: an applicant follows a case with its number and the
//     access code given at submission (casework.Engine.Follow).
//   - /portal/disclosure: the request form for government information
//     (GIDR Art. 29), which opens an info_disclosure case received today and
//     shows its number and access code once.
//
// What the applicant sees of a case: its type, subject, state, the day it
// was received, the last day of the period running now (marked provisional,
// extended or stopped as the case says), the day it closed, and each step's
// day and name with the state it led to — plus, for a notice to supplement,
// what to supplement, and for a reply or decision, its outcome. Never shown:
// who handled a step (staff names), the reasons and notes written with the
// steps, the other fields, the documents, the handler, the applicant's
// contact, late or escalated marks, and the escalation steps themselves.
//
// Both forms are rate-limited per client address (auth.Limiter, in memory);
// past the limit they answer 429 with Retry-After. A wrong number and a wrong
// code get the same answer (the engine makes them look alike). Failed
// lookups are logged (address and request id, never the code) but not
// written to the audit log: an anonymous visitor could otherwise fill the
// log at will, and the limiter already bounds guessing. A request submitted
// through the form is audited by the engine, as every opening is, with the
// visitor's address.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/scope"
)

// Per client address and minute: lookups of a case, and requests submitted.
var (
	PortalFollowPerMinute  = 10
	PortalRequestPerMinute = 5
)

func init() {
	addFeature(feature{
		pages: []string{"portal_case", "portal_disclosure"},
		routes: func(ui *UI) []httpx.Route {
			p := &portal{ui: ui, follow: auth.NewLimiter(), request: auth.NewLimiter()}
			return []httpx.Route{
				{Method: "GET", Pattern: "/portal/case", Access: httpx.Public, Handler: p.caseForm},
				{Method: "POST", Pattern: "/portal/case", Access: httpx.Public, Handler: p.followCase},
				{Method: "GET", Pattern: "/portal/disclosure", Access: httpx.Public, Handler: p.disclosureForm},
				{Method: "POST", Pattern: "/portal/disclosure", Access: httpx.Public, Handler: p.submitDisclosure},
			}
		},
	})
}

// portal holds the public pages' limiters (one set per mounted UI).
type portal struct {
	ui              *UI
	follow, request *auth.Limiter
}

// allow spends one attempt of the client's address on lim; when none is
// left it sets Retry-After and returns the message to show.
func (p *portal) allow(w http.ResponseWriter, r *http.Request, lim *auth.Limiter, perMinute int) (string, bool) {
	ok, wait := lim.Allow(httpx.ClientIP(r), p.ui.now(), perMinute)
	if ok {
		return "", true
	}
	secs := int(max(wait.Round(time.Second), time.Second) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httpx.Logger(r.Context()).Warn("portal rate limit", "path", r.URL.Path, "ip", httpx.ClientIP(r))
	return i18n.Trf(i18n.FromRequest(r), "portal.too_many", secs), false
}

// ---- following a case ----

type portalCaseData struct {
	Number string // as typed (the code is never echoed)
	Error  string
	Case   *portalCase
}

type portalCase struct {
	Number, Type, Subject, State string
	Received, Due, Closed        string
	DueProvisional, Extended     bool
	StoppedSince                 string
	Steps                        []portalStep
}

type portalStep struct {
	On, Name, State, Note string
}

func (p *portal) showCase(w http.ResponseWriter, r *http.Request, status int, d *portalCaseData) {
	l := i18n.FromRequest(r)
	p.ui.render(w, r, status, "portal_case", p.ui.newPage(r, i18n.Tr(l, "portal.case.title"), d))
}

// caseForm is GET /portal/case.
func (p *portal) caseForm(w http.ResponseWriter, r *http.Request) {
	p.showCase(w, r, http.StatusOK, &portalCaseData{Number: strings.TrimSpace(r.URL.Query().Get("number"))})
}

// followCase is POST /portal/case: number and code.
func (p *portal) followCase(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	l := i18n.FromRequest(r)
	d := &portalCaseData{Number: strings.TrimSpace(r.PostForm.Get("number"))}
	if len(d.Number) > 100 {
		d.Number = ""
	}
	if msg, ok := p.allow(w, r, p.follow, PortalFollowPerMinute); !ok {
		d.Error = msg
		p.showCase(w, r, http.StatusTooManyRequests, d)
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if d.Number == "" || code == "" || len(code) > 64 {
		d.Error = i18n.Tr(l, "portal.case.both")
		p.showCase(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if p.ui.d.Cases == nil {
		p.ui.Fail(w, r, fault.New(fault.Unavailable, "案件查询暂不可用", "case lookup is not available"))
		return
	}
	c, events, err := p.ui.d.Cases.Follow(r.Context(), d.Number, code)
	if fault.KindOf(err) == fault.NotFound {
		httpx.Logger(r.Context()).Info("portal: case lookup failed", "ip", httpx.ClientIP(r))
		d.Error = fault.As(err).Msg.In(l)
		p.showCase(w, r, http.StatusNotFound, d)
		return
	}
	if err != nil {
		p.ui.Fail(w, r, err)
		return
	}
	d.Case = p.publicView(l, c, events)
	p.showCase(w, r, http.StatusOK, d)
}

// publicView is what the applicant may see of c (see the file comment).
func (p *portal) publicView(l i18n.Lang, c casework.Case, events []casework.Event) *portalCase {
	out := &portalCase{Number: c.Number, Type: c.Type, State: c.State, Subject: c.Subject, Received: c.ReceivedOn.String(),
		DueProvisional: c.DueProvisional, Extended: c.Extended}
	if !c.DueOn.IsZero() {
		out.Due = c.DueOn.String()
	}
	if !c.StoppedSince.IsZero() {
		out.StoppedSince = c.StoppedSince.String()
	}
	if c.Closed() {
		out.Closed = c.ClosedOn.String()
	}
	t, ok := p.ui.d.Cases.Type(c.Type)
	if !ok {
		return out
	}
	out.Type = t.Name.In(l)
	stateName := func(code string) string {
		if s, ok := t.State(code); ok {
			return s.Name.In(l)
		}
		return code
	}
	out.State = stateName(c.State)
	for _, ev := range events {
		st := portalStep{On: ev.On.String(), State: stateName(ev.ToState)}
		if ev.Transition == casework.OpenStep {
			st.Name = i18n.Tr(l, "portal.case.opened")
		} else {
			tr, ok := t.Transition(ev.Transition)
			if !ok || tr.Escalate {
				continue // internal to the bureau
			}
			st.Name = tr.Name.In(l)
		}
		if items := ev.Fields["items"]; items != "" {
			st.Note = i18n.Trf(l, "portal.case.items", items)
		}
		if o := ev.Fields["outcome"]; o != "" {
			st.Note = i18n.Trf(l, "portal.case.outcome", outcomeName(l, o))
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}

// outcomeName names the outcome of a reply or a decision.
func outcomeName(l i18n.Lang, code string) string {
	if i18n.Has("portal.outcome." + code) {
		return i18n.Tr(l, "portal.outcome."+code)
	}
	return code
}

// ---- requesting government information ----

// disclosureFields are the request form's inputs, in the order shown; the
// first three are the case engine's own names.
var disclosureFields = []string{"applicant_name", "applicant_contact", "applicant_type", "subject", "delivery"}

// deliveryWays are how the applicant may receive the information (GIDR Art. 29).
var deliveryWays = []string{"mail", "email", "in_person", "fax"}

type portalDisclosureData struct {
	Values     map[string]string
	Errors     map[string][]string
	Message    string
	Deliveries []option
	Applicants []option
	MaxSubject int
	// Filled once the request is registered.
	Number, Code, Received, Due string
	DueProvisional              bool
}

func (p *portal) showDisclosure(w http.ResponseWriter, r *http.Request, status int, d *portalDisclosureData) {
	l := i18n.FromRequest(r)
	d.MaxSubject = 500
	d.Deliveries, d.Applicants = nil, nil
	for _, a := range casework.ApplicantTypes {
		d.Applicants = append(d.Applicants, option{Value: a, Label: choiceLabel(l, "applicant_type", a), Selected: d.Values["applicant_type"] == a})
	}
	for _, way := range deliveryWays {
		d.Deliveries = append(d.Deliveries, option{Value: way, Label: i18n.Tr(l, "portal.delivery."+way), Selected: d.Values["delivery"] == way})
	}
	p.ui.render(w, r, status, "portal_disclosure", p.ui.newPage(r, i18n.Tr(l, "portal.disclosure.title"), d))
}

// disclosureForm is GET /portal/disclosure.
func (p *portal) disclosureForm(w http.ResponseWriter, r *http.Request) {
	p.showDisclosure(w, r, http.StatusOK, &portalDisclosureData{Values: map[string]string{}, Errors: map[string][]string{}})
}

// submitDisclosure is POST /portal/disclosure.
func (p *portal) submitDisclosure(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	l := i18n.FromRequest(r)
	d := &portalDisclosureData{Values: map[string]string{}, Errors: map[string][]string{}}
	for _, f := range disclosureFields {
		d.Values[f] = strings.TrimSpace(r.PostForm.Get(f))
	}
	if msg, ok := p.allow(w, r, p.request, PortalRequestPerMinute); !ok {
		d.Message = msg
		p.showDisclosure(w, r, http.StatusTooManyRequests, d)
		return
	}
	e := p.ui.d.Cases
	if e == nil {
		p.ui.Fail(w, r, fault.New(fault.Unavailable, "在线申请暂不可用", "online requests are not available"))
		return
	}
	t, ok := e.Type(casework.InfoDisclosure)
	if !ok {
		p.ui.Fail(w, r, fault.New(fault.Unavailable, "在线申请暂不可用", "online requests are not available"))
		return
	}
	// What the engine does not require of a staff member, the public form does.
	var v fault.Validation
	if d.Values["applicant_name"] == "" {
		v.Add("applicant_name", "请填写申请人姓名或名称", "your name (or your organisation's) is required")
	}
	if d.Values["applicant_contact"] == "" {
		v.Add("applicant_contact", "请填写联系方式（电话、地址或电子邮箱）", "a way to reach you is required (phone, address or e-mail)")
	}
	if !portalHas(deliveryWays, d.Values["delivery"]) {
		v.Add("delivery", "请选择获取信息的方式", "choose how to receive the information")
	}
	if !portalHas(casework.ApplicantTypes, d.Values["applicant_type"]) {
		v.Add("applicant_type", "请选择申请人类型（自然人、法人或其他组织）", "say who is asking (a person, a business or another organisation)")
	}
	county, _ := area.Normalize(p.ui.d.Jurisdiction.Code)
	in := casework.OpenInput{ApplicantName: d.Values["applicant_name"], Subject: d.Values["subject"], CountyCode: county,
		// The engine keeps no field for the way of delivery: it goes with the contact.
		ApplicantContact: d.Values["applicant_contact"], Reason: "公众通过门户网站提交 (submitted on the public portal)",
		Fields: map[string]string{"applicant_type": d.Values["applicant_type"]}}
	if way := d.Values["delivery"]; portalHas(deliveryWays, way) {
		in.ApplicantContact = deliveryLabel[way] + "：" + in.ApplicantContact
	}
	if v.Err() != nil {
		// The engine would check the subject; say it now too, so that every problem shows at once.
		if d.Values["subject"] == "" {
			v.Add("subject", "请描述所需政府信息", "describe the information you are asking for")
		}
		p.refuseDisclosure(w, r, l, d, v.Err())
		return
	}
	visitor := casework.Actor{
		Actor: audit.Actor{Username: "portal", IP: httpx.ClientIP(r), RequestID: httpx.RequestID(r.Context()), Reason: "公众在线申请"},
		Can:   func(perm string) bool { return perm == t.OpenPermission },
		Scope: scope.Everything,
	}
	c, err := e.Open(r.Context(), casework.InfoDisclosure, in, visitor)
	if err != nil {
		p.refuseDisclosure(w, r, l, d, err)
		return
	}
	d.Number, d.Code, d.Received = c.Number, c.AccessCode, c.ReceivedOn.String()
	if !c.DueOn.IsZero() {
		d.Due, d.DueProvisional = c.DueOn.String(), c.DueProvisional
	}
	p.showDisclosure(w, r, http.StatusCreated, d)
}

// deliveryLabel is how a way of delivery is written beside the contact.
// (in Chinese: it is for the bureau's staff).
var deliveryLabel = map[string]string{"mail": "邮寄", "email": "电子邮件", "in_person": "当面领取", "fax": "传真"}

// refuseDisclosure shows the form again with err's problems beside their fields.
func (p *portal) refuseDisclosure(w http.ResponseWriter, r *http.Request, l i18n.Lang, d *portalDisclosureData, err error) {
	fe := fault.As(err)
	if fe.Kind == fault.Internal || fe.Kind == fault.Unavailable {
		p.ui.Fail(w, r, err)
		return
	}
	d.Message = fe.Msg.In(l)
	for _, f := range fe.Fields {
		if portalHas(disclosureFields, f.Field) {
			d.Errors[f.Field] = append(d.Errors[f.Field], f.Msg.In(l))
		} else {
			d.Message += " " + fieldProblem(l, f)
		}
	}
	p.showDisclosure(w, r, httpx.Status(fe.Kind), d)
}

func portalHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
