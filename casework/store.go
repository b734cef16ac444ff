package casework

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

// Engine runs cases of its types on a database. Every step writes the case,
// its event, its documents and the audit entry in one transaction.
type Engine struct {
	DB    *db.DB
	Audit *audit.Log
	// Calendar returns the working-day calendar in force (it changes when an
	// administrator imports a new year's notice); nil means calendar.Default.
	Calendar func() *calendar.Calendar
	Now      func() time.Time // injectable for tests
	// Argon2 hashes the access codes applicants follow their cases with.
	Argon2 auth.Argon2
	// MaxDocument is the largest document accepted, in bytes.
	MaxDocument int
	// Hooks run inside the transaction of a step, keyed "type/transition"
	// ("school_licence/approve", "school_licence/open"): a failing hook undoes
	// the step. The school registry's change on approval goes here.
	Hooks map[string]Hook

	types  []*Type
	byCode map[string]*Type

	dummyOnce sync.Once
	dummy     string
}

// Hook is work another package does in the transaction of a step.
type Hook func(ctx context.Context, tx db.Tx, c Case, ev Event) error

// DefaultMaxDocument is 20 MiB.
const DefaultMaxDocument = 20 << 20

// New returns an engine on d for types, each checked.
func New(d *db.DB, types ...Type) (*Engine, error) {
	e := &Engine{DB: d, Audit: audit.New(d), Now: time.Now, Argon2: auth.DefaultArgon2,
		MaxDocument: DefaultMaxDocument, byCode: map[string]*Type{}}
	prefixes := map[string]string{}
	for i := range types {
		t := &types[i]
		if err := t.Check(); err != nil {
			return nil, err
		}
		if _, dup := e.byCode[t.Code]; dup {
			return nil, fault.New(fault.Internal, "案件类型 %s 重复", "case type %s is defined twice", t.Code)
		}
		if other, dup := prefixes[t.Prefix]; dup {
			return nil, fault.New(fault.Internal, "案件类型 %s 与 %s 的文号前缀相同（%s）", "case types %s and %s share the prefix %s", other, t.Code, t.Prefix)
		}
		prefixes[t.Prefix] = t.Code
		e.byCode[t.Code] = t
		e.types = append(e.types, t)
	}
	return e, nil
}

// Types lists the engine's case types.
func (e *Engine) Types() []*Type { return slices.Clone(e.types) }

// Type returns the case type with code.
func (e *Engine) Type(code string) (*Type, bool) {
	t, ok := e.byCode[code]
	return t, ok
}

// Actor is who takes a step: for the audit log, what they may do, and which
// part of the jurisdiction they reach.
type Actor struct {
	audit.Actor
	Can   func(permission string) bool
	Scope scope.Scope
}

// ActorOf describes a signed-in user acting from ip in request requestID.
func ActorOf(u auth.User, ip, requestID string) Actor {
	return Actor{Actor: audit.ActorOf(u, ip, requestID), Can: u.Can, Scope: u.Scope()}
}

func (a Actor) can(p string) bool { return a.Can != nil && a.Can(p) }

// Case is a case file as it stands.
type Case struct {
	ID               int64
	Type             string
	Number           string // 衡教许〔2026〕12号
	Year, Seq        int
	State            string
	Section          string
	HandlerID        int64
	Handler          string
	ApplicantName    string
	ApplicantContact string // plain text for now
	Subject          string
	SchoolCode       string
	CountyCode       string
	ReceivedOn       calendar.Date
	Clock            string        // the period running now, "" when none
	DueOn            calendar.Date // its last day; zero when none runs
	DueProvisional   bool          // the last day depends on a year with no published calendar
	Extended         bool
	StoppedSince     calendar.Date // zero unless a period is stopped
	Escalated        bool
	Late             bool // a period of the bureau's ran out before its step
	ClosedOn         calendar.Date
	Fields           map[string]string
	Clocks           map[string]Clock
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// AccessCode is the code the applicant follows the case with. Open
	// returns it once; only its hash is stored.
	AccessCode string
}

