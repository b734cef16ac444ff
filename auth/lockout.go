package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"edubureau/fault"
)

// Failed sign-ins: LockoutAttempts wrong passwords (or one-time codes) in a
// row lock the account for LockoutDuration, whatever the password tried
// afterwards; a success resets the count. The lock says until when, in
// China Standard Time, so that the user knows when to come back.

// shanghai is China Standard Time; a fixed zone is exact (no daylight saving
// since 1991) when the system has no tzdata.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// waitError is a refusal that ends by itself: a locked account or a rate
// limit. RetryAfter reads the wait, for a Retry-After header.
type waitError struct {
	fe   *fault.Error
	wait time.Duration
}

func (e *waitError) Error() string { return e.fe.Error() }
func (e *waitError) Unwrap() error { return e.fe }

// RetryAfter returns how long to wait before trying again, when err is a
// lockout or a rate limit.
func RetryAfter(err error) (time.Duration, bool) {
	var we *waitError
	if errors.As(err, &we) {
		return we.wait, true
	}
	return 0, false
}

// lockedError says the account is locked until `until` (shown rounded up to
// the minute, in China Standard Time).
func lockedError(until, now time.Time) error {
	shown := until.In(shanghai)
	if shown.Truncate(time.Minute) != shown {
		shown = shown.Truncate(time.Minute).Add(time.Minute)
	}
	at := shown.Format("2006-01-02 15:04")
	return &waitError{wait: until.Sub(now), fe: fault.New(fault.Forbidden,
		"密码连续错误次数过多，账号已锁定至 %s（北京时间），请届时再试或联系系统管理员",
		"too many wrong attempts: the account is locked until %s (China Standard Time); try again then or ask the system administrator",
		at)}
}

func rateLimitedError(wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	return &waitError{wait: wait, fe: fault.New(fault.TooMany,
		"登录尝试过于频繁，请 %d 秒后再试", "too many sign-in attempts from this address; try again in %d seconds", secs)}
}

func (s *Service) lockoutAttempts() int {
	if s.LockoutAttempts > 0 {
		return s.LockoutAttempts
	}
	return 5
}

func (s *Service) lockoutDuration() time.Duration {
	if s.LockoutDuration > 0 {
		return s.LockoutDuration
	}
	return 15 * time.Minute
}

// lockedUntil reports whether u is locked at now.
func lockedAt(u User, now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// recordFailure counts a failed attempt of u. At the limit the account locks
// and the count starts again, so that after the lock the user has the full
// number of attempts. It returns the lock's end when this failure locked it.
// One statement, so that concurrent failures are all counted.
func (s *Service) recordFailure(ctx context.Context, u User, ip, what string) (*time.Time, error) {
	now := s.now()
	until := now.Add(s.lockoutDuration())
	var locked bool
	err := s.DB.QueryRowContext(ctx, `UPDATE app_user SET
		failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
		WHERE id = $1 RETURNING failed_logins = 0`, u.ID, s.lockoutAttempts(), until).Scan(&locked)
	if err != nil {
		return nil, fmt.Errorf("count failed sign-in of %s: %w", u.Username, err)
	}
	s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "failed", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind,
		OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: what})
	if !locked {
		return nil, nil
	}
	s.emit(ctx, Event{Action: "auth.lockout", Outcome: "denied", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind,
		OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username,
		Detail: fmt.Sprintf("%d failed attempts; locked until %s", s.lockoutAttempts(), until.Format(time.RFC3339))})
	return &until, nil
}

// resetFailures clears the count and any lock after a full success.
func (s *Service) resetFailures(ctx context.Context, u User) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE app_user SET failed_logins = 0, locked_until = NULL
		WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)`, u.ID); err != nil {
		return fmt.Errorf("reset failed sign-ins of %s: %w", u.Username, err)
	}
	return nil
}

// Unlock lifts a lock before it ends (an administrator, after checking who asks).
func (s *Service) Unlock(ctx context.Context, by Actor, id int64) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if err := s.resetFailures(ctx, u); err != nil {
		return err
	}
	s.emit(ctx, by.event("user.unlock", "ok", u, ""))
	return nil
}

// allowIP spends one sign-in attempt of ip, across all accounts.
func (s *Service) allowIP(ctx context.Context, ip, username string) error {
	s.limiterOnce.Do(func() {
		if s.limiter == nil {
			s.limiter = NewLimiter()
		}
	})
	rate := s.SignInRate
	if rate == 0 {
		rate = 20
	}
	ok, wait := s.limiter.Allow(ip, s.Now(), rate)
	if ok {
		return nil
	}
	s.emit(ctx, Event{Action: "auth.rate_limited", Outcome: "denied", Username: username, IP: ip,
		Detail: fmt.Sprintf("more than %d attempts a minute", rate)})
	return rateLimitedError(wait)
}
