package student

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// TransferStatus is where a transfer stands.
type TransferStatus string

const (
	TransferPending   TransferStatus = "pending"   // waiting for approvals; the student stays at the old school
	TransferCompleted TransferStatus = "completed" // fully approved: the student moved
	TransferRejected  TransferStatus = "rejected"  // refused by one of the parties, with a reason
	TransferWithdrawn TransferStatus = "withdrawn" // withdrawn by the requester
)

// TransferStatuses lists the statuses with their names.
var TransferStatuses = []struct {
	Status TransferStatus
	Name   i18n.Text
}{
	{TransferPending, i18n.T("审批中", "Pending")},
	{TransferCompleted, i18n.T("已完成", "Completed")},
	{TransferRejected, i18n.T("未通过", "Rejected")},
	{TransferWithdrawn, i18n.T("已撤回", "Withdrawn")},
}

// Step is an approval a transfer needs.
type Step string

const (
	StepSchool     Step = "school"      // the sending school (转出学校)
	StepFromCounty Step = "from_county" // the sending county bureau, across counties
	StepToCounty   Step = "to_county"   // the receiving county bureau, across counties
)

// StepName names a step.
func StepName(s Step) i18n.Text {
	switch s {
	case StepSchool:
		return i18n.T("转出学校", "the sending school")
	case StepFromCounty:
		return i18n.T("转出地教育局", "the sending county bureau")
	case StepToCounty:
		return i18n.T("转入地教育局", "the receiving county bureau")
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// Transfer is a request to move a student from one school of the
// jurisdiction to another. The receiving school asks; the sending school
// approves; when the schools are in different counties, both county bureaus
// approve too (in either order, after the school). Until every approval is
// in, the student stays at the old school.
type Transfer struct {
	ID             int64          `json:"id,string"`
	StudentID      int64          `json:"student_id,string"`
	StudentName    string         `json:"student_name"`
	FromSchool     string         `json:"from_school"`
	FromSchoolName string         `json:"from_school_name"`
	FromCounty     string         `json:"from_county"`
	ToSchool       string         `json:"to_school"`
	ToSchoolName   string         `json:"to_school_name"`
	ToCounty       string         `json:"to_county"`
	FromGrade      Grade          `json:"from_grade"`
	ToGrade        Grade          `json:"to_grade"`
	ToClassID      int64          `json:"to_class_id,string,omitempty"`
	Reason         string         `json:"reason"`
	Status         TransferStatus `json:"status"`
	CrossCounty    bool           `json:"cross_county"`
	RequestedAt    time.Time      `json:"requested_at"`
	RequestedBy    string         `json:"requested_by"`
	SchoolAt       *time.Time     `json:"school_at,omitempty"`
	SchoolBy       string         `json:"school_by,omitempty"`
	FromCountyAt   *time.Time     `json:"from_county_at,omitempty"`
	FromCountyBy   string         `json:"from_county_by,omitempty"`
	ToCountyAt     *time.Time     `json:"to_county_at,omitempty"`
	ToCountyBy     string         `json:"to_county_by,omitempty"`
	DecidedAt      *time.Time     `json:"decided_at,omitempty"`
	DecidedBy      string         `json:"decided_by,omitempty"`
	DecidedStep    Step           `json:"decided_step,omitempty"` // who rejected
	DecisionNote   string         `json:"decision_note,omitempty"`
	Version        int            `json:"version"`

	requestedByID int64
}

// Waiting lists the approvals a pending transfer still needs, in the order
// they may be given (the county steps only once the school has approved).
func (t Transfer) Waiting() []Step {
	if t.Status != TransferPending {
		return nil
	}
	var out []Step
	if t.SchoolAt == nil {
		out = append(out, StepSchool)
	}
	if t.CrossCounty {
		if t.FromCountyAt == nil {
			out = append(out, StepFromCounty)
		}
		if t.ToCountyAt == nil {
			out = append(out, StepToCounty)
		}
	}
	return out
}

// TransferRequest is what the receiving school asks: which child (found by
// ID number or national student number, and the name, which must match),
// into which grade and class, and why.
type TransferRequest struct {
	Number    string `json:"number"`
	Name      string `json:"name"`
	ToSchool  string `json:"to_school"`
	ToGrade   Grade  `json:"to_grade"`
	ToClassID int64  `json:"to_class_id,string,omitempty"`
	Reason    string `json:"reason"`
}

const transferSelect = `SELECT t.id, t.student_id, s.name, t.from_school, COALESCE(fs.name, ''), t.from_county, t.to_school,
	COALESCE(ts.name, ''), t.to_county, t.from_grade, t.to_grade, t.to_class, t.reason, t.status, t.cross_county,
	t.requested_at, t.requested_by, t.requested_by_id, t.school_at, t.school_by, t.from_county_at, t.from_county_by,
	t.to_county_at, t.to_county_by, t.decided_at, t.decided_by, t.decided_step, t.decision_note, t.version
	FROM student_transfer t JOIN student s ON s.id = t.student_id LEFT JOIN school fs ON fs.code = t.from_school
	LEFT JOIN school ts ON ts.code = t.to_school`

func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func scanTransfer(sc scanner) (Transfer, error) {
	var t Transfer
	var class sql.NullInt64
	var sAt, fAt, tAt, dAt sql.NullTime
	err := sc.Scan(&t.ID, &t.StudentID, &t.StudentName, &t.FromSchool, &t.FromSchoolName, &t.FromCounty, &t.ToSchool,
		&t.ToSchoolName, &t.ToCounty, &t.FromGrade, &t.ToGrade, &class, &t.Reason, &t.Status, &t.CrossCounty,
		&t.RequestedAt, &t.RequestedBy, &t.requestedByID, &sAt, &t.SchoolBy, &fAt, &t.FromCountyBy, &tAt, &t.ToCountyBy,
		&dAt, &t.DecidedBy, &t.DecidedStep, &t.DecisionNote, &t.Version)
	t.ToClassID = class.Int64
	t.RequestedAt = t.RequestedAt.UTC()
	t.SchoolAt, t.FromCountyAt, t.ToCountyAt, t.DecidedAt = timePtr(sAt), timePtr(fAt), timePtr(tAt), timePtr(dAt)
	return t, err
}

// transferScope is sc on either end of a transfer.
func transferScope(sc scope.Scope, next int) (string, []any) {
	from, fargs := scopeSQL(sc, "t.from_county", "t.from_school", next)
	to, targs := scopeSQL(sc, "t.to_county", "t.to_school", next+len(fargs))
	return "(" + from + " OR " + to + ")", append(fargs, targs...)
}

func (r *Registry) transfer(ctx context.Context, q db.Querier, sc scope.Scope, id int64, lock bool) (Transfer, error) {
	clause, args := transferScope(sc, 2)
	suffix := ""
	if lock && r.DB.Dialect == db.Postgres {
		// Locks are always taken in the order student, transfer, audit head,
		// so that concurrent changes of one child wait rather than deadlock.
		var sid int64
		if err := q.QueryRowContext(ctx, `SELECT student_id FROM student_transfer WHERE id = $1`, id).Scan(&sid); err == nil {
			if err := r.lock(ctx, q.(db.Tx), sid); err != nil {
				return Transfer{}, err
			}
		}
		suffix = " FOR UPDATE OF t"
	}
	t, err := scanTransfer(q.QueryRowContext(ctx, transferSelect+` WHERE t.id = $1 AND `+clause+suffix, append([]any{id}, args...)...))
	if db.IsNoRows(err) {
		return Transfer{}, fault.New(fault.NotFound, "没有编号为 %d 的转学申请", "no transfer %d", id)
	}
	if err != nil {
		return Transfer{}, fmt.Errorf("get transfer %d: %w", id, err)
	}
	return t, nil
}

// GetTransfer returns a transfer whose sending or receiving side is in sc.
func (r *Registry) GetTransfer(ctx context.Context, sc scope.Scope, id int64) (Transfer, error) {
	return r.transfer(ctx, r.DB, sc, id, false)
}

func alreadyTransferring() error {
	return fault.New(fault.Conflict, "该学生已有一项转学申请正在办理，须等其办结或撤回后才能再申请",
		"the student is already being transferred; a new request waits until that one is decided or withdrawn")
}

// RequestTransfer is the receiving school's request (the school must be in
// sc): the child must be enrolled (not suspended) at another school of the
// jurisdiction and have no other transfer in progress. Two requests for the
// same child at the same moment: exactly one is recorded, the other gets a
// Conflict (the partial unique index on pending transfers decides).
func (r *Registry) RequestTransfer(ctx context.Context, sc scope.Scope, req TransferRequest, by Actor) (Transfer, error) {
	var id int64
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		var v fault.Validation
		if err := needReason("reason", req.Reason); err != nil {
			v.Fields = append(v.Fields, fault.As(err).Fields...)
		}
		if strings.TrimSpace(req.Number) == "" || strings.TrimSpace(req.Name) == "" {
			v.Add("number", "请填写学生的证件号（或学籍号）和姓名", "give the student's ID number (or student number) and name")
		}
		if err := v.Err(); err != nil {
			return err
		}
		to, err := r.checkPlacement(ctx, tx, sc, strings.TrimSpace(req.ToSchool), req.ToGrade, req.ToClassID)
		if err != nil {
			return err
		}
		sid, name, _, err := r.lookupIndex(ctx, tx, req.Number)
		if err != nil {
			return err
		}
		if sid == 0 || NameKey(name) != NameKey(req.Name) {
			return noSuchChild()
		}
		s, err := r.current(ctx, tx, scope.Everything, sid)
		if err != nil {
			return err
		}
		switch {
		case s.Status == Suspended:
			return fault.New(fault.Conflict, "该学生正在休学，复学后才能转学", "the student is suspended; a transfer waits until they resume")
		case s.Status != Enrolled:
			return fault.New(fault.Conflict, "该学生目前不在本辖区学校就读，不需要转学：请直接办理入学", "the student is not on a school's roll; admit them instead of a transfer")
		case s.School == to.School.Code:
			return fault.New(fault.Conflict, "该学生已在本校就读", "the student is already at this school")
		}
		if t, err := pendingTransfer(ctx, tx, sid); err != nil {
			return err
		} else if t != 0 {
			return alreadyTransferring()
		}
		now := r.now()
		id = db.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO student_transfer (id, student_id, from_school, from_county, to_school, to_county,
			from_grade, to_grade, to_class, reason, status, cross_county, requested_at, requested_by, requested_by_id, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12, $13, $14, 1)`,
			id, sid, s.School, s.County, to.School.Code, to.School.County, int(s.Grade), int(to.Grade), nullInt(to.Class),
			strings.TrimSpace(req.Reason), s.County != to.School.County, now, by.Username, by.UserID)
		if db.IsUniqueViolation(err) {
			return alreadyTransferring()
		}
		if err != nil {
			return fmt.Errorf("record the transfer: %w", err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.transfer_request", RecordType: "student_transfer",
			RecordID: fmt.Sprint(id), Detail: fmt.Sprintf("student %d: %s → %s", sid, s.School, to.School.Code)}.ByActor(by))
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			return Transfer{}, alreadyTransferring()
		}
		return Transfer{}, err
	}
	return r.GetTransfer(ctx, scope.Everything, id)
}

// partyStep is the step by may take on t now, or a fault saying who acts.
func partyStep(t Transfer, by Actor) (Step, error) {
	if t.Status != TransferPending {
		n := transferStatusName(t.Status)
		return "", &fault.Error{Kind: fault.Conflict, Msg: i18n2("该转学申请已办结（%s）", "the transfer is already decided (%s)", []any{n.ZH}, []any{strings.ToLower(n.EN)})}
	}
	waiting := t.Waiting()
	due := func(s Step) bool {
		for _, w := range waiting {
			if w == s {
				return true
			}
		}
		return false
	}
	switch {
	case by.OrgKind == auth.OrgSchool && by.OrgCode == t.FromSchool:
		if !due(StepSchool) {
			return "", fault.New(fault.Conflict, "转出学校已经同意，现等待教育局审批", "the sending school has already approved; the county bureaus decide now")
		}
		return StepSchool, nil
	case by.OrgKind == auth.OrgCounty && t.CrossCounty && (by.OrgCode == t.FromCounty || by.OrgCode == t.ToCounty):
		step := StepFromCounty
		if by.OrgCode == t.ToCounty {
			step = StepToCounty
		}
		if due(StepSchool) {
			return "", fault.New(fault.Conflict, "须先由转出学校（%s）同意", "the sending school (%s) approves first", t.FromSchoolName)
		}
		if !due(step) {
			return "", fault.New(fault.Conflict, "贵局已经同意", "your bureau has already approved")
		}
		return step, nil
	}
	names := make([]string, 0, 3)
	namesEN := make([]string, 0, 3)
	for _, w := range waiting {
		n := StepName(w)
		switch w {
		case StepSchool:
			n = i18n2("%s（%s）", "%s (%s)", []any{n.ZH, t.FromSchoolName}, []any{n.EN, t.FromSchoolName})
		case StepFromCounty:
			n = i18n2("%s（%s）", "%s (%s)", []any{n.ZH, t.FromCounty}, []any{n.EN, t.FromCounty})
		case StepToCounty:
			n = i18n2("%s（%s）", "%s (%s)", []any{n.ZH, t.ToCounty}, []any{n.EN, t.ToCounty})
		}
		names, namesEN = append(names, n.ZH), append(namesEN, n.EN)
	}
	return "", &fault.Error{Kind: fault.Forbidden, Msg: i18n2("您不是该转学申请的审批方；现等待：%s", "you are not a party to approve this transfer; it waits for %s",
		[]any{strings.Join(names, "、")}, []any{strings.Join(namesEN, " and ")})}
}

func transferStatusName(s TransferStatus) i18n.Text {
	for _, x := range TransferStatuses {
		if x.Status == s {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// ApproveTransfer records by's approval: the sending school's (by is that
// school's organisation), or a county bureau's across counties (by is that
// county's organisation, after the school). Anyone else gets Forbidden,
// naming who the transfer waits for. The last approval moves the student in
// the same transaction: the old enrolment ends (transfer out), the new one
// begins (transfer in), both as events.
func (r *Registry) ApproveTransfer(ctx context.Context, sc scope.Scope, id int64, note string, by Actor) (Transfer, error) {
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		t, err := r.transfer(ctx, tx, sc, id, true)
		if err != nil {
			return err
		}
		step, err := partyStep(t, by)
		if err != nil {
			return err
		}
		now := r.now()
		col := map[Step]string{StepSchool: "school", StepFromCounty: "from_county", StepToCounty: "to_county"}[step]
		res, err := tx.ExecContext(ctx, `UPDATE student_transfer SET `+col+`_at = $2, `+col+`_by = $3, version = version + 1
			WHERE id = $1 AND status = 'pending' AND `+col+`_at IS NULL AND version = $4`, id, now, by.Username, t.Version)
		if err != nil {
			return fmt.Errorf("approve transfer %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.New(fault.Conflict, "该转学申请已被他人处理，请刷新后查看", "the transfer was acted on meanwhile; reload it")
		}
		t.Version++
		switch step {
		case StepSchool:
			t.SchoolAt = &now
		case StepFromCounty:
			t.FromCountyAt = &now
		case StepToCounty:
			t.ToCountyAt = &now
		}
		if len(t.Waiting()) == 0 {
			if err := r.completeTransfer(ctx, tx, t, now, by); err != nil {
				return err
			}
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.transfer_approve", RecordType: "student_transfer",
			RecordID: fmt.Sprint(id), Detail: string(step) + " " + note}.ByActor(by))
	})
	if err != nil {
		return Transfer{}, err
	}
	return r.GetTransfer(ctx, scope.Everything, id)
}

// completeTransfer moves the student: the old school's enrolment ends, the
// new one begins, in the grade asked for (moved on as the student's grade
// moved since the request, by a promotion).
func (r *Registry) completeTransfer(ctx context.Context, tx db.Tx, t Transfer, now time.Time, by Actor) error {
	old, err := r.current(ctx, tx, scope.Everything, t.StudentID)
	if err != nil {
		return err
	}
	if old.Status != Enrolled || old.School != t.FromSchool {
		st := StatusName(old.Status)
		return &fault.Error{Kind: fault.Conflict, Msg: i18n2("该学生已不在%s就读（现为“%s”），转学无法完成：请撤回申请",
			"the student is no longer enrolled at %s (now %s); the transfer cannot complete: withdraw it",
			[]any{t.FromSchoolName, st.ZH}, []any{t.FromSchoolName, strings.ToLower(st.EN)})}
	}
	grade, class := t.ToGrade+(old.Grade-t.FromGrade), t.ToClassID
	if grade != t.ToGrade {
		class = 0 // the class asked for belongs to the grade asked for
	}
	p, err := r.checkPlacement(ctx, tx, scope.Everything, t.ToSchool, grade, class)
	if err != nil {
		return err
	}
	on := today(now)
	if err := leave(ctx, tx, t.StudentID, "transfer_out", on); err != nil {
		return err
	}
	if _, err := enter(ctx, tx, t.StudentID, p, "transfer_in", on, t.ID); err != nil {
		return err
	}
	s := old
	s.School, s.County, s.Grade, s.ClassID, s.Level, s.RepeatMarked = p.School.Code, p.School.County, p.Grade, p.Class, p.Level, false
	out := Event{StudentID: s.ID, Kind: EvTransferOut, On: on, School: old.School, County: old.County, GradeBefore: gradePtr(old.Grade),
		ClassBefore: old.ClassID, OtherSchool: s.School, Reason: t.Reason, Ref: t.ID}
	in := Event{StudentID: s.ID, Kind: EvTransferIn, On: on, School: s.School, County: s.County, GradeAfter: gradePtr(s.Grade),
		ClassAfter: s.ClassID, OtherSchool: old.School, Reason: t.Reason, Ref: t.ID}
	for _, e := range []*Event{&out, &in} {
		if err := addEvent(ctx, tx, e, now, by); err != nil {
			return err
		}
	}
	if err := setState(ctx, tx, &s, old.Version, now); err != nil {
		return err
	}
	// A long-term absence and its follow-up move with the child.
	if _, err := tx.ExecContext(ctx, `UPDATE student_followup SET school_code = $2, county_code = $3 WHERE student_id = $1 AND status = 'open'`,
		s.ID, s.School, s.County); err != nil {
		return fmt.Errorf("move the follow-up of student %d: %w", s.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE student_transfer SET status = 'completed', decided_at = $2, decided_by = $3,
		version = version + 1 WHERE id = $1`, t.ID, now, by.Username); err != nil {
		return fmt.Errorf("complete transfer %d: %w", t.ID, err)
	}
	return r.auditState(ctx, tx, "transfer", old, s, fmt.Sprintf("transfer %d", t.ID), by)
}

// RejectTransfer refuses a transfer with the reason why; only a party whose
// approval is due may refuse (as for ApproveTransfer).
func (r *Registry) RejectTransfer(ctx context.Context, sc scope.Scope, id int64, reason string, by Actor) (Transfer, error) {
	return r.decide(ctx, sc, id, TransferRejected, reason, by, func(t Transfer) (Step, error) {
		if err := needReason("reason", reason); err != nil {
			return "", invalid("reason", "请说明不同意转学的理由", "say why the transfer is refused")
		}
		return partyStep(t, by)
	})
}

// WithdrawTransfer withdraws a pending transfer: the receiving school (or
// the user who asked) may.
func (r *Registry) WithdrawTransfer(ctx context.Context, sc scope.Scope, id int64, note string, by Actor) (Transfer, error) {
	return r.decide(ctx, sc, id, TransferWithdrawn, note, by, func(t Transfer) (Step, error) {
		if t.Status != TransferPending {
			return "", fault.New(fault.Conflict, "该转学申请已办结，不能撤回", "the transfer is already decided and cannot be withdrawn")
		}
		if !(by.OrgKind == auth.OrgSchool && by.OrgCode == t.ToSchool) && (by.UserID == 0 || by.UserID != t.requestedByID) {
			return "", fault.New(fault.Forbidden, "只有申请转入的学校可以撤回", "only the receiving school that asked may withdraw the request")
		}
		return "", nil
	})
}

func (r *Registry) decide(ctx context.Context, sc scope.Scope, id int64, status TransferStatus, note string, by Actor, check func(Transfer) (Step, error)) (Transfer, error) {
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		t, err := r.transfer(ctx, tx, sc, id, true)
		if err != nil {
			return err
		}
		step, err := check(t)
		if err != nil {
			return err
		}
		now := r.now()
		res, err := tx.ExecContext(ctx, `UPDATE student_transfer SET status = $2, decided_at = $3, decided_by = $4, decided_step = $5,
			decision_note = $6, version = version + 1 WHERE id = $1 AND status = 'pending' AND version = $7`,
			id, string(status), now, by.Username, string(step), strings.TrimSpace(note), t.Version)
		if err != nil {
			return fmt.Errorf("decide transfer %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.New(fault.Conflict, "该转学申请已被他人处理，请刷新后查看", "the transfer was acted on meanwhile; reload it")
		}
		action := "student.transfer_reject"
		if status == TransferWithdrawn {
			action = "student.transfer_withdraw"
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: action, RecordType: "student_transfer", RecordID: fmt.Sprint(id),
			Detail: note}.ByActor(by))
	})
	if err != nil {
		return Transfer{}, err
	}
	return r.GetTransfer(ctx, scope.Everything, id)
}

