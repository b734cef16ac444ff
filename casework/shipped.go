package casework

import (
	"unicode/utf8"

	"edubureau/auth"
	"edubureau/i18n"
)

// Config is what a bureau sets about the shipped case types.
type Config struct {
	// Prefixes maps a type code to its number prefix; a type not named keeps
	// its entry in DefaultPrefixes.
	Prefixes map[string]string
	// Format is the number format for every type; "" means DefaultFormat.
	Format string
	// ComplaintReplyDays is the working days to reply to a complaint; 0 means
	// DefaultComplaintReplyDays.
	ComplaintReplyDays int
	// AnnualReviewDays is the working days to review an annual check's
	// self-report (and to re-check a rectification); 0 means
	// DefaultAnnualReviewDays.
	AnnualReviewDays int
}

// ConfigFor is a bureau's configuration: its case numbers begin with the
// bureau's abbreviation — abbrev when given, else the first character of its
// jurisdiction's name (衡教许 for 衡阳市, 长教许 for 长宁区), as bureaus number
// their documents.
func ConfigFor(jurisdictionName, abbrev string) Config {
	if abbrev == "" {
		for _, r := range jurisdictionName {
			abbrev = string(r)
			break
		}
	}
	if abbrev == "" {
		return Config{}
	}
	c := Config{Prefixes: map[string]string{}}
	for code, p := range DefaultPrefixes {
		_, size := utf8.DecodeRuneInString(p)
		c.Prefixes[code] = abbrev + p[size:]
	}
	return c
}

// DefaultPrefixes are the number prefixes of the demo bureau (衡阳市教育局).
var DefaultPrefixes = map[string]string{
	SchoolLicence:   "衡教许",
	Reconsideration: "衡教复",
	InfoDisclosure:  "衡教公",
	AssignedTask:    "衡教督",
	Complaint:       "衡教信",
	AnnualCheck:     "衡教检",
	LicenceRenewal:  "衡教续",
	TrainingLicence: "衡教培",
	TrainingCase:    "衡教监",
	Litigation:      "衡教诉",
}

// The codes of the shipped case types.
const (
	SchoolLicence   = "school_licence"
	Reconsideration = "reconsideration"
	InfoDisclosure  = "info_disclosure"
	AssignedTask    = "assigned_task"
	Complaint       = "complaint"
	AnnualCheck     = "annual_check"         // 民办学校年检
	LicenceRenewal  = "licence_renewal"      // 民办学校办学许可证延续
	TrainingLicence = "training_licence"     // 校外培训机构设立、变更、终止
	TrainingCase    = "training_supervision" // 校外培训机构违规查处
	Litigation      = "litigation"           // 行政诉讼（本局为被告）
)

// ApprovePermission is the permission of the steps that need the head's
// approval (extensions). No separate approval permission exists yet, so it is
// case.edit; the approver's name is a required field and the signed approval
// a required document.
const ApprovePermission = auth.CaseEdit

// Shipped returns the bureau's case types configured by c.
func Shipped(c Config) []Type {
	types := []Type{schoolLicence(), reconsideration(), infoDisclosure(), assignedTask(), complaint(c.ComplaintReplyDays),
		annualCheck(c.AnnualReviewDays), licenceRenewal(), trainingLicence(), trainingSupervision(), litigation()}
	for i := range types {
		t := &types[i]
		t.Prefix = DefaultPrefixes[t.Code]
		if p, ok := c.Prefixes[t.Code]; ok && p != "" {
			t.Prefix = p
		}
		t.Format = c.Format
	}
	return types
}

// Fields and document kinds several types use.
var (
	fieldItems      = Field{Name: "items", Label: i18n.T("需补正的材料", "What to supplement")}
	fieldApprovedBy = Field{Name: "approved_by", Label: i18n.T("批准的负责人", "Approved by (head)")}
	fieldDecisionNo = Field{Name: "decision_no", Label: i18n.T("决定书文号", "Decision number")}
	docApplication  = DocKind{"application", i18n.T("申请材料", "Application")}
	docSupplement   = DocKind{"supplement_notice", i18n.T("补正通知书", "Notice to supplement")}
	docExtension    = DocKind{"extension_approval", i18n.T("延期审批表", "Extension approval")}
	docDecision     = DocKind{"decision", i18n.T("决定书", "Decision")}
)

var edit = auth.CaseEdit
