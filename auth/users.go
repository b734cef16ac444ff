package auth

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

// NewUser is what creating a user takes.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string // optional: where reminders go
	Password    string
	Role        Role
	OrgKind     string
	OrgCode     string
	Section     string
	Schools     []string // an inspector's assigned schools
	// MustChangePassword makes the user choose their own password at first
	// sign-in (set when someone else chose or generated this one).
	MustChangePassword bool
	By                 Actor // who creates the user (zero: the system, e.g. the first administrator)
}

var errNoUser = fault.New(fault.NotFound, "没有这个用户", "no such user")

// org is a user's place in the bureau: what the role, organisation, section
// and assigned schools must agree on.
type org struct {
	Role    Role
	OrgKind string
	OrgCode string
	Section string
	Schools []string
}

// checkOrg validates an organisation against the role and the database: a
// county must be a county of the jurisdiction, a school must exist, staff of
// a bureau need a section, an inspector's schools must exist (and lie in
// their county). It returns the organisation normalised.
func (s *Service) checkOrg(ctx context.Context, q db.Querier, o org, v *fault.Validation) org {
	o.OrgKind = strings.TrimSpace(o.OrgKind)
	o.OrgCode = strings.TrimSpace(o.OrgCode)
	o.Section = strings.TrimSpace(o.Section)
	if o.Role == "" {
		v.Add("role", "请选择角色", "choose a role")
		return o
	}
	if !KnownRole(o.Role) {
		v.Add("role", "角色 %q 无效", "role %q is not known", o.Role)
		return o
	}
	allowed := map[Role][]string{
		Admin:       {OrgCity},
		Staff:       {OrgCity, OrgCounty},
		SchoolAdmin: {OrgSchool},
		Inspector:   {OrgCity, OrgCounty},
		Auditor:     {OrgCity, OrgCounty},
	}[o.Role]
	if o.OrgKind == "" && len(allowed) == 1 {
		o.OrgKind = allowed[0]
	}
	if !slices.Contains(allowed, o.OrgKind) {
		v.AddText("org_kind", i18n.Text{
			ZH: fmt.Sprintf("角色“%s”的单位类型应为 %s", RoleName(o.Role).ZH, strings.Join(allowed, " / ")),
			EN: fmt.Sprintf("the organisation of a %s must be: %s", strings.ToLower(RoleName(o.Role).EN), strings.Join(allowed, " / "))})
		return o
	}
	switch o.OrgKind {
	case OrgCity:
		j, err := area.StoredJurisdiction(ctx, q)
		if err != nil {
			v.Add("org_code", "无法读取本辖区：%v", "cannot read the jurisdiction: %v", err)
		}
		o.OrgCode = j // the bureau itself
	case OrgCounty:
		if o.OrgCode == "" {
			v.Add("org_code", "请选择县区", "choose the county")
			break
		}
		if err := checkCounty(ctx, q, o.OrgCode); err != nil {
			v.AddText("org_code", fault.As(err).Msg)
		}
	case OrgSchool:
		if o.OrgCode == "" {
			v.Add("org_code", "请填写学校标识码", "give the school identifier")
			break
		}
		if _, ok, err := schoolCounty(ctx, q, o.OrgCode); err != nil {
			v.Add("org_code", "无法读取学校：%v", "cannot read the school: %v", err)
		} else if !ok {
			v.Add("org_code", "没有标识码为 %s 的学校", "there is no school %s", o.OrgCode)
		}
	}
	if o.Role == Staff {
		if o.Section == "" {
			v.Add("section", "科室工作人员须选择科室", "section staff need a section")
		} else if _, ok := Section(o.Section); !ok {
			v.Add("section", "科室 %q 无效", "section %q is not known", o.Section)
		}
	} else {
		o.Section = ""
	}
	if o.Role != Inspector {
		o.Schools = nil
		return o
	}
	seen := map[string]bool{}
	var schools []string
	for _, c := range o.Schools {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		county, ok, err := schoolCounty(ctx, q, c)
		switch {
		case err != nil:
			v.Add("schools", "无法读取学校：%v", "cannot read the school: %v", err)
		case !ok:
			v.Add("schools", "没有标识码为 %s 的学校", "there is no school %s", c)
		case o.OrgKind == OrgCounty && o.OrgCode != "" && !area.Contains(o.OrgCode, county):
			v.Add("schools", "学校 %s 不在本县区", "school %s is not in the inspector's county", c)
		}
		schools = append(schools, c)
	}
	if len(schools) > 500 {
		v.Add("schools", "分配的学校不能超过 500 所", "no more than 500 schools may be assigned")
	}
	slices.Sort(schools)
	o.Schools = schools
	return o
}

