package casework

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/db"
	"edubureau/i18n"
	"edubureau/scope"
)

// ReminderDays is how near a deadline must be for a reminder: due within
// three working days, as the "due soon" work view.
const ReminderDays = 3

// ReminderLimit is how many cases each list of a reminder holds at most.
const ReminderLimit = 100

// Reminders are what a user should look at today: their own open cases that
// are overdue or due within ReminderDays working days, and the escalated
// (督办) cases they handle or their section owns. The three lists do not
// overlap: an escalated case is listed only as escalated.
type Reminders struct {
	Today     calendar.Date
	Overdue   []Case
	DueSoon   []Case
	Escalated []Case
	// Capped: a list was cut at ReminderLimit.
	Capped bool
}

// Count is the number of cases reminded of.
func (r Reminders) Count() int { return len(r.Overdue) + len(r.DueSoon) + len(r.Escalated) }

// RemindersFor reads user's reminders in scope sc (section is the user's
// section, "" when none).
func (e *Engine) RemindersFor(ctx context.Context, userID int64, section string, sc scope.Scope) (Reminders, error) {
	today := e.Today()
	until, _ := e.cal().AddWorkdays(today, ReminderDays)
	r := Reminders{Today: today}
	where, args := sc.SQL("county_code", "school_code", 3)
	mine, err := e.cases(ctx, `SELECT `+caseCols+` FROM case_file WHERE handler_id = $1 AND closed_on IS NULL AND due_key <= $2
		AND NOT escalated AND `+where+fmt.Sprintf(` ORDER BY due_key, id LIMIT %d`, 2*ReminderLimit+1),
		append([]any{userID, until.String()}, args...))
	if err != nil {
		return Reminders{}, err
	}
	for _, c := range mine {
		switch {
		case c.DueOn.Before(today) && len(r.Overdue) < ReminderLimit:
			r.Overdue = append(r.Overdue, c)
		case !c.DueOn.Before(today) && len(r.DueSoon) < ReminderLimit:
			r.DueSoon = append(r.DueSoon, c)
		default:
			r.Capped = true
		}
	}
	where, args = sc.SQL("county_code", "school_code", 3)
	esc, err := e.cases(ctx, `SELECT `+caseCols+` FROM case_file WHERE closed_on IS NULL AND escalated
		AND (handler_id = $1 OR section = $2) AND `+where+fmt.Sprintf(` ORDER BY due_key, id LIMIT %d`, ReminderLimit+1),
		append([]any{userID, section}, args...))
	if err != nil {
		return Reminders{}, err
	}
	if len(esc) > ReminderLimit {
		esc, r.Capped = esc[:ReminderLimit], true
	}
	r.Escalated = esc
	return r, nil
}

// ReminderCount is the number RemindersFor would list, counted up to limit
// (the badge shows "99+" beyond): two index reads.
func (e *Engine) ReminderCount(ctx context.Context, userID int64, section string, sc scope.Scope, limit int) (int, error) {
	today := e.Today()
	until, _ := e.cal().AddWorkdays(today, ReminderDays)
	where, args := sc.SQL("county_code", "school_code", 3)
	var mine, esc int
	if err := e.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM case_file WHERE handler_id = $1
		AND closed_on IS NULL AND due_key <= $2 AND NOT escalated AND `+where+` LIMIT %d) AS r`, limit),
		append([]any{userID, until.String()}, args...)...).Scan(&mine); err != nil {
		return 0, fmt.Errorf("count reminders: %w", err)
	}
	where, args = sc.SQL("county_code", "school_code", 3)
	if err := e.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM case_file WHERE closed_on IS NULL
		AND escalated AND (handler_id = $1 OR section = $2) AND `+where+` LIMIT %d) AS r`, limit),
		append([]any{userID, section}, args...)...).Scan(&esc); err != nil {
		return 0, fmt.Errorf("count reminders: %w", err)
	}
	return min(mine+esc, limit), nil
}

