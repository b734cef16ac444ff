package casework

import (
	"edubureau/calendar"
	"edubureau/i18n"
	"edubureau/school"
)

// schoolLicence is the licensing of schools under the Administrative License
// Law (2019): establishment, change, renaming, merger and termination share
// one flow, the matter being a field.
//
//	received ──notify_supplement (≤5 WD, Art. 32)──▶ awaiting_supplement ──supplement──▶ accepted
//	received ──accept──▶ accepted   (after 5 WD: deemed accepted on receipt, Art. 32)
//	accepted: decision 20 WD, extendable once by 10 with the head's approval (Art. 42);
//	  hearing (notice, request ≤5 WD, held ≤20 WD, Art. 47), expert review and
//	  inspection stop the clock, which resumes afterwards (Art. 45)
//	accepted ──approve──▶ approved ──issue_certificate (≤10 WD, Art. 44)──▶ certified
//	accepted ──refuse──▶ refused
//
// With RegistryHooks set, the approval also changes the school registry in
// the same transaction (registry_hook.go): the details of the application
// (new_code, new_name, …) may be given when the case is opened or with the
// approval, and the approval checks those its matter needs.
func schoolLicence() Type {
	workdays := calendar.Workdays
	active := []string{"received", "awaiting_supplement", "accepted", "hearing_notified", "hearing", "expert_review", "inspection"}
	return Type{
		Code:           SchoolLicence,
		Name:           i18n.T("学校设立、变更、更名、合并、终止审批", "School establishment, change, renaming, merger and termination"),
		Section:        "schools",
		OpenPermission: edit,
		OpenFields:     []string{"matter"},
		Fields: []Field{
			{Name: "matter", Label: i18n.T("审批事项", "Matter"), Choices: []string{"establish", "change", "rename", "merge", "terminate"}},
			fieldItems, fieldApprovedBy, fieldDecisionNo,
			{Name: "licence_no", Label: i18n.T("办学许可证号", "Licence number")},
			// The application's details, which the approval writes to the
			// school registry (registry_hook.go). All are optional when the
			// case is opened; the approval checks those its matter needs.
			{Name: "new_code", Label: i18n.T("新设学校标识码", "New school's identifier")},
			{Name: "new_name", Label: i18n.T("学校名称（新）", "School name (new)")},
			{Name: "new_name_en", Label: i18n.T("英文名称（新）", "English name (new)")},
			{Name: "school_type", Label: i18n.T("办学类型", "School type"), Choices: schoolTypeCodes()},
			{Name: "ownership", Label: i18n.T("举办者类型", "Ownership"), Choices: []string{"public", "private"}},
			{Name: "school_county", Label: i18n.T("所在县区代码", "County code")},
			{Name: "school_township", Label: i18n.T("所在乡镇（街道）代码", "Township code")},
			{Name: "school_address", Label: i18n.T("办学地址", "Address")},
			{Name: "opened_on", Label: i18n.T("开办日期", "Opening date"), Kind: DateField},
			{Name: "capacity", Label: i18n.T("规模（学位数）", "Capacity (places)"), Kind: Number},
			{Name: "headmaster", Label: i18n.T("校长", "Headmaster")},
			{Name: "absorbed", Label: i18n.T("被合并学校标识码（多个用逗号分隔）", "Absorbed schools' identifiers (comma-separated)")},
			{Name: "surviving", Label: i18n.T("合并后存续学校标识码", "Surviving school's identifier")},
			{Name: "closed_on", Label: i18n.T("终止办学日期", "Closing date"), Kind: DateField},
		},
		Documents: []DocKind{docApplication, docSupplement, docExtension, docDecision,
			{"hearing_record", i18n.T("听证笔录", "Hearing record")},
			{"expert_opinion", i18n.T("专家评审意见", "Expert opinion")},
			{"inspection_report", i18n.T("实地核查报告", "Inspection report")},
		},
		Rules: []Rule{
			acceptanceRule(),
			{Code: "decision", Name: i18n.T("许可决定", "decision"), N: 20, Unit: workdays, Extension: 10, Basis: i18n.T("行政许可法第四十二条", "License Law Art. 42")},
			{Code: "hearing_request", Name: i18n.T("申请听证", "hearing request"), N: 5, Unit: workdays, OtherParty: true, Basis: i18n.T("行政许可法第四十七条", "License Law Art. 47")},
			{Code: "hearing", Name: i18n.T("组织听证", "hearing"), N: 20, Unit: workdays, Basis: i18n.T("行政许可法第四十七条", "License Law Art. 47")},
			{Code: "certificate", Name: i18n.T("颁发证件", "certificate"), N: 10, Unit: workdays, Basis: i18n.T("行政许可法第四十四条", "License Law Art. 44")},
		},
		States: []State{
			{Code: "received", Name: i18n.T("已接收", "Received"), Initial: true, Clock: "acceptance"},
			{Code: "awaiting_supplement", Name: i18n.T("待补正", "Awaiting supplement")},
			{Code: "accepted", Name: i18n.T("已受理", "Accepted"), Clock: "decision"},
			{Code: "hearing_notified", Name: i18n.T("已告知听证权利", "Hearing right notified"), Clock: "hearing_request"},
			{Code: "hearing", Name: i18n.T("听证中", "Hearing"), Clock: "hearing"},
			{Code: "expert_review", Name: i18n.T("专家评审中", "Expert review")},
			{Code: "inspection", Name: i18n.T("实地核查中", "Inspection")},
			{Code: "approved", Name: i18n.T("准予许可", "Approved"), Clock: "certificate"},
			{Code: "certified", Name: i18n.T("已发证", "Certificate issued"), Final: true},
			{Code: "refused", Name: i18n.T("不予许可", "Refused"), Final: true},
			{Code: "rejected", Name: i18n.T("不予受理", "Not accepted"), Final: true},
			{Code: "withdrawn", Name: i18n.T("申请人撤回", "Withdrawn"), Final: true},
		},
		Transitions: append(acceptanceSteps(),
			Transition{Code: "notify_hearing", Name: i18n.T("告知听证权利", "Notify the right to a hearing"), From: []string{"accepted"}, To: "hearing_notified",
				Permission: edit, Stop: "decision", Start: "hearing_request"},
			Transition{Code: "request_hearing", Name: i18n.T("申请人要求听证", "Hearing requested"), From: []string{"hearing_notified"}, To: "hearing",
				Permission: edit, Start: "hearing"},
			Transition{Code: "waive_hearing", Name: i18n.T("未要求听证", "No hearing requested"), From: []string{"hearing_notified"}, To: "accepted",
				Permission: edit, Resume: "decision"},
			Transition{Code: "hold_hearing", Name: i18n.T("听证结束", "Hearing held"), From: []string{"hearing"}, To: "accepted",
				Permission: edit, Documents: []string{"hearing_record"}, Resume: "decision"},
			Transition{Code: "start_expert_review", Name: i18n.T("启动专家评审", "Start expert review"), From: []string{"accepted"}, To: "expert_review",
				Permission: edit, Stop: "decision"},
			Transition{Code: "finish_expert_review", Name: i18n.T("专家评审结束", "Expert review done"), From: []string{"expert_review"}, To: "accepted",
				Permission: edit, Documents: []string{"expert_opinion"}, Resume: "decision"},
			Transition{Code: "start_inspection", Name: i18n.T("启动实地核查", "Start inspection"), From: []string{"accepted"}, To: "inspection",
				Permission: edit, Stop: "decision"},
			Transition{Code: "finish_inspection", Name: i18n.T("实地核查结束", "Inspection done"), From: []string{"inspection"}, To: "accepted",
				Permission: edit, Documents: []string{"inspection_report"}, Resume: "decision"},
			Transition{Code: "extend", Name: i18n.T("负责人批准延长十日", "Extend by 10 working days (head's approval)"), From: []string{"accepted"}, To: "accepted",
				Permission: ApprovePermission, Fields: []string{"approved_by"}, Documents: []string{"extension_approval"},
				WithinClock: true, Extend: "decision"},
			Transition{Code: "approve", Name: i18n.T("准予许可", "Approve"), From: []string{"accepted"}, To: "approved",
				Permission: edit, Fields: []string{"decision_no"}, Optional: applicationFields, Documents: []string{"decision"}, Start: "certificate"},
			Transition{Code: "refuse", Name: i18n.T("不予许可", "Refuse"), From: []string{"accepted"}, To: "refused",
				Permission: edit, Fields: []string{"decision_no"}, Documents: []string{"decision"}, NeedReason: true},
			Transition{Code: "issue_certificate", Name: i18n.T("颁发办学许可证", "Issue the licence"), From: []string{"approved"}, To: "certified",
				Permission: edit, Fields: []string{"licence_no"}},
			Transition{Code: "withdraw", Name: i18n.T("申请人撤回", "Withdrawn by the applicant"), From: active, To: "withdrawn",
				Permission: edit, NeedReason: true},
		),
	}
}