// checkCounty accepts a county-level division of the jurisdiction (or the
// jurisdiction itself when the bureau is a county-level one).
func checkCounty(ctx context.Context, q db.Querier, code string) error {
	a, err := area.Get(ctx, q, code)
	if err != nil {
		return fault.New(fault.Invalid, "%s 不是本辖区的县区", "%s is not a county of the jurisdiction", code)
	}
	j, err := area.StoredJurisdiction(ctx, q)
	if err != nil {
		return err
	}
	if jn, ok := area.Normalize(j); ok {
		j = jn
	}
	if a.Level != area.County || j == "" || !area.Contains(j, a.Code) {
		return fault.New(fault.Invalid, "%s 不是本辖区的县区", "%s is not a county of the jurisdiction", code)
	}
	return nil
}

// schoolCounty returns the county of a school, and whether it exists.
func schoolCounty(ctx context.Context, q db.Querier, code string) (string, bool, error) {
	var county string
	err := q.QueryRowContext(ctx, `SELECT county_code FROM school WHERE code = $1`, code).Scan(&county)
	if db.IsNoRows(err) {
		return "", false, nil
	}
	return county, err == nil, err
}

func checkUsername(name string, v *fault.Validation) {
	if len(name) < 2 || len(name) > 50 || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) {
		v.Add("username", "用户名应为 2–50 个字母、数字或 . _ -", "the user name must be 2–50 letters, digits or . _ -")
	}
}

// checkEmail accepts "" (no address) or one plain address (name@host),
// without a display name, at most 254 characters.
func checkEmail(email string, v *fault.Validation) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		v.Add("email", "电子邮箱 %q 格式不正确（如 zhang.san@jyj.example.cn）", "%q is not an e-mail address (such as zhang.san@jyj.example.cn)", email)
		return email
	}
	return email
}

func checkDisplayName(name string, v *fault.Validation) string {
	name = strings.TrimSpace(name)
	if len([]rune(name)) > 50 {
		v.Add("display_name", "姓名不能超过 50 个字", "the display name must not exceed 50 characters")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		v.Add("display_name", "姓名含有控制字符", "the display name contains control characters")
	}
	return name
}

