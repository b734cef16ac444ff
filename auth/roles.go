package auth

import (
	"slices"
	"strings"

	"edubureau/i18n"
	"edubureau/scope"
)

// The named permissions. A route, a button or a query asks for one of these;
// which roles hold them is decided by grants below and nowhere else.
const (
	SchoolView      = "school.view"
	SchoolEdit      = "school.edit"
	StudentView     = "student.view"
	StudentEdit     = "student.edit"
	StudentViewPII  = "student.view_pii" // see a student's unmasked identifiers (with a reason, audited)
	TeacherView     = "teacher.view"
	TeacherEdit     = "teacher.edit"
	StatsView       = "stats.view"
	AdmissionView   = "admission.view"
	AdmissionEdit   = "admission.edit"
	AdmissionPII    = "admission.view_pii" // see applicants' unmasked personal data (with a reason, audited)
	FinanceView     = "finance.view"
	FinanceEdit     = "finance.edit"
	SupervisionView = "supervision.view"
	SupervisionEdit = "supervision.edit"
	SafetyView      = "safety.view"
	SafetyEdit      = "safety.edit"
	CaseView        = "case.view"
	CaseEdit        = "case.edit"
	CalendarManage  = "calendar.manage"
	UserManage      = "user.manage"
	TokenManage     = "token.manage"
	AuditView       = "audit.view"
	AuditExport     = "audit.export"
	KeyManage       = "key.manage"
)

// PermissionInfo is a permission with its label.
type PermissionInfo struct {
	Name  string
	Label i18n.Text
}

// Permissions lists every permission, in the order the pages show them.
var Permissions = []PermissionInfo{
	{SchoolView, i18n.T("查看学校", "View schools")},
	{SchoolEdit, i18n.T("编辑学校", "Edit schools")},
	{StudentView, i18n.T("查看学生（证件号脱敏）", "View students (identifiers masked)")},
	{StudentEdit, i18n.T("编辑学生", "Edit students")},
	{StudentViewPII, i18n.T("查看学生完整个人信息", "View students' full personal data")},
	{TeacherView, i18n.T("查看教职工", "View teachers and staff")},
	{TeacherEdit, i18n.T("编辑教职工", "Edit teachers and staff")},
	{StatsView, i18n.T("查看统计", "View statistics")},
	{AdmissionView, i18n.T("查看招生入学", "View admissions")},
	{AdmissionEdit, i18n.T("办理招生入学", "Run admissions")},
	{AdmissionPII, i18n.T("查看入学申请人完整个人信息", "View admission applicants' full personal data")},
	{FinanceView, i18n.T("查看经费", "View finance")},
	{FinanceEdit, i18n.T("编辑经费", "Edit finance")},
	{SupervisionView, i18n.T("查看督导", "View supervision")},
	{SupervisionEdit, i18n.T("督导工作", "Do supervision work")},
	{SafetyView, i18n.T("查看安全", "View safety")},
	{SafetyEdit, i18n.T("编辑安全", "Edit safety")},
	{CaseView, i18n.T("查看案件（信访、法务）", "View cases (petitions, legal)")},
	{CaseEdit, i18n.T("办理案件", "Handle cases")},
	{CalendarManage, i18n.T("管理校历与工作日", "Manage the calendar and working days")},
	{UserManage, i18n.T("管理用户", "Manage users")},
	{TokenManage, i18n.T("管理接口令牌", "Manage API tokens")},
	{AuditView, i18n.T("查看审计日志", "View the audit log")},
	{AuditExport, i18n.T("导出审计日志", "Export the audit log")},
	{KeyManage, i18n.T("管理加密密钥", "Manage encryption keys")},
}

// KnownPermission reports whether p is one of Permissions.
func KnownPermission(p string) bool {
	_, ok := permissionIndex[p]
	return ok
}

// PermissionLabel is p's label (p itself when unknown).
func PermissionLabel(p string) i18n.Text {
	if i, ok := permissionIndex[p]; ok {
		return Permissions[i].Label
	}
	return i18n.Text{ZH: p, EN: p}
}

// SectionInfo is a section (科室) of the city bureau and what its staff may do.
type SectionInfo struct {
	Code        string
	Name        i18n.Text
	Permissions []string // besides school.view, which every section has
}