// acceptanceRule is the License Law's first period, which every licensing
// type starts with: the notice to supplement within 5 WD of receipt (Art. 32).
func acceptanceRule() Rule {
	return Rule{Code: "acceptance", Name: i18n.T("受理审查", "acceptance"), N: 5, Unit: calendar.Workdays,
		Basis: i18n.T("行政许可法第三十二条", "License Law Art. 32")}
}

// acceptanceSteps are the steps every licensing type shares from "received":
// everything to supplement told at once within 5 WD (Art. 32), the
// supplement (the decision period starts), the acceptance (deemed on receipt
// when no notice came in time), the refusal to accept.
func acceptanceSteps() []Transition {
	return []Transition{
		{Code: "notify_supplement", Name: i18n.T("一次性告知补正", "Notify what to supplement"), From: []string{"received"}, To: "awaiting_supplement",
			Permission: edit, Fields: []string{"items"}, Documents: []string{"supplement_notice"},
			Within: &Window{N: 5, Unit: calendar.Workdays, Basis: i18n.T("行政许可法第三十二条", "License Law Art. 32")}},
		{Code: "supplement", Name: i18n.T("申请人补正（受理）", "Supplemented (accepted)"), From: []string{"awaiting_supplement"}, To: "accepted",
			Permission: edit, Start: "decision"},
		{Code: "accept", Name: i18n.T("受理", "Accept"), From: []string{"received"}, To: "accepted",
			Permission: edit, Start: "decision", StartFrom: DeemedOnReceipt},
		{Code: "reject", Name: i18n.T("不予受理", "Do not accept"), From: []string{"received", "awaiting_supplement"}, To: "rejected",
			Permission: edit, NeedReason: true},
	}
}

// schoolTypeCodes lists the registry's school types, the choices of school_type.
func schoolTypeCodes() []string {
	out := make([]string, len(school.Types))
	for i, ti := range school.Types {
		out[i] = string(ti.Type)
	}
	return out
}

// applicationFields are the details of what is applied for, which the
// approval may give (or complete) and the registry change reads.
var applicationFields = []string{"new_code", "new_name", "new_name_en", "school_type", "ownership", "school_county",
	"school_township", "school_address", "opened_on", "capacity", "headmaster", "licence_no", "absorbed", "surviving", "closed_on"}