// CreateUser adds a user after checking the name, the organisation against
// the role, and the password policy.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var v fault.Validation
	nu.Username = strings.TrimSpace(nu.Username)
	checkUsername(nu.Username, &v)
	nu.DisplayName = checkDisplayName(nu.DisplayName, &v)
	nu.Email = checkEmail(nu.Email, &v)
	if nu.Role == "" && nu.OrgKind == "" {
		nu.Role, nu.OrgKind = Admin, OrgCity // the first administrator
	}
	o := s.checkOrg(ctx, s.DB, org{Role: nu.Role, OrgKind: nu.OrgKind, OrgCode: nu.OrgCode, Section: nu.Section, Schools: nu.Schools}, &v)
	if err := s.CheckPassword(nu.Username, nu.Password); err != nil {
		v.Fields = append(v.Fields, fault.As(err).Fields...)
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password, s.Argon2)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{ID: db.NewID(), Username: nu.Username, DisplayName: nu.DisplayName, Role: o.Role, OrgKind: o.OrgKind,
		OrgCode: o.OrgCode, Section: o.Section, Schools: o.Schools, MustChangePassword: nu.MustChangePassword, CreatedAt: now,
		Email: nu.Email}
	err = s.DB.InTx(ctx, func(tx db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO app_user (id, username, display_name, password_hash, role, org_kind, org_code,
			section, must_change_password, created_at, updated_at, email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)`,
			u.ID, u.Username, u.DisplayName, hash, string(u.Role), u.OrgKind, u.OrgCode, u.Section, u.MustChangePassword, now, u.Email)
		if err != nil {
			return err
		}
		return setSchools(ctx, tx, u.ID, u.Schools)
	})
	if db.IsUniqueViolation(err) {
		return User{}, fault.New(fault.Conflict, "用户名 %s 已存在", "user name %s is taken", u.Username)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	u.MustEnrolTOTP = s.RequireTOTPForAdmins && u.Role == Admin
	s.emit(ctx, nu.By.event("user.create", "ok", u, describeOrg(u)))
	return u, nil
}

func describeOrg(u User) string {
	d := fmt.Sprintf("role=%s org=%s:%s", u.Role, u.OrgKind, u.OrgCode)
	if u.Section != "" {
		d += " section=" + u.Section
	}
	if len(u.Schools) > 0 {
		d += " schools=" + strings.Join(u.Schools, ",")
	}
	return d
}

func setSchools(ctx context.Context, tx db.Tx, userID int64, schools []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_school WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("assign schools: %w", err)
	}
	for _, c := range schools {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_school (user_id, school_code) VALUES ($1, $2)`, userID, c); err != nil {
			return fmt.Errorf("assign school %s: %w", c, err)
		}
	}
	return nil
}

func assignedSchools(ctx context.Context, q db.Querier, userID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT school_code FROM user_school WHERE user_id = $1 ORDER BY school_code`, userID)
	if err != nil {
		return nil, fmt.Errorf("assigned schools: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetUser returns one user by id.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user u WHERE u.id = $1`, id))
	if db.IsNoRows(err) {
		return User{}, errNoUser
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, s.complete(ctx, s.DB, &u)
}

