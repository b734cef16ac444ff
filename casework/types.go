package casework

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/fault"
	"edubureau/i18n"
)

// Type is a kind of case defined as data: its states, the steps between them,
// who may take each step and what it needs, and the legal periods that run.
type Type struct {
	Code    string    // e.g. "info_disclosure"
	Name    i18n.Text // e.g. 政府信息公开申请
	Prefix  string    // the number's prefix, e.g. 衡教公; set per bureau
	Format  string    // the number's format; "" means DefaultFormat
	Section string    // the section that owns cases of this type (auth.Sections)

	OpenPermission string   // who may open a case (e.g. auth.CaseEdit)
	OpenFields     []string // fields required when a case is opened
	OpenOptional   []string // fields that may be given when a case is opened (forms offer them too)
	Fields         []Field  // every field a case of this type may carry
	Documents      []DocKind
	Rules          []Rule // the legal periods
	States         []State
	Transitions    []Transition
}

// DefaultFormat is the bureau's usual case number: 衡教许〔2026〕12号.
const DefaultFormat = "{prefix}〔{year}〕{n}号"

// Rule is a legal period: N working or calendar days from the event that
// starts it, perhaps extendable once.
type Rule struct {
	Code      string
	Name      i18n.Text
	N         int
	Unit      calendar.Unit
	Extension int       // the longest single extension, in Unit; 0: none
	Basis     i18n.Text // the article, e.g. 行政许可法第四十二条
	// OtherParty marks a period the applicant or a third party must keep (to
	// supplement, to ask for a hearing, to give an opinion): running past it
	// does not make the bureau late.
	OtherParty bool
	// Fixed: the last day is given, not counted: when the case is opened (as
	// a superior's assigned task sets it) or with the step that starts the
	// period (a rectification notice's deadline), in the field DueField.
	// Extension then adds calendar days (Unit CalendarDays) or working days.
	Fixed bool
	// DueField names the date field holding a Fixed period's last day; ""
	// means "due_on".
	DueField string
}

// dueField is the field holding a Fixed period's last day.
func (r *Rule) dueField() string {
	if r.DueField == "" {
		return "due_on"
	}
	return r.DueField
}

// State is where a case is. Clock names the period that runs while the case
// is in it ("" when none of the bureau's or the applicant's periods does).
type State struct {
	Code    string
	Name    i18n.Text
	Initial bool
	Final   bool
	Clock   string
}

// FieldKind is what a field's value must look like.
type FieldKind int

const (
	Text FieldKind = iota
	DateField
	Number
)

// Field is a named value a case or a step carries.
type Field struct {
	Name    string
	Label   i18n.Text
	Kind    FieldKind
	Choices []string // the allowed values, when the field is a choice
}

// DocKind is a kind of document a case may hold.
type DocKind struct {
	Code string
	Name i18n.Text
}

// StartFrom says from which day a transition starts its period.
type StartFrom int

const (
	// FromStep: the day of the step.
	FromStep StartFrom = iota
	// DeemedOnReceipt: the day the application was received, when the step
	// comes after the running period ran out — License Law Art. 32: an
	// application not sent back for supplements in time counts as accepted on
	// receipt.
	DeemedOnReceipt
	// DeemedAtDue: the last day of the running period, when the step comes
	// after it — Reconsideration Law Art. 30: an application not refused within
	// the review period counts as accepted when that period ends.
	DeemedAtDue
)

// Window limits a step to the first N units after the case was received.
type Window struct {
	N     int
	Unit  calendar.Unit
	Basis i18n.Text
}