// Sections are the bureau's sections, each with the permissions of its work.
var Sections = []SectionInfo{
	{"schools", i18n.T("学校管理科", "Schools"), []string{SchoolEdit, CaseView, CaseEdit}}, // school licensing cases
	{"students", i18n.T("学籍管理科", "Students"), []string{StudentView, StudentEdit, StudentViewPII}},
	{"teachers", i18n.T("人事教师科", "Teachers"), []string{TeacherView, TeacherEdit}},
	{"statistics", i18n.T("统计科", "Statistics"), []string{StatsView}},
	{"admissions", i18n.T("招生考试科", "Admissions"), []string{AdmissionView, AdmissionEdit, AdmissionPII}},
	{"finance", i18n.T("计划财务科", "Finance"), []string{FinanceView, FinanceEdit}},
	{"supervision", i18n.T("教育督导室", "Supervision"), []string{SupervisionView, SupervisionEdit}},
	{"safety", i18n.T("安全稳定科", "Safety"), []string{SafetyView, SafetyEdit}},
	{"legal", i18n.T("政策法规科", "Legal"), []string{CaseView, CaseEdit}},
	{"office", i18n.T("办公室", "Office"), []string{CalendarManage, CaseView, CaseEdit}}, // assigned tasks, complaints
}

// Section returns the section with code.
func Section(code string) (SectionInfo, bool) {
	for _, s := range Sections {
		if s.Code == code {
			return s, true
		}
	}
	return SectionInfo{}, false
}

// RoleInfo is a role with its name and what it is for.
type RoleInfo struct {
	Role Role
	Name i18n.Text
	Note i18n.Text
}

// Roles lists the roles, in the order the pages show them.
var Roles = []RoleInfo{
	{Admin, i18n.T("系统管理员", "System administrator"), i18n.T("全部权限", "every permission")},
	{Staff, i18n.T("科室工作人员", "Section staff"), i18n.T("本科室的权限，全市或本县区", "their section's permissions, city-wide or in their county")},
	{SchoolAdmin, i18n.T("学校管理员", "School administrator"), i18n.T("仅本校", "their own school only")},
	{Inspector, i18n.T("督学", "Inspector"), i18n.T("查看，以及所分配学校的督导工作", "read access, and supervision work in assigned schools")},
	{Auditor, i18n.T("审计员", "Auditor"), i18n.T("只读，含审计日志", "read-only, including the audit log")},
}

// RoleName is r's name (r itself when unknown).
func RoleName(r Role) i18n.Text {
	for _, ri := range Roles {
		if ri.Role == r {
			return ri.Name
		}
	}
	return i18n.Text{ZH: string(r), EN: string(r)}
}

// KnownRole reports whether r is one of Roles.
func KnownRole(r Role) bool {
	for _, ri := range Roles {
		if ri.Role == r {
			return true
		}
	}
	return false
}

// readPermissions are the *.view permissions of the bureau's duties: what
// inspectors and auditors read. Unmasked personal data (student.view_pii) and
// the audit log are not among them.
var readPermissions = []string{SchoolView, StudentView, TeacherView, StatsView, AdmissionView, FinanceView,
	SupervisionView, SafetyView, CaseView}

var permissionIndex = func() map[string]int {
	m := make(map[string]int, len(Permissions))
	for i, p := range Permissions {
		m[p.Name] = i
	}
	return m
}()

// Grants is the matrix: the permissions a role holds (for staff, those of
// their section). It is the one place where roles meet permissions.
func Grants(r Role, section string) []string {
	switch r {
	case Admin:
		out := make([]string, len(Permissions))
		for i, p := range Permissions {
			out[i] = p.Name
		}
		return out
	case Staff:
		s, ok := Section(section)
		if !ok {
			return nil
		}
		return append([]string{SchoolView}, s.Permissions...)
	case SchoolAdmin:
		return []string{SchoolView, StudentView, StudentEdit, StudentViewPII, TeacherView, TeacherEdit}
	case Inspector:
		return append(slices.Clone(readPermissions), SupervisionEdit)
	case Auditor:
		return append(slices.Clone(readPermissions), AuditView, AuditExport)
	}
	return nil
}

// granted caches Grants per role and section: Can runs on every request.
var granted = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	put := func(r Role, section string) {
		set := map[string]bool{}
		for _, p := range Grants(r, section) {
			set[p] = true
		}
		m[string(r)+"/"+section] = set
	}
	for _, ri := range Roles {
		if ri.Role == Staff {
			for _, s := range Sections {
				put(Staff, s.Code)
			}
			continue
		}
		put(ri.Role, "")
	}
	return m
}()