// UserByName returns one user by user name.
func (s *Service) UserByName(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user u WHERE u.username = $1`, strings.TrimSpace(username)))
	if db.IsNoRows(err) {
		return User{}, fault.New(fault.NotFound, "没有用户 %s", "no user %s", username)
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", username, err)
	}
	return u, s.complete(ctx, s.DB, &u)
}

// UserFilter selects users for the list.
type UserFilter struct {
	Query   string // part of the user name or display name
	Role    Role
	OrgKind string
	OrgCode string
	Status  string // "" | active | disabled | locked
	Page    int    // from 1
	PerPage int    // default 50, at most MaxUsersPerPage
}

// MaxUsersPerPage bounds a page of the user list.
const MaxUsersPerPage = 200

// UserPage is a page of users.
type UserPage struct {
	Items   []User
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p UserPage) Pages() int {
	if p.PerPage <= 0 {
		return 0
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// Check validates the filter and fills its defaults.
func (f *UserFilter) Check() error {
	var v fault.Validation
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > 100 {
		v.Add("q", "搜索词不能超过 100 个字", "the search must not exceed 100 characters")
	}
	if f.Role != "" && !KnownRole(f.Role) {
		v.Add("role", "角色 %q 无效", "role %q is not known", f.Role)
	}
	switch f.OrgKind {
	case "", OrgCity, OrgCounty, OrgSchool:
	default:
		v.Add("org_kind", "单位类型 %q 无效", "organisation kind %q is not known", f.OrgKind)
	}
	switch f.Status {
	case "", "active", "disabled", "locked":
	default:
		v.Add("status", "状态 %q 无效", "status %q is not known", f.Status)
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		v.Add("page", "页码应为正整数", "the page must be a positive whole number")
	}
	if f.PerPage < 1 || f.PerPage > MaxUsersPerPage {
		v.Add("per_page", "每页条数应为 1–%d", "per_page must be from 1 to %d", MaxUsersPerPage)
	}
	return v.Err()
}

// ListUsers returns a page of users matching f, by user name.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) (UserPage, error) {
	if err := f.Check(); err != nil {
		return UserPage{}, err
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Query != "" {
		// LIKE with the metacharacters escaped: a % typed is a %.
		pat := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Query)) + "%"
		p := arg(pat)
		where = append(where, fmt.Sprintf(`(LOWER(u.username) LIKE %s ESCAPE '\' OR LOWER(u.display_name) LIKE %s ESCAPE '\')`, p, p))
	}
	if f.Role != "" {
		where = append(where, "u.role = "+arg(string(f.Role)))
	}
	if f.OrgKind != "" {
		where = append(where, "u.org_kind = "+arg(f.OrgKind))
	}
	if f.OrgCode != "" {
		where = append(where, "u.org_code = "+arg(strings.TrimSpace(f.OrgCode)))
	}
	switch f.Status {
	case "active":
		where = append(where, "NOT u.disabled")
	case "disabled":
		where = append(where, "u.disabled")
	case "locked":
		where = append(where, "u.locked_until > "+arg(s.now()))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	page := UserPage{Page: f.Page, PerPage: f.PerPage}
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_user u`+cond, args...).Scan(&page.Total); err != nil {
		return UserPage{}, fmt.Errorf("count users: %w", err)
	}
	q := `SELECT ` + userColumns + ` FROM app_user u` + cond + ` ORDER BY u.username LIMIT ` + arg(f.PerPage) + ` OFFSET ` + arg((f.Page-1)*f.PerPage)
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return UserPage{}, fmt.Errorf("list users: %w", err)
		}
		page.Items = append(page.Items, u)
	}
	if err := rows.Err(); err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	rows.Close()
	for i := range page.Items {
		if err := s.complete(ctx, s.DB, &page.Items[i]); err != nil {
			return UserPage{}, err
		}
	}
	return page, nil
}

// UserChange is what an administrator may change of a user.
type UserChange struct {
	DisplayName string
	Email       string
	Role        Role
	OrgKind     string
	OrgCode     string
	Section     string
	Schools     []string
}

// UpdateUser changes a user's display name, role, organisation, section and
// assigned schools. The last active administrator cannot be demoted.
func (s *Service) UpdateUser(ctx context.Context, by Actor, id int64, ch UserChange) (User, error) {
	defer s.sessions.forgetUser(id)
	var out User
	err := s.DB.InTx(ctx, func(tx db.Tx) error {
		cur, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user u WHERE u.id = $1`, id))
		if db.IsNoRows(err) {
			return errNoUser
		}
		if err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if err := s.complete(ctx, tx, &cur); err != nil {
			return err
		}
		var v fault.Validation
		name := checkDisplayName(ch.DisplayName, &v)
		email := checkEmail(ch.Email, &v)
		o := s.checkOrg(ctx, tx, org{Role: ch.Role, OrgKind: ch.OrgKind, OrgCode: ch.OrgCode, Section: ch.Section, Schools: ch.Schools}, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if cur.Role == Admin && o.Role != Admin && !cur.Disabled {
			if err := lastAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET display_name = $2, role = $3, org_kind = $4, org_code = $5,
			section = $6, updated_at = $7, email = $8 WHERE id = $1`, id, name, string(o.Role), o.OrgKind, o.OrgCode, o.Section, now, email); err != nil {
			return fmt.Errorf("update user %s: %w", cur.Username, err)
		}
		if err := setSchools(ctx, tx, id, o.Schools); err != nil {
			return err
		}
		out = cur
		out.DisplayName, out.Role, out.OrgKind, out.OrgCode, out.Section, out.Schools = name, o.Role, o.OrgKind, o.OrgCode, o.Section, o.Schools
		out.Email = email
		out.MustEnrolTOTP = s.RequireTOTPForAdmins && out.Role == Admin && !out.TOTPEnabled
		var changes []string
		if cur.DisplayName != out.DisplayName {
			changes = append(changes, "display_name")
		}
		if cur.Email != out.Email {
			changes = append(changes, "email")
		}
		if describeOrg(cur) != describeOrg(out) {
			changes = append(changes, describeOrg(cur)+" -> "+describeOrg(out))
		}
		if len(changes) > 0 {
			return s.emitTx(ctx, tx, by.event("user.update", "ok", out, strings.Join(changes, "; ")))
		}
		return nil
	})
	return out, err
}

// lastAdmin refuses when id is the last active administrator: the bureau
// must never lock itself out of its own system.
func lastAdmin(ctx context.Context, q db.Querier, id int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_user WHERE role = $1 AND NOT disabled AND id <> $2`,
		string(Admin), id).Scan(&n); err != nil {
		return fmt.Errorf("count administrators: %w", err)
	}
	if n == 0 {
		return fault.New(fault.Conflict, "这是最后一个在用的系统管理员，不能停用或改变其角色", "this is the last active administrator: it cannot be disabled or given another role")
	}
	return nil
}