// Closed reports whether the case has reached a final state.
func (c Case) Closed() bool { return !c.ClosedOn.IsZero() }

// Event is one step of a case.
type Event struct {
	ID         int64
	CaseID     int64
	Seq        int
	Transition string // OpenStep for the opening
	FromState  string
	ToState    string
	On         calendar.Date // the day it legally happened
	At         time.Time     // when it was recorded
	ByID       int64
	By         string
	Reason     string
	Fields     map[string]string
	DueOn      calendar.Date // the deadline after the step; zero when none
}

// Document is a document on a case (without its content).
type Document struct {
	ID      int64
	CaseID  int64
	EventID int64 // 0 when attached on its own
	Kind    string
	Name    string
	SHA256  string
	Size    int64
	AddedAt time.Time
	AddedBy string
}

// Upload is a document handed in with a step.
type Upload struct {
	Kind    string
	Name    string
	Content []byte
}

// OpenInput is what a new case is opened with.
type OpenInput struct {
	ApplicantName    string
	ApplicantContact string
	Subject          string
	SchoolCode       string // optional
	CountyCode       string // the area the case belongs to (a county, or the city)
	ReceivedOn       calendar.Date
	Fields           map[string]string
	Documents        []Upload
	HandlerID        int64 // 0: the actor
	Handler          string
	Reason           string
}

// Input is what a step is taken with.
type Input struct {
	Reason    string
	Fields    map[string]string
	Documents []Upload
	On        calendar.Date // the day it happened; zero means today
	IfVersion int           // when not 0, the version the caller read
}

var beijing = time.FixedZone("CST", 8*3600)

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return e.Now().UTC().Truncate(time.Microsecond)
}

// Today is the bureau's date now (Beijing time).
func (e *Engine) Today() calendar.Date { return calendar.DateOf(e.now().In(beijing)) }

func (e *Engine) cal() *calendar.Calendar {
	if e.Calendar != nil {
		if c := e.Calendar(); c != nil {
			return c
		}
	}
	return calendar.Default()
}

const (
	maxText    = 2000
	maxShort   = 200
	noDeadline = "9999-12-31"
)

func (e *Engine) typeOf(code string) (*Type, error) {
	t, ok := e.byCode[code]
	if !ok {
		return nil, fault.New(fault.Invalid, "没有案件类型 %q", "there is no case type %q", code)
	}
	return t, nil
}

// checkFields checks values against t's fields, and that required ones are there.
func checkFields(v *fault.Validation, t *Type, values map[string]string, required []string) map[string]string {
	out := make(map[string]string, len(values))
	for name, val := range values {
		val = strings.TrimSpace(val)
		f, ok := t.Field(name)
		if !ok {
			v.AddText(name, text("%s 没有字段 %q", "%s has no field %q", t.Name, name))
			continue
		}
		if val == "" {
			continue
		}
		switch {
		case !utf8.ValidString(val) || strings.IndexByte(val, 0) >= 0 || utf8.RuneCountInString(val) > maxText:
			v.AddText(name, text("%s：内容无效或过长（最多 %d 字）", "%s: not valid text or too long (at most %d characters)", f.Label, maxText))
			continue
		case f.Kind == DateField:
			if _, err := calendar.ParseDate(val); err != nil {
				v.AddText(name, text("%s：%q 不是有效日期（YYYY-MM-DD）", "%s: %q is not a date (YYYY-MM-DD)", f.Label, val))
				continue
			}
		case f.Kind == Number:
			if _, err := strconv.Atoi(val); err != nil {
				v.AddText(name, text("%s：%q 不是整数", "%s: %q is not a whole number", f.Label, val))
				continue
			}
		case len(f.Choices) > 0 && !slices.Contains(f.Choices, val):
			v.AddText(name, text("%s：%q 不是可选值（%s）", "%s: %q is not one of %s", f.Label, val, strings.Join(f.Choices, ", ")))
			continue
		}
		out[name] = val
	}
	for _, name := range required {
		if out[name] == "" && !v.Has(name) {
			f, _ := t.Field(name)
			v.AddText(name, text("请填写%s", "%s is required", f.Label))
		}
	}
	return out
}