func grantKey(u User) string {
	if u.Role == Staff {
		return string(u.Role) + "/" + u.Section
	}
	return string(u.Role) + "/"
}

// Can reports whether the user holds a named permission (e.g. "school.edit").
// A disabled user can do nothing; a read-only API token only reads
// (ReadOnlyAllows, token.go).
func (u User) Can(permission string) bool {
	if u.Disabled || u.ReadOnly && !ReadOnlyAllows(permission) {
		return false
	}
	return granted[grantKey(u)][permission]
}

// Permissions lists what the user may do, in the order of Permissions.
func (u User) Permissions() []string {
	var out []string
	for _, p := range Permissions {
		if u.Can(p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// Scope is the part of the jurisdiction the user reaches: everything for an
// administrator; the city or their county for section staff and auditors
// (by their organisation); their school for a school administrator; the
// schools assigned to an inspector. A disabled user, or one whose
// organisation does not fit the role, reaches nothing.
func (u User) Scope() scope.Scope {
	if u.Disabled {
		return scope.Scope{}
	}
	switch u.Role {
	case Admin:
		return scope.Everything
	case Staff, Auditor:
		switch u.OrgKind {
		case OrgCity:
			return scope.Everything
		case OrgCounty:
			if u.OrgCode != "" {
				return scope.Area(u.OrgCode)
			}
		}
	case SchoolAdmin:
		if u.OrgKind == OrgSchool && u.OrgCode != "" {
			return scope.School(u.OrgCode)
		}
	case Inspector:
		if len(u.Schools) > 0 {
			return scope.Scope{Schools: slices.Clone(u.Schools)}
		}
	}
	return scope.Scope{}
}

// Restriction is what a signed-in user must do before anything else.
type Restriction string

const (
	Unrestricted       Restriction = ""
	NeedPasswordChange Restriction = "change_password" // after a reset, or a first password chosen by someone else
	NeedTOTPEnrolment  Restriction = "enrol_totp"      // an administrator without a second factor, when one is required
	PasswordChangePath             = "/account/password"
	TOTPEnrolPath                  = "/account/totp"
)

// Restriction says what u must do first, if anything: a password change
// comes before the second factor's enrolment.
func (u User) Restriction() Restriction {
	switch {
	case u.MustChangePassword:
		return NeedPasswordChange
	case u.MustEnrolTOTP:
		return NeedTOTPEnrolment
	}
	return Unrestricted
}

// alwaysAllowed are the routes a restricted user may still reach: signing
// out, static files, the language switch and the sign-in pages.
func alwaysAllowed(method, pattern string) bool {
	switch {
	case method == "POST" && pattern == "/logout":
		return true
	case method == "GET" && (strings.HasPrefix(pattern, "/static/") || pattern == "/lang"):
		return true
	case pattern == "/login" || pattern == "/login/totp":
		return true
	case method == "GET" && (pattern == "/healthz" || pattern == "/readyz"):
		return true
	}
	return false
}

// AllowedWhilePasswordChange reports whether a route (its method and its
// ServeMux pattern, as in the route table) stays reachable for a user who
// must change their password: only the change itself, signing out, static
// files and the language switch.
func AllowedWhilePasswordChange(method, pattern string) bool {
	if pattern == PasswordChangePath && (method == "GET" || method == "POST") {
		return true
	}
	return alwaysAllowed(method, pattern)
}

// AllowedWhileTOTPEnrolment is the same for an administrator who must first
// enrol a second factor.
func AllowedWhileTOTPEnrolment(method, pattern string) bool {
	if (pattern == TOTPEnrolPath && method == "GET") || (method == "POST" && strings.HasPrefix(pattern, TOTPEnrolPath+"/")) {
		return true
	}
	return alwaysAllowed(method, pattern)
}

// Allowed is the guard's question for a restricted user: may u reach the
// route? When not, goTo is the page that lifts the restriction (for a
// browser's GET, redirect there; otherwise refuse with Forbidden).
func Allowed(u User, method, pattern string) (ok bool, goTo string) {
	switch u.Restriction() {
	case NeedPasswordChange:
		return AllowedWhilePasswordChange(method, pattern), PasswordChangePath
	case NeedTOTPEnrolment:
		return AllowedWhileTOTPEnrolment(method, pattern), TOTPEnrolPath
	}
	return true, ""
}