// SetDisabled disables (and signs out everywhere) or enables a user.
// Enabling also lifts a lockout.
func (s *Service) SetDisabled(ctx context.Context, by Actor, id int64, disabled bool) error {
	defer s.sessions.forgetUser(id)
	return s.DB.InTx(ctx, func(tx db.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user u WHERE u.id = $1`, id))
		if db.IsNoRows(err) {
			return errNoUser
		}
		if err != nil {
			return fmt.Errorf("read user %d: %w", id, err)
		}
		now := s.now()
		if disabled {
			if id == by.ID {
				return fault.New(fault.Conflict, "不能停用自己的账号", "you cannot disable your own account")
			}
			if u.Role == Admin {
				if err := lastAdmin(ctx, tx, id); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE app_user SET disabled = TRUE, updated_at = $2 WHERE id = $1`, id, now); err != nil {
				return fmt.Errorf("disable %s: %w", u.Username, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
				return fmt.Errorf("end sessions of %s: %w", u.Username, err)
			}
			return s.emitTx(ctx, tx, by.event("user.disable", "ok", u, ""))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET disabled = FALSE, failed_logins = 0, locked_until = NULL,
			updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("enable %s: %w", u.Username, err)
		}
		return s.emitTx(ctx, tx, by.event("user.enable", "ok", u, ""))
	})
}

// ResetPassword gives a user a temporary password (returned once, to hand
// over), which they must change at their next sign-in; it lifts a lockout and
// ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, by Actor, id int64) (string, error) {
	defer s.sessions.forgetUser(id)
	temp := RandomPassword()
	for s.CheckPassword("", temp) != nil { // a stricter policy than the default: lengthen
		temp += RandomPassword()
	}
	hash, err := HashPassword(temp, s.Argon2)
	if err != nil {
		return "", err
	}
	err = s.DB.InTx(ctx, func(tx db.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user u WHERE u.id = $1`, id))
		if db.IsNoRows(err) {
			return errNoUser
		}
		if err != nil {
			return fmt.Errorf("read user %d: %w", id, err)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET password_hash = $2, must_change_password = TRUE, failed_logins = 0,
			locked_until = NULL, updated_at = $3 WHERE id = $1`, id, hash, now); err != nil {
			return fmt.Errorf("reset password of %s: %w", u.Username, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
			return fmt.Errorf("end sessions of %s: %w", u.Username, err)
		}
		return s.emitTx(ctx, tx, by.event("user.reset_password", "ok", u, "temporary password issued"))
	})
	if err != nil {
		return "", err
	}
	return temp, nil
}