// TransferFilter selects transfers for a list.
type TransferFilter struct {
	Status    TransferStatus // "" is any
	School    string         // either end
	County    string         // either end
	StudentID int64
	Page      int
	PerPage   int // 0 means 50
}

// TransferPage is one page of transfers, newest first.
type TransferPage struct {
	Items   []Transfer `json:"items"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
}

// Transfers lists the transfers with either end in sc matching f, newest first.
func (r *Registry) Transfers(ctx context.Context, sc scope.Scope, f TransferFilter) (TransferPage, error) {
	if err := paging(&f.Page, &f.PerPage); err != nil {
		return TransferPage{}, err
	}
	if f.Status != "" && transferStatusName(f.Status).ZH == string(f.Status) {
		return TransferPage{}, invalid("status", "转学状态“%s”无效", "unknown transfer status %q", f.Status)
	}
	clause, args := transferScope(sc, 1)
	conds := []string{clause}
	add := func(cond string, vs ...any) {
		for range vs {
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)+1), 1)
			args = append(args, vs[0])
			vs = vs[1:]
		}
		conds = append(conds, cond)
	}
	if f.Status != "" {
		add("t.status = ?", string(f.Status))
	}
	if f.School != "" {
		add("(t.from_school = ? OR t.to_school = ?)", f.School, f.School)
	}
	if f.County != "" {
		add("(t.from_county = ? OR t.to_county = ?)", f.County, f.County)
	}
	if f.StudentID != 0 {
		add("t.student_id = ?", f.StudentID)
	}
	w := strings.Join(conds, " AND ")
	out := TransferPage{Page: f.Page, PerPage: f.PerPage, Items: []Transfer{}}
	if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_transfer t WHERE `+w, args...).Scan(&out.Total); err != nil {
		return TransferPage{}, fmt.Errorf("count transfers: %w", err)
	}
	items, err := r.transferList(ctx, r.DB, transferSelect+` WHERE `+w+` ORDER BY t.requested_at DESC, t.id DESC`+
		fmt.Sprintf(` LIMIT %d OFFSET %d`, f.PerPage, (f.Page-1)*f.PerPage), args)
	out.Items = items
	return out, err
}