// checkUploads checks documents handed in and returns their checksums.
func (e *Engine) checkUploads(v *fault.Validation, t *Type, ups []Upload) []string {
	sums := make([]string, len(ups))
	limit := e.MaxDocument
	if limit <= 0 {
		limit = DefaultMaxDocument
	}
	for i, u := range ups {
		field := fmt.Sprintf("documents[%d]", i)
		if _, ok := t.DocKind(u.Kind); !ok {
			v.AddText(field, text("%s 没有文书种类 %q", "%s has no document kind %q", t.Name, u.Kind))
		}
		name := strings.TrimSpace(u.Name)
		if name == "" || !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 || utf8.RuneCountInString(name) > maxShort {
			v.Add(field, "文件名无效（1–%d 字）", "the file name is missing or not valid (1–%d characters)", maxShort)
		}
		switch {
		case len(u.Content) == 0:
			v.Add(field, "文件 %q 是空的", "the file %q is empty", name)
		case len(u.Content) > limit:
			v.Add(field, "文件 %q 超过 %d MB", "the file %q is over %d MB", name, limit>>20)
		}
		h := sha256.Sum256(u.Content)
		sums[i] = hex.EncodeToString(h[:])
	}
	return sums
}

// settle recomputes what a case shows from its state and clocks.
func settle(cal *calendar.Calendar, t *Type, c *Case) error {
	st, ok := t.State(c.State)
	if !ok {
		return fault.New(fault.Internal, "案件状态 %q 未定义", "case state %q is not defined", c.State)
	}
	c.Clock, c.DueOn, c.DueProvisional, c.Extended, c.StoppedSince = "", calendar.Date{}, false, false, calendar.Date{}
	for _, cl := range c.Clocks {
		if cl.Extension > 0 {
			c.Extended = true
		}
		if !st.Final && cl.Ended.IsZero() && !cl.StoppedSince.IsZero() && (c.StoppedSince.IsZero() || cl.StoppedSince.Before(c.StoppedSince)) {
			c.StoppedSince = cl.StoppedSince
		}
	}
	if st.Clock == "" {
		return nil
	}
	r, _ := t.Rule(st.Clock)
	due, provisional, err := c.Clocks[st.Clock].Due(cal, r)
	if err != nil {
		return fault.Wrap(err, "compute the deadline of case "+c.Number)
	}
	c.Clock, c.DueOn, c.DueProvisional = st.Clock, due, provisional
	return nil
}

// Open opens a case of type typeCode: it gives it the next number of its
// type and year, starts its first period and records who opened it. The case
// comes back with its AccessCode, which the applicant follows it with on the
// portal (only its hash is stored).
func (e *Engine) Open(ctx context.Context, typeCode string, in OpenInput, by Actor) (Case, error) {
	t, c, sums, err := e.prepareOpen(typeCode, in, by)
	if err != nil {
		return Case{}, err
	}
	code := newAccessCode()
	hash, err := auth.HashPassword(code, e.Argon2)
	if err != nil {
		return Case{}, fault.Wrap(err, "hash the access code")
	}
	err = e.DB.InTx(ctx, func(tx db.Tx) error { return e.insertOpened(ctx, tx, t, &c, in, sums, hash, by) })
	if err != nil {
		return Case{}, err
	}
	c.AccessCode = code
	return c, nil
}