// Transition is a step from one state to another.
type Transition struct {
	Code       string
	Name       i18n.Text
	From       []string
	To         string
	Permission string   // an auth permission, e.g. auth.CaseEdit
	Fields     []string // required fields
	Optional   []string // fields that may be given with the step (forms offer them too)
	Documents  []string // required document kinds: uploaded with the step or already on the case
	NeedReason bool

	Within      *Window // only within N units of receipt
	WithinClock bool    // only up to the last day of the running period (an extension)
	AfterClock  bool    // only after the running period has run out (deemed abandoned; escalation)

	Start     string // a period that starts (afresh) with this step
	StartFrom StartFrom
	Stop      string // a period whose clock stops at this step
	Resume    string // a stopped period that resumes; the days already used still count
	Restart   string // a stopped period that restarts from zero
	Extend    string // a period extended, once
	// ExtensionField names the field holding the extension's length (at most
	// the rule's Extension); "" means the full extension.
	ExtensionField string
	Escalate       bool // marks the case escalated (督办)
}

// Number returns the case number of seq in year: 衡教许〔2026〕12号.
func (t *Type) Number(year, seq int) string {
	f := t.Format
	if f == "" {
		f = DefaultFormat
	}
	return strings.NewReplacer("{prefix}", t.Prefix, "{year}", strconv.Itoa(year), "{n}", strconv.Itoa(seq)).Replace(f)
}

// State returns the state with code.
func (t *Type) State(code string) (*State, bool) {
	for i := range t.States {
		if t.States[i].Code == code {
			return &t.States[i], true
		}
	}
	return nil, false
}

// Initial returns the state a new case is in.
func (t *Type) Initial() *State {
	for i := range t.States {
		if t.States[i].Initial {
			return &t.States[i]
		}
	}
	return nil
}

// Transition returns the transition with code.
func (t *Type) Transition(code string) (*Transition, bool) {
	for i := range t.Transitions {
		if t.Transitions[i].Code == code {
			return &t.Transitions[i], true
		}
	}
	return nil, false
}

// Rule returns the period with code.
func (t *Type) Rule(code string) (*Rule, bool) {
	for i := range t.Rules {
		if t.Rules[i].Code == code {
			return &t.Rules[i], true
		}
	}
	return nil, false
}

// Field returns the field named name.
func (t *Type) Field(name string) (*Field, bool) {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i], true
		}
	}
	return nil, false
}

// DocKind returns the document kind with code.
func (t *Type) DocKind(code string) (*DocKind, bool) {
	for i := range t.Documents {
		if t.Documents[i].Code == code {
			return &t.Documents[i], true
		}
	}
	return nil, false
}

// Available lists the transitions that may be taken from state.
func (t *Type) Available(state string) []*Transition {
	var out []*Transition
	for i := range t.Transitions {
		if slices.Contains(t.Transitions[i].From, state) {
			out = append(out, &t.Transitions[i])
		}
	}
	return out
}