func (e *Engine) cases(ctx context.Context, q string, args []any) ([]Case, error) {
	rows, err := e.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Digest writes a user's reminders as an e-mail: a subject, and a plain-text
// body in Chinese with English after it. baseURL, when given (the server's
// public address), makes each case a link.
func (e *Engine) Digest(r Reminders, name, baseURL string) (subject, body string) {
	subject = i18n.T("案件提醒（%s）：逾期 %d 件，三个工作日内到期 %d 件，督办 %d 件",
		"Case reminders (%s): %d overdue, %d due within 3 working days, %d escalated",
		r.Today, len(r.Overdue), len(r.DueSoon), len(r.Escalated)).ZH
	var b strings.Builder
	baseURL = strings.TrimRight(baseURL, "/")
	line := func(l i18n.Lang, c Case) {
		typ, state := c.Type, c.State
		if t, ok := e.Type(c.Type); ok {
			typ = t.Name.In(l)
			if st, ok := t.State(c.State); ok {
				state = st.Name.In(l)
			}
		}
		due := "—"
		if !c.DueOn.IsZero() {
			due = c.DueOn.String()
			if left, prov, ok := e.Remaining(c); ok {
				switch {
				case left < 0:
					due += i18n.T("（已逾期 %d 个工作日）", " (%d working days overdue)", -left).In(l)
				case left == 0:
					due += i18n.T("（今日到期）", " (due today)").In(l)
				default:
					due += i18n.T("（剩 %d 个工作日）", " (%d working days left)", left).In(l)
				}
				if prov || c.DueProvisional {
					due += i18n.T("（暂定）", " (provisional)").In(l)
				}
			}
		}
		fmt.Fprintf(&b, "  %s  %s · %s · %s\n    %s\n", c.Number, typ, state, due, c.Subject)
		if baseURL != "" {
			fmt.Fprintf(&b, "    %s/cases/%s\n", baseURL, strconv.FormatInt(c.ID, 10))
		}
	}
	for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
		if l == i18n.EN {
			b.WriteString("\n----------------------------------------\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n", i18n.T("%s，您好：以下案件需要您关注（%s）。", "Dear %s, these cases need your attention (%s).", name, r.Today).In(l))
		for _, sec := range []struct {
			title i18n.Text
			cases []Case
		}{
			{i18n.T("已逾期", "Overdue"), r.Overdue},
			{i18n.T("三个工作日内到期", "Due within 3 working days"), r.DueSoon},
			{i18n.T("督办（已升级）", "Escalated (督办)"), r.Escalated},
		} {
			if len(sec.cases) == 0 {
				continue
			}
			fmt.Fprintf(&b, "%s (%d)\n", sec.title.In(l), len(sec.cases))
			for _, c := range sec.cases {
				line(l, c)
			}
			b.WriteString("\n")
		}
		if r.Capped {
			fmt.Fprintf(&b, "%s\n", i18n.T("每类最多列出 %d 件，完整列表请登录系统查看。", "Each list stops at %d cases; sign in for the rest.", ReminderLimit).In(l))
		}
	}
	b.WriteString("\n-- edubureau\n")
	return subject, b.String()
}

// ReminderReport is what SendReminders did.
type ReminderReport struct {
	Sent, AlreadySent, Nothing, NoAddress, Failed int
	Failures                                      []string // "user: error", for the operator
}

// SendReminders sends each user one digest of their reminders for today:
// users without an e-mail address or without case.view are skipped, so are
// those with nothing to be reminded of. A user gets at most one digest a day
// however often this runs (the day is claimed in case_reminder_sent before
// sending, and given back when the send fails, so a later run retries).
// Every digest sent is audited.
func (e *Engine) SendReminders(ctx context.Context, users []auth.User, send func(to, subject, body string) error,
	baseURL string, by Actor) (ReminderReport, error) {
	var rep ReminderReport
	day := e.Today().String()
	for _, u := range users {
		if u.Disabled || !u.Can(auth.CaseView) {
			continue
		}
		if u.Email == "" {
			rep.NoAddress++
			continue
		}
		r, err := e.RemindersFor(ctx, u.ID, u.Section, u.Scope())
		if err != nil {
			return rep, err
		}
		if r.Count() == 0 {
			rep.Nothing++
			continue
		}
		claimed, err := e.claimReminder(ctx, u.ID, day, r.Count())
		if err != nil {
			return rep, err
		}
		if !claimed {
			rep.AlreadySent++
			continue
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		subject, body := e.Digest(r, name, baseURL)
		if err := send(u.Email, subject, body); err != nil {
			rep.Failed++
			rep.Failures = append(rep.Failures, u.Username+": "+err.Error())
			if _, rerr := e.DB.ExecContext(ctx, `DELETE FROM case_reminder_sent WHERE user_id = $1 AND day = $2`, u.ID, day); rerr != nil {
				return rep, fmt.Errorf("give back the reminder of %s: %w", u.Username, rerr)
			}
			continue
		}
		rep.Sent++
		if err := e.Audit.Append(ctx, audit.Entry{Action: "case.remind", RecordType: "user", RecordID: strconv.FormatInt(u.ID, 10),
			Detail: fmt.Sprintf("%s <%s>: %d overdue, %d due soon, %d escalated", u.Username, u.Email, len(r.Overdue),
				len(r.DueSoon), len(r.Escalated))}.ByActor(by.Actor)); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// claimReminder records that user's digest of day is being sent; false when
// it was already.
func (e *Engine) claimReminder(ctx context.Context, userID int64, day string, cases int) (bool, error) {
	claimed := false
	err := e.DB.InTx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO case_reminder_sent (user_id, day, sent_at, cases) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, day) DO NOTHING`, userID, day, e.now(), cases)
		if err != nil {
			return fmt.Errorf("claim the reminder of user %d: %w", userID, err)
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}