// OpenTx opens a case inside the caller's transaction tx, which it commits or
// undoes with the rest of its work (a batch of annual checks, a supervision
// case opened by the charge check that found the violation). The case has no
// access code: the bureau opens it of its own motion, and nobody follows it on
// the portal.
func (e *Engine) OpenTx(ctx context.Context, tx db.Tx, typeCode string, in OpenInput, by Actor) (Case, error) {
	t, c, sums, err := e.prepareOpen(typeCode, in, by)
	if err != nil {
		return Case{}, err
	}
	if err := e.insertOpened(ctx, tx, t, &c, in, sums, "", by); err != nil {
		return Case{}, err
	}
	return c, nil
}

// prepareOpen checks what a case is opened with and settles its first
// deadline, touching nothing.
func (e *Engine) prepareOpen(typeCode string, in OpenInput, by Actor) (*Type, Case, []string, error) {
	t, err := e.typeOf(typeCode)
	if err != nil {
		return nil, Case{}, nil, err
	}
	if !by.can(t.OpenPermission) {
		return nil, Case{}, nil, failure(fault.Forbidden, "您无权登记%s", "you may not open a case of type %s", t.Name)
	}
	cal, today := e.cal(), e.Today()
	var v fault.Validation
	c := Case{Type: t.Code, State: t.Initial().Code, Section: t.Section,
		ApplicantName: strings.TrimSpace(in.ApplicantName), ApplicantContact: strings.TrimSpace(in.ApplicantContact),
		Subject: strings.TrimSpace(in.Subject), SchoolCode: strings.TrimSpace(in.SchoolCode), ReceivedOn: in.ReceivedOn,
		HandlerID: in.HandlerID, Handler: strings.TrimSpace(in.Handler)}
	if c.Subject == "" || utf8.RuneCountInString(c.Subject) > 500 || !utf8.ValidString(c.Subject) || strings.IndexByte(c.Subject, 0) >= 0 {
		v.Add("subject", "请填写事由（最多 500 字）", "the subject is required (at most 500 characters)")
	}
	for _, f := range []struct{ name, val string }{{"applicant_name", c.ApplicantName}, {"applicant_contact", c.ApplicantContact}, {"handler", c.Handler}} {
		if utf8.RuneCountInString(f.val) > maxShort || !utf8.ValidString(f.val) || strings.IndexByte(f.val, 0) >= 0 {
			v.Add(f.name, "内容无效或过长（最多 %d 字）", "not valid text or too long (at most %d characters)", maxShort)
		}
	}
	if county, ok := area.Normalize(in.CountyCode); ok {
		c.CountyCode = county
	} else {
		v.Add("county_code", "区划代码 %q 格式不正确", "area code %q is malformed", in.CountyCode)
	}
	if c.SchoolCode != "" && (len(c.SchoolCode) > 20 || strings.Trim(c.SchoolCode, "0123456789") != "") {
		v.Add("school_code", "学校标识码 %q 格式不正确", "school identifier %q is malformed", c.SchoolCode)
	}
	if c.ReceivedOn.IsZero() {
		c.ReceivedOn = today
	} else if c.ReceivedOn.After(today) {
		v.Add("received_on", "收到日期 %s 晚于今天", "the date received, %s, is after today", c.ReceivedOn)
	}
	c.Fields = checkFields(&v, t, in.Fields, t.OpenFields)
	sums := e.checkUploads(&v, t, in.Documents)
	init := t.Initial()
	c.Clocks = map[string]Clock{}
	if init.Clock != "" {
		r, _ := t.Rule(init.Clock)
		cl := Clock{Start: c.ReceivedOn}
		if r.Fixed {
			f := r.dueField()
			due, err := calendar.ParseDate(c.Fields[f])
			if err == nil && !due.After(c.ReceivedOn) {
				fd, _ := t.Field(f)
				v.AddText(f, text("%s %s 应晚于收到日期 %s", "%s, %s, must be after the date received, %s", fd.Label, due, c.ReceivedOn))
			}
			cl.Fixed = due
		}
		c.Clocks[init.Clock] = cl
	}
	if err := v.Err(); err != nil {
		return nil, Case{}, nil, err
	}
	if !by.Scope.Reaches(c.CountyCode, c.SchoolCode) {
		return nil, Case{}, nil, fault.New(fault.Forbidden, "您无权为区划 %s 登记案件", "you may not open a case for area %s", c.CountyCode)
	}
	if s := c.Fields["owner_section"]; s != "" {
		c.Section = s
	}
	if c.HandlerID == 0 {
		c.HandlerID, c.Handler = by.UserID, by.Username
	}
	if err := settle(cal, t, &c); err != nil {
		return nil, Case{}, nil, err
	}
	now := e.now()
	c.ID, c.Year, c.Version, c.CreatedAt, c.UpdatedAt = db.NewID(), c.ReceivedOn.Year(), 1, now, now
	return t, c, sums, nil
}