// checkOwnPassword verifies a user's current password (for changes to their
// own account); a wrong one is a field problem and counts towards the lockout.
func (s *Service) checkOwnPassword(ctx context.Context, id int64, password string) error {
	var hash string
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM app_user u WHERE u.id = $1`, id), &hash)
	if db.IsNoRows(err) {
		return errNoUser
	}
	if err != nil {
		return fmt.Errorf("read user %d: %w", id, err)
	}
	now := s.now()
	if lockedAt(u, now) {
		return lockedError(*u.LockedUntil, now)
	}
	ok, _, err := VerifyPassword(hash, password, s.Argon2)
	if err != nil {
		return fmt.Errorf("check password of %s: %w", u.Username, err)
	}
	if !ok {
		if until, err := s.recordFailure(ctx, u, "", "wrong current password"); err != nil {
			return err
		} else if until != nil {
			return lockedError(*until, now)
		}
		var v fault.Validation
		v.Add("current_password", "当前密码不正确", "the current password is wrong")
		return v.Err()
	}
	return nil
}

// ChangePassword is a user changing their own password: the current one is
// required and the new one must meet the policy and differ from it. Their
// other sessions end; keepToken (the session in use) stays.
func (s *Service) ChangePassword(ctx context.Context, by Actor, current, next, keepToken string) error {
	defer s.sessions.forgetUser(by.User.ID)
	var v fault.Validation
	if current == "" {
		v.Add("current_password", "请填写当前密码", "enter your current password")
	}
	if err := s.CheckPassword(by.Username, next); err != nil {
		v.Fields = append(v.Fields, fault.As(err).Fields...)
	} else if next == current {
		v.Add("password", "新密码不能与当前密码相同", "the new password must differ from the current one")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.checkOwnPassword(ctx, by.ID, current); err != nil {
		return err
	}
	hash, err := HashPassword(next, s.Argon2)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx db.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET password_hash = $2, must_change_password = FALSE, failed_logins = 0,
			locked_until = NULL, updated_at = $3 WHERE id = $1`, by.ID, hash, now); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3`,
			by.ID, now, tokenID(keepToken)); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.emit(ctx, by.event("user.change_password", "ok", by.User, ""))
	return nil
}

// SignOutEverywhere revokes every session of user id and returns how many
// were live.
func (s *Service) SignOutEverywhere(ctx context.Context, by Actor, id int64) (int, error) {
	defer s.sessions.forgetUser(id)
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return 0, err
	}
	now := s.now()
	res, err := s.DB.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2`, id, now)
	if err != nil {
		return 0, fmt.Errorf("sign %s out everywhere: %w", u.Username, err)
	}
	// Expired rows are closed too, without counting them.
	if _, err := s.DB.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
		return 0, fmt.Errorf("sign %s out everywhere: %w", u.Username, err)
	}
	n, _ := res.RowsAffected()
	s.emit(ctx, by.event("user.sign_out_everywhere", "ok", u, fmt.Sprintf("%d sessions", n)))
	return int(n), nil
}

// SessionInfo is one live session, for the account page.
type SessionInfo struct {
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// LiveSessions lists a user's live sessions, newest first.
func (s *Service) LiveSessions(ctx context.Context, id int64) ([]SessionInfo, error) {
	now := s.now()
	rows, err := s.DB.QueryContext(ctx, `SELECT created_at, last_seen_at, ip, user_agent FROM user_session
		WHERE user_id = $1 AND revoked_at IS NULL AND stage = '' AND expires_at > $2 AND last_seen_at > $3
		ORDER BY created_at DESC LIMIT 50`, id, now, now.Add(-s.Idle))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		if err := rows.Scan(&si.CreatedAt, &si.LastSeenAt, &si.IP, &si.UserAgent); err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	return out, rows.Err()
}