// Check finds the mistakes in a definition: duplicate or dangling codes,
// unknown permissions, fields or periods, a missing or second initial state.
func (t *Type) Check() error {
	var bad []string
	add := func(s string, args ...any) { bad = append(bad, fmt.Sprintf(s, args...)) }
	if t.Code == "" || t.Prefix == "" || t.Name.ZH == "" || t.Name.EN == "" {
		add("code, prefix and both names are required")
	}
	if f := t.Format; f != "" && (!strings.Contains(f, "{year}") || !strings.Contains(f, "{n}")) {
		add("the number format %q must contain {year} and {n}", f)
	}
	if _, ok := auth.Section(t.Section); !ok {
		add("unknown section %q", t.Section)
	}
	if !auth.KnownPermission(t.OpenPermission) {
		add("unknown open permission %q", t.OpenPermission)
	}
	seen := map[string]bool{}
	unique := func(what, code string) {
		if code == "" || seen[what+"/"+code] {
			add("%s %q is empty or defined twice", what, code)
		}
		seen[what+"/"+code] = true
	}
	for _, f := range t.Fields {
		unique("field", f.Name)
	}
	for _, d := range t.Documents {
		unique("document kind", d.Code)
	}
	for _, r := range t.Rules {
		unique("rule", r.Code)
		if !r.Fixed && (r.N < 1 || r.Unit != calendar.Workdays && r.Unit != calendar.CalendarDays) || r.Extension < 0 {
			add("rule %q needs N ≥ 1, a unit and an extension ≥ 0", r.Code)
		}
		if r.Fixed && r.Extension > 0 && r.Unit != calendar.Workdays && r.Unit != calendar.CalendarDays {
			add("rule %q is fixed with an extension but has no unit", r.Code)
		}
		if r.Fixed {
			if f, ok := t.Field(r.dueField()); !ok || f.Kind != DateField {
				add("rule %q is fixed but its field %q is not a date field", r.Code, r.dueField())
			}
		}
	}
	initial := 0
	for _, s := range t.States {
		unique("state", s.Code)
		if s.Initial {
			initial++
		}
		if s.Clock != "" {
			if _, ok := t.Rule(s.Clock); !ok {
				add("state %q runs unknown rule %q", s.Code, s.Clock)
			}
		}
		if s.Final && s.Clock != "" {
			add("final state %q cannot run a period", s.Code)
		}
	}
	if initial != 1 {
		add("%d initial states, want 1", initial)
	}
	if init := t.Initial(); init != nil && init.Clock != "" {
		if r, ok := t.Rule(init.Clock); ok && r.Fixed && !slices.Contains(t.OpenFields, r.dueField()) {
			add("rule %q is fixed but %s is not required at opening", r.Code, r.dueField())
		}
	}
	for _, f := range append(slices.Clone(t.OpenFields), t.OpenOptional...) {
		if _, ok := t.Field(f); !ok {
			add("open field %q is not defined", f)
		}
	}
	for _, tr := range t.Transitions {
		unique("transition", tr.Code)
		if tr.Code == OpenStep {
			add("transition code %q is reserved", OpenStep)
		}
		if !auth.KnownPermission(tr.Permission) {
			add("transition %q: unknown permission %q", tr.Code, tr.Permission)
		}
		if len(tr.From) == 0 {
			add("transition %q has no from state", tr.Code)
		}
		for _, f := range tr.From {
			s, ok := t.State(f)
			if !ok {
				add("transition %q: unknown from state %q", tr.Code, f)
			} else if s.Final {
				add("transition %q leaves final state %q", tr.Code, f)
			}
		}
		if _, ok := t.State(tr.To); !ok {
			add("transition %q: unknown to state %q", tr.Code, tr.To)
		}
		for _, f := range append(append(slices.Clone(tr.Fields), tr.Optional...), tr.ExtensionField) {
			if _, ok := t.Field(f); f != "" && !ok {
				add("transition %q: field %q is not defined", tr.Code, f)
			}
		}
		for _, d := range tr.Documents {
			if _, ok := t.DocKind(d); !ok {
				add("transition %q: document kind %q is not defined", tr.Code, d)
			}
		}
		for _, r := range []string{tr.Start, tr.Stop, tr.Resume, tr.Restart, tr.Extend} {
			if _, ok := t.Rule(r); r != "" && !ok {
				add("transition %q: unknown rule %q", tr.Code, r)
			}
		}
		if tr.Resume != "" && tr.Restart != "" {
			add("transition %q both resumes and restarts", tr.Code)
		}
		if tr.Extend != "" {
			if r, ok := t.Rule(tr.Extend); ok && r.Extension == 0 {
				add("transition %q extends rule %q, which has no extension", tr.Code, tr.Extend)
			}
		}
		if r, ok := t.Rule(tr.Start); ok && r.Fixed && !slices.Contains(tr.Fields, r.dueField()) {
			add("transition %q starts the fixed rule %q without requiring %s", tr.Code, r.Code, r.dueField())
		}
		if tr.Within != nil && tr.Within.N < 1 {
			add("transition %q: window must be at least 1", tr.Code)
		}
	}
	if len(bad) > 0 {
		return fault.New(fault.Internal, "案件类型 %s 的定义有误：%s", "case type %s is badly defined: %s", t.Code, strings.Join(bad, "; "))
	}
	return nil
}

// OpenStep is the name of a case's first event.
const OpenStep = "open"