// insertOpened writes a prepared case in tx: its number, the row, the opening
// event, its documents, the audit entry, and the type's opening hooks.
func (e *Engine) insertOpened(ctx context.Context, tx db.Tx, t *Type, c *Case, in OpenInput, sums []string, hash string, by Actor) error {
	seq, err := e.nextSeq(ctx, tx, t.Code, c.Year)
	if err != nil {
		return err
	}
	c.Seq, c.Number = seq, t.Number(c.Year, seq)
	fields, _ := json.Marshal(c.Fields)
	clocks, _ := json.Marshal(c.Clocks)
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_file (id, type, number, year, seq, state, section, handler_id, handler,
		applicant_name, applicant_contact, subject, school_code, county_code, received_on, clock, due_on, due_key, due_provisional,
		extended, stopped_since, escalated, late, closed_on, fields, clocks, access_hash, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
		$25, $26, $27, $28, $29, $30)`,
		c.ID, c.Type, c.Number, c.Year, c.Seq, c.State, c.Section, c.HandlerID, c.Handler, c.ApplicantName, c.ApplicantContact,
		c.Subject, nullString(c.SchoolCode), c.CountyCode, c.ReceivedOn.String(), c.Clock, nullDate(c.DueOn), dueKey(c.DueOn),
		c.DueProvisional, c.Extended, nullDate(c.StoppedSince), c.Escalated, c.Late, nullDate(c.ClosedOn), string(fields),
		string(clocks), hash, c.Version, c.CreatedAt, c.UpdatedAt); err != nil {
		return fmt.Errorf("insert case %s: %w", c.Number, err)
	}
	ev := Event{ID: db.NewID(), CaseID: c.ID, Seq: 1, Transition: OpenStep, ToState: c.State, On: c.ReceivedOn, At: c.CreatedAt,
		ByID: by.UserID, By: by.Username, Reason: strings.TrimSpace(in.Reason), Fields: c.Fields, DueOn: c.DueOn}
	if err := insertEvent(ctx, tx, ev); err != nil {
		return err
	}
	if err := e.insertDocuments(ctx, tx, c.ID, ev.ID, in.Documents, sums, c.CreatedAt, by); err != nil {
		return err
	}
	if err := e.Audit.Record(ctx, tx, audit.Entry{Action: "case.open", RecordType: "case", RecordID: strconv.FormatInt(c.ID, 10),
		Detail:  strings.TrimSpace(c.Number + " " + ev.Reason),
		Changes: []audit.Change{{Field: "state", After: c.State}, {Field: "due_on", After: dateText(c.DueOn)}}}.ByActor(by.Actor)); err != nil {
		return err
	}
	return e.hook(ctx, tx, t.Code, OpenStep, *c, ev, by)
}

// nextSeq hands out the next number of a type and year. The upsert holds the
// counter row until the transaction ends, so concurrent openings queue on it
// and a rolled-back opening leaves no gap.
func (e *Engine) nextSeq(ctx context.Context, tx db.Tx, typ string, year int) (int, error) {
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO case_counter (type, year, last_seq) VALUES ($1, $2, 1)
		ON CONFLICT (type, year) DO UPDATE SET last_seq = case_counter.last_seq + 1 RETURNING last_seq`, typ, year).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("number a case of %s in %d: %w", typ, year, err)
	}
	return seq, nil
}

