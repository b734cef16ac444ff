package casework

import (
	"context"
	"fmt"
	"strings"

	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// litigation is the register of administrative lawsuits in which the bureau
// is the defendant (行政诉讼), often after a reconsideration. Its periods are
// the Administrative Procedure Law's (2017), counted in calendar days by the
// Civil Procedure Law's rule on periods, which APL Art. 101 applies: the
// first day is not counted, and a last day on a weekend or holiday moves to
// the next working day (民事诉讼法 Art. 85, 2021 text; calendar.AddCalendarDays).
//
//	filed: the defence and the evidence within 15 days of receiving the
//	  complaint (APL Art. 67); the court may allow the evidence later (Art. 36:
//	  extend_defence, once)
//	  ──file_defence──▶ defended ──schedule_hearing (the hearing's date; again for each)
//	defended ──serve_judgment──▶ judgment_served: appeal within 15 days of service (APL Art. 85)
//	         ──serve_ruling──▶ ruling_served: appeal within 10 days of service (APL Art. 85)
//	  ──appeal / opponent_appeal (within the period)──▶ appealed ──second_instance──▶ concluded
//	  ──become_final (after the period, nobody appealed)──▶ concluded
//	filed|defended|appealed ──withdraw (the court allows the plaintiff to withdraw)──▶ withdrawn
//
// A litigation may name the reconsideration it follows (reconsideration_no)
// and the disclosure request it is about (disclosure_no): both are linked
// when it is opened (the disclosure report counts such suits).
func litigation() Type {
	cd := calendar.CalendarDays
	appeal := i18n.T("行政诉讼法第八十五条", "Administrative Procedure Law Art. 85")
	served := []string{"judgment_served", "ruling_served"}
	return Type{
		Code:           Litigation,
		Name:           i18n.T("行政诉讼（本局为被告）", "Administrative litigation (the bureau sued)"),
		Section:        "legal",
		OpenPermission: edit,
		OpenFields:     []string{"court", "court_case_no", "plaintiff", "claims"},
		OpenOptional:   []string{"co_defendants", "third_parties", "reconsideration_no", "disclosure_no"},
		Fields: []Field{
			{Name: "court", Label: i18n.T("受理法院", "Court")},
			{Name: "court_case_no", Label: i18n.T("案号", "Court case number")},
			{Name: "plaintiff", Label: i18n.T("原告", "Plaintiff")},
			{Name: "co_defendants", Label: i18n.T("共同被告", "Co-defendants")},
			{Name: "third_parties", Label: i18n.T("第三人", "Third parties")},
			{Name: "claims", Label: i18n.T("诉讼请求", "Claims")},
			{Name: "reconsideration_no", Label: i18n.T("关联的行政复议案件编号", "Reconsideration case it follows")},
			{Name: "disclosure_no", Label: i18n.T("关联的政府信息公开申请编号", "Disclosure request it concerns")},
			{Name: "approved_by", Label: i18n.T("准许延期的法院及文号", "Court allowing the delay (and its notice)")},
			{Name: "extension_days", Label: i18n.T("延长日数", "Days of extension"), Kind: Number},
			{Name: "hearing_on", Label: i18n.T("开庭日期", "Hearing date"), Kind: DateField},
			{Name: "hearing_place", Label: i18n.T("开庭地点", "Hearing place")},
			{Name: "judgment", Label: i18n.T("裁判结果", "Outcome"), Choices: []string{"dismiss_claims", "revoke", "confirm_illegal",
				"confirm_void", "order_performance", "alter", "dismiss_suit"}},
			{Name: "judgment_no", Label: i18n.T("判决书/裁定书文号", "Judgment or ruling number")},
			{Name: "appeal_court", Label: i18n.T("上诉法院", "Court of appeal")},
		},
		Documents: []DocKind{
			{"complaint", i18n.T("起诉状副本", "Copy of the complaint")},
			{"defence", i18n.T("答辩状", "Defence")},
			{"evidence", i18n.T("证据及依据清单", "Evidence and legal basis")},
			{"extension_approval", i18n.T("准许延期提供证据通知书", "Court's leave to give evidence later")},
			{"hearing_notice", i18n.T("开庭传票", "Summons to the hearing")},
			{"judgment", i18n.T("判决书/裁定书", "Judgment or ruling")},
			{"appeal", i18n.T("上诉状", "Notice of appeal")},
			{"withdrawal", i18n.T("准予撤诉裁定书", "Ruling allowing withdrawal")},
		},
		Rules: []Rule{
			{Code: "defence", Name: i18n.T("答辩举证", "defence and evidence"), N: 15, Unit: cd, Extension: 15,
				Basis: i18n.T("行政诉讼法第六十七条、第三十六条", "Administrative Procedure Law Arts. 67, 36")},
			{Code: "appeal_judgment", Name: i18n.T("对判决上诉", "appeal against the judgment"), N: 15, Unit: cd, OtherParty: true, Basis: appeal},
			{Code: "appeal_ruling", Name: i18n.T("对裁定上诉", "appeal against the ruling"), N: 10, Unit: cd, OtherParty: true, Basis: appeal},
		},
		States: []State{
			{Code: "filed", Name: i18n.T("已收到起诉状", "Complaint received"), Initial: true, Clock: "defence"},
			{Code: "defended", Name: i18n.T("已答辩，一审审理中", "Defence filed; first instance")},
			{Code: "judgment_served", Name: i18n.T("一审判决已送达", "Judgment served"), Clock: "appeal_judgment"},
			{Code: "ruling_served", Name: i18n.T("一审裁定已送达", "Ruling served"), Clock: "appeal_ruling"},
			{Code: "appealed", Name: i18n.T("二审中", "On appeal")},
			{Code: "concluded", Name: i18n.T("已审结（裁判生效）", "Concluded (final)"), Final: true},
			{Code: "withdrawn", Name: i18n.T("原告撤诉", "Withdrawn by the plaintiff"), Final: true},
		},
		Transitions: []Transition{
			{Code: "extend_defence", Name: i18n.T("经法院准许延期提供证据（一次）", "Evidence later, with the court's leave (once)"),
				From: []string{"filed"}, To: "filed", Permission: edit, WithinClock: true,
				Fields: []string{"approved_by"}, Documents: []string{"extension_approval"}, Extend: "defence", ExtensionField: "extension_days"},
			{Code: "file_defence", Name: i18n.T("提交答辩状和证据", "Defence and evidence filed"), From: []string{"filed"}, To: "defended",
				Permission: edit, Documents: []string{"defence", "evidence"}},
			{Code: "schedule_hearing", Name: i18n.T("登记开庭", "Hearing set"), From: []string{"defended"}, To: "defended",
				Permission: edit, Fields: []string{"hearing_on"}, Optional: []string{"hearing_place"}, Documents: []string{"hearing_notice"}},
			{Code: "schedule_appeal_hearing", Name: i18n.T("登记二审开庭", "Appeal hearing set"), From: []string{"appealed"}, To: "appealed",
				Permission: edit, Fields: []string{"hearing_on"}, Optional: []string{"hearing_place"}, Documents: []string{"hearing_notice"}},
			{Code: "serve_judgment", Name: i18n.T("一审判决送达", "Judgment served"), From: []string{"defended"}, To: "judgment_served",
				Permission: edit, Fields: []string{"judgment", "judgment_no"}, Documents: []string{"judgment"}, Start: "appeal_judgment"},
			{Code: "serve_ruling", Name: i18n.T("一审裁定送达", "Ruling served"), From: []string{"defended"}, To: "ruling_served",
				Permission: edit, Fields: []string{"judgment", "judgment_no"}, Documents: []string{"judgment"}, Start: "appeal_ruling"},
			{Code: "appeal", Name: i18n.T("本局提起上诉", "The bureau appeals"), From: served, To: "appealed",
				Permission: edit, WithinClock: true, Optional: []string{"appeal_court"}, Documents: []string{"appeal"}},
			{Code: "opponent_appeal", Name: i18n.T("对方提起上诉", "The other party appeals"), From: served, To: "appealed",
				Permission: edit, WithinClock: true, Optional: []string{"appeal_court"}},
			{Code: "become_final", Name: i18n.T("上诉期满未上诉，裁判生效", "No appeal in time: final"), From: served, To: "concluded",
				Permission: edit, AfterClock: true},
			{Code: "second_instance", Name: i18n.T("二审裁判送达", "Appeal decided"), From: []string{"appealed"}, To: "concluded",
				Permission: edit, Fields: []string{"judgment", "judgment_no"}, Documents: []string{"judgment"}},
			{Code: "withdraw", Name: i18n.T("原告撤诉", "Withdrawn by the plaintiff"), From: []string{"filed", "defended", "appealed"}, To: "withdrawn",
				Permission: edit, NeedReason: true, Documents: []string{"withdrawal"}},
		},
	}
}

// Link kinds.
const (
	LinkReconsideration = "reconsideration" // a litigation follows this reconsideration
	LinkDisclosure      = "disclosure"      // a reconsideration or litigation concerns this disclosure request
)

func init() {
	builtinHooks[Litigation+"/open"] = linkOnOpen(map[string]string{"reconsideration_no": Reconsideration, "disclosure_no": InfoDisclosure})
	builtinHooks[Reconsideration+"/open"] = linkOnOpen(map[string]string{"disclosure_no": InfoDisclosure})
}

// linkOnOpen links a case being opened to the cases its fields name
// (field → the type the named case must be), within the case's own area.
func linkOnOpen(fields map[string]string) builtinHook {
	return func(ctx context.Context, e *Engine, tx db.Tx, c Case, ev Event, by Actor) error {
		var v fault.Validation
		for field, typ := range fields {
			number := strings.TrimSpace(c.Fields[field])
			if number == "" {
				continue
			}
			other, err := e.get(ctx, tx, scope.Area(c.CountyCode), "number = $1", number, false)
			if fault.KindOf(err) == fault.NotFound {
				v.Add(field, "本区划内没有编号为 %s 的案件", "there is no case numbered %s in this area", number)
				continue
			}
			if err != nil {
				return err
			}
			if other.Type != typ {
				want, _ := e.Type(typ)
				v.AddText(field, text("案件 %s 不是%s", "case %s is not a case of type %s", number, want.Name))
				continue
			}
			kind := LinkReconsideration
			if typ == InfoDisclosure {
				kind = LinkDisclosure
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_link (from_id, kind, to_id) VALUES ($1, $2, $3)`, c.ID, kind, other.ID); err != nil {
				return fmt.Errorf("link case %s to %s: %w", c.Number, number, err)
			}
		}
		return v.Err()
	}
}

// Linked is a case linked to another, seen from that other case.
type Linked struct {
	Kind string // LinkReconsideration, LinkDisclosure
	// Outgoing: the case we look from names this one (a litigation names the
	// reconsideration it follows); otherwise this one names it.
	Outgoing bool
	Case     Case
}

// Links lists the cases linked to case id, both ways, in scope sc.
func (e *Engine) Links(ctx context.Context, sc scope.Scope, id int64) ([]Linked, error) {
	if _, err := e.Get(ctx, sc, id); err != nil {
		return nil, err
	}
	where, args := sc.SQL("c.county_code", "c.school_code", 2)
	rows, err := e.DB.QueryContext(ctx, `SELECT `+caseColsC+`, l.kind, l.from_id = $1 FROM case_link l
		JOIN case_file c ON c.id = CASE WHEN l.from_id = $1 THEN l.to_id ELSE l.from_id END
		WHERE (l.from_id = $1 OR l.to_id = $1) AND `+where+` ORDER BY c.received_on, c.id`, append([]any{id}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read the links of case %d: %w", id, err)
	}
	defer rows.Close()
	var out []Linked
	for rows.Next() {
		var l Linked
		if l.Case, err = scanCase(rows, &l.Kind, &l.Outgoing); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