func (r *Registry) transferList(ctx context.Context, q db.Querier, query string, args []any) ([]Transfer, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	defer rows.Close()
	out := []Transfer{}
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("list transfers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Inbox is what waits for one organisation: transfers for it to decide, and
// (for a school) its own requests still in progress.
type Inbox struct {
	ToDecide   []Transfer `json:"to_decide"`
	InProgress []Transfer `json:"in_progress"`
	// Counts of the two lists (the lists are capped at InboxLimit each).
	ToDecideCount   int `json:"to_decide_count"`
	InProgressCount int `json:"in_progress_count"`
}

// InboxLimit caps each list of an inbox; the counts are exact.
const InboxLimit = 200

func (r *Registry) inbox(ctx context.Context, decide, progress string, args []any) (Inbox, error) {
	var in Inbox
	for _, part := range []struct {
		cond  string
		list  *[]Transfer
		count *int
	}{{decide, &in.ToDecide, &in.ToDecideCount}, {progress, &in.InProgress, &in.InProgressCount}} {
		if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_transfer t WHERE `+part.cond, args...).Scan(part.count); err != nil {
			return Inbox{}, fmt.Errorf("count the inbox: %w", err)
		}
		list, err := r.transferList(ctx, r.DB, transferSelect+` WHERE `+part.cond+fmt.Sprintf(` ORDER BY t.requested_at, t.id LIMIT %d`, InboxLimit), args)
		if err != nil {
			return Inbox{}, err
		}
		*part.list = list
	}
	return in, nil
}

// SchoolInbox is a school's (in sc): requests it must decide as the sending
// school, and its own requests as the receiving school still in progress.
func (r *Registry) SchoolInbox(ctx context.Context, sc scope.Scope, schoolCode string) (Inbox, error) {
	if _, err := r.Schools.Get(ctx, sc, schoolCode); err != nil {
		return Inbox{}, err
	}
	return r.inbox(ctx, `t.status = 'pending' AND t.from_school = $1 AND t.school_at IS NULL`,
		`t.status = 'pending' AND t.to_school = $1`, []any{schoolCode})
}

// CountyInbox is a county bureau's (the county in sc): cross-county
// transfers approved by the sending school that wait for this bureau, and
// every other pending transfer into or out of the county.
func (r *Registry) CountyInbox(ctx context.Context, sc scope.Scope, county string) (Inbox, error) {
	if !sc.All && !sc.Reaches(county, "") {
		return Inbox{}, fault.New(fault.NotFound, "没有县区 %s", "no county %s", county)
	}
	waiting := `t.status = 'pending' AND t.cross_county AND t.school_at IS NOT NULL AND
		((t.from_county = $1 AND t.from_county_at IS NULL) OR (t.to_county = $1 AND t.to_county_at IS NULL))`
	return r.inbox(ctx, waiting, `t.status = 'pending' AND (t.from_county = $1 OR t.to_county = $1) AND NOT (`+waiting+`)`, []any{county})
}