// hook runs the engine's own work for a step (builtinHooks: the annual
// check's results, links between cases, the checks a disclosure reply needs),
// then the hook the caller set, both in the step's transaction.
func (e *Engine) hook(ctx context.Context, tx db.Tx, typ, step string, c Case, ev Event, by Actor) error {
	if h := builtinHooks[typ+"/"+step]; h != nil {
		if err := h(ctx, e, tx, c, ev, by); err != nil {
			return err
		}
	}
	if h := e.Hooks[typ+"/"+step]; h != nil {
		return h(ctx, tx, c, ev)
	}
	return nil
}

// builtinHook is work the engine itself does in the transaction of a step.
type builtinHook func(ctx context.Context, e *Engine, tx db.Tx, c Case, ev Event, by Actor) error

// builtinHooks are keyed "type/transition", as Engine.Hooks; each file of a
// case type adds its own from an init function.
var builtinHooks = map[string]builtinHook{}

// Take takes step transition on case caseID. Whatever is wrong — a step not
// allowed in the case's state, one the actor may not take, a missing field or
// document, a date before the case was received or before its last step, an
// extension asked for twice — is refused with nothing changed. The deadline is
// recomputed on the official calendar, and the case, the event, the documents
// and the audit entry are written together.
func (e *Engine) Take(ctx context.Context, caseID int64, transition string, in Input, by Actor) (Case, error) {
	cal, today, now := e.cal(), e.Today(), e.now()
	var out Case
	err := e.DB.InTx(ctx, func(tx db.Tx) error {
		c, err := e.get(ctx, tx, by.Scope, "id = $1", caseID, true)
		if err != nil {
			return err
		}
		t, ok := e.byCode[c.Type]
		if !ok {
			return fault.New(fault.Internal, "案件 %s 的类型 %q 未定义", "case %s has an undefined type %q", c.Number, c.Type)
		}
		tr, ok := t.Transition(transition)
		if !ok {
			return failure(fault.Invalid, "%s没有“%s”这一步", "%s has no step %q", t.Name, transition)
		}
		if !by.can(tr.Permission) {
			return failure(fault.Forbidden, "您无权办理“%s”（需要权限 %s）", "you may not take the step %q (it needs %s)", tr.Name, tr.Permission)
		}
		if in.IfVersion != 0 && in.IfVersion != c.Version {
			return fault.New(fault.Precondition, "案件 %s 已被他人办理（当前版本 %d），请刷新后重试",
				"case %s was changed meanwhile (now version %d); reload and try again", c.Number, c.Version)
		}
		st, _ := t.State(c.State)
		if st.Final {
			return failure(fault.Conflict, "案件 %s 已%s，不能再办理", "case %s is closed (%s); no step can be taken", c.Number, st.Name)
		}
		if !slices.Contains(tr.From, c.State) {
			return failure(fault.Conflict, "案件 %s 处于“%s”，不能办理“%s”", "case %s is %s: the step %q cannot be taken from there",
				c.Number, st.Name, tr.Name)
		}

		var v fault.Validation
		reason := strings.TrimSpace(in.Reason)
		if tr.NeedReason && reason == "" {
			v.Add("reason", "请说明理由", "a reason is required")
		} else if utf8.RuneCountInString(reason) > maxText || !utf8.ValidString(reason) || strings.IndexByte(reason, 0) >= 0 {
			v.Add("reason", "理由无效或过长（最多 %d 字）", "the reason is not valid text or too long (at most %d characters)", maxText)
		}
		fields := checkFields(&v, t, in.Fields, tr.Fields)
		sums := e.checkUploads(&v, t, in.Documents)
		for _, kind := range tr.Documents {
			if slices.ContainsFunc(in.Documents, func(u Upload) bool { return u.Kind == kind }) {
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM case_document WHERE case_id = $1 AND kind = $2`, c.ID, kind).Scan(&n); err != nil {
				return fmt.Errorf("count documents of case %s: %w", c.Number, err)
			}
			if n == 0 {
				dk, _ := t.DocKind(kind)
				v.AddText("documents", text("“%s”需要附上%s", "the step %q needs the document: %s", tr.Name, dk.Name))
			}
		}
		on := in.On
		if on.IsZero() {
			on = today
		}
		var lastSeq int
		var lastOn string
		if err := tx.QueryRowContext(ctx, `SELECT seq, on_date FROM case_event WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`,
			c.ID).Scan(&lastSeq, &lastOn); err != nil {
			return fmt.Errorf("read the last step of case %s: %w", c.Number, err)
		}
		switch {
		case on.Before(c.ReceivedOn):
			v.Add("on", "日期 %s 早于收到申请的日期 %s", "the date %s is before the case was received (%s)", on, c.ReceivedOn)
		case on.After(today):
			v.Add("on", "日期 %s 晚于今天", "the date %s is after today", on)
		case on.String() < lastOn:
			v.Add("on", "日期 %s 早于上一步的日期 %s", "the date %s is before the case's last step (%s)", on, lastOn)
		}
		if err := v.Err(); err != nil {
			return err
		}

		clocks, late, err := advance(cal, t, c.State, c.ReceivedOn, c.Clocks, tr, on, fields)
		if err != nil {
			return err
		}
		old := c
		c.State, c.Clocks, c.Late = tr.To, clocks, c.Late || late
		c.Fields = make(map[string]string, len(old.Fields)+len(fields))
		for k, val := range old.Fields {
			c.Fields[k] = val
		}
		for k, val := range fields {
			c.Fields[k] = val
		}
		if tr.Escalate {
			c.Escalated = true
		}
		if dst, _ := t.State(tr.To); dst.Final {
			c.ClosedOn = on
		}
		if err := settle(cal, t, &c); err != nil {
			return err
		}
		c.Version, c.UpdatedAt = old.Version+1, now
		fj, _ := json.Marshal(c.Fields)
		cj, _ := json.Marshal(c.Clocks)
		res, err := tx.ExecContext(ctx, `UPDATE case_file SET state = $2, clock = $3, due_on = $4, due_key = $5, due_provisional = $6,
			extended = $7, stopped_since = $8, escalated = $9, late = $10, closed_on = $11, fields = $12, clocks = $13,
			version = $14, updated_at = $15 WHERE id = $1 AND version = $16`,
			c.ID, c.State, c.Clock, nullDate(c.DueOn), dueKey(c.DueOn), c.DueProvisional, c.Extended, nullDate(c.StoppedSince),
			c.Escalated, c.Late, nullDate(c.ClosedOn), string(fj), string(cj), c.Version, c.UpdatedAt, old.Version)
		if err != nil {
			return fmt.Errorf("update case %s: %w", c.Number, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.New(fault.Conflict, "案件 %s 已被他人办理，请刷新后重试", "case %s was changed meanwhile; reload and try again", c.Number)
		}
		ev := Event{ID: db.NewID(), CaseID: c.ID, Seq: lastSeq + 1, Transition: tr.Code, FromState: old.State, ToState: c.State,
			On: on, At: now, ByID: by.UserID, By: by.Username, Reason: reason, Fields: fields, DueOn: c.DueOn}
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		if err := e.insertDocuments(ctx, tx, c.ID, ev.ID, in.Documents, sums, now, by); err != nil {
			return err
		}
		changes := []audit.Change{{Field: "state", Before: old.State, After: c.State}}
		if old.DueOn != c.DueOn {
			changes = append(changes, audit.Change{Field: "due_on", Before: dateText(old.DueOn), After: dateText(c.DueOn)})
		}
		for k, val := range fields {
			changes = append(changes, audit.Change{Field: k, Before: old.Fields[k], After: val})
		}
		slices.SortFunc(changes[1:], func(a, b audit.Change) int { return strings.Compare(a.Field, b.Field) })
		if err := e.Audit.Record(ctx, tx, audit.Entry{Action: "case." + tr.Code, RecordType: "case", RecordID: strconv.FormatInt(c.ID, 10),
			Detail: strings.TrimSpace(c.Number + " " + reason), Changes: changes}.ByActor(by.Actor)); err != nil {
			return err
		}
		if err := e.hook(ctx, tx, t.Code, tr.Code, c, ev, by); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return out, nil
}

// Attach adds a document to a case outside any step (it then counts for a
// later step that needs its kind).
func (e *Engine) Attach(ctx context.Context, caseID int64, u Upload, by Actor) (Document, error) {
	now := e.now()
	var out Document
	err := e.DB.InTx(ctx, func(tx db.Tx) error {
		c, err := e.get(ctx, tx, by.Scope, "id = $1", caseID, true)
		if err != nil {
			return err
		}
		t, err := e.typeOf(c.Type)
		if err != nil {
			return err
		}
		if !by.can(t.OpenPermission) {
			return failure(fault.Forbidden, "您无权为%s添加文书", "you may not add documents to a case of type %s", t.Name)
		}
		if c.Closed() {
			return fault.New(fault.Conflict, "案件 %s 已办结，不能再添加文书", "case %s is closed; no document can be added", c.Number)
		}
		var v fault.Validation
		sums := e.checkUploads(&v, t, []Upload{u})
		if err := v.Err(); err != nil {
			return err
		}
		if err := e.insertDocuments(ctx, tx, c.ID, 0, []Upload{u}, sums, now, by); err != nil {
			return err
		}
		out = Document{CaseID: c.ID, Kind: u.Kind, Name: strings.TrimSpace(u.Name), SHA256: sums[0], Size: int64(len(u.Content)), AddedAt: now, AddedBy: by.Username}
		return e.Audit.Record(ctx, tx, audit.Entry{Action: "case.attach", RecordType: "case", RecordID: strconv.FormatInt(c.ID, 10),
			Detail: c.Number + " " + u.Kind + " " + out.Name + " sha256:" + sums[0]}.ByActor(by.Actor))
	})
	return out, err
}

func insertEvent(ctx context.Context, tx db.Tx, ev Event) error {
	fields, _ := json.Marshal(ev.Fields)
	if ev.Fields == nil {
		fields = []byte("{}")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_event (id, case_id, seq, transition, from_state, to_state, on_date, at,
		by_id, by_name, reason, fields, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		ev.ID, ev.CaseID, ev.Seq, ev.Transition, ev.FromState, ev.ToState, ev.On.String(), ev.At, ev.ByID, ev.By, ev.Reason,
		string(fields), nullDate(ev.DueOn))
	if err != nil {
		return fmt.Errorf("record step %s of case %d: %w", ev.Transition, ev.CaseID, err)
	}
	return nil
}

func (e *Engine) insertDocuments(ctx context.Context, tx db.Tx, caseID, eventID int64, ups []Upload, sums []string, now time.Time, by Actor) error {
	for i, u := range ups {
		var ev any
		if eventID != 0 {
			ev = eventID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_document (id, case_id, event_id, kind, name, sha256, size, content, added_at, added_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, db.NewID(), caseID, ev, u.Kind, strings.TrimSpace(u.Name), sums[i],
			len(u.Content), u.Content, now, by.Username); err != nil {
			return fmt.Errorf("store document %q of case %d: %w", u.Name, caseID, err)
		}
	}
	return nil
}

// newAccessCode is ten characters from an alphabet without look-alikes (50 bits).
func newAccessCode() string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullDate(d calendar.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func dueKey(d calendar.Date) string {
	if d.IsZero() {
		return noDeadline
	}
	return d.String()
}

func dateText(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseNullDate(ns sql.NullString) (calendar.Date, error) {
	if !ns.Valid || ns.String == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate(ns.String)
}
