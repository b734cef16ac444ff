package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// Service runs imports on a database and keeps their history (import_job).
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	// Dir keeps the reports of refused rows and the uploads being imported;
	// "" keeps no reports (the command line writes its own).
	Dir string
	// ReportTTL is how long a report is kept (it repeats personal data): 7 days by default.
	ReportTTL time.Duration
	Now       func() time.Time

	started time.Time
	mu      sync.Mutex
	kinds   []Kind
	live    map[int64]*Live
}

// New returns a service on d keeping its files in dir.
func New(d *db.DB, log *audit.Log, dir string) *Service {
	if log == nil {
		log = audit.New(d)
	}
	return &Service{DB: d, Audit: log, Dir: dir, Now: time.Now, started: time.Now(), live: map[int64]*Live{}}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) audit() *audit.Log {
	if s.Audit == nil {
		s.Audit = audit.New(s.DB)
	}
	return s.Audit
}

// Register adds a kind; its spec must be sound (each header names one column).
func (s *Service) Register(k Kind) error {
	spec := k.Spec()
	if err := CheckSpec(spec); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.kinds {
		if x.Spec().Name == spec.Name {
			return fmt.Errorf("importer: kind %s registered twice", spec.Name)
		}
	}
	s.kinds = append(s.kinds, k)
	return nil
}

// CheckSpec checks a kind's description: names present, no header naming two
// columns, the key column and every coded column sound.
func CheckSpec(spec Spec) error {
	if spec.Name == "" || len(spec.Columns) == 0 {
		return fmt.Errorf("importer: a kind needs a name and columns")
	}
	if _, err := newMatcher(spec); err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, c := range spec.Columns {
		if c.Key == "" || c.ZH == "" || c.EN == "" {
			return fmt.Errorf("importer: %s: a column needs a key and both headers: %+v", spec.Name, c)
		}
		if keys[c.Key] {
			return fmt.Errorf("importer: %s: column %s twice", spec.Name, c.Key)
		}
		keys[c.Key] = true
		seen := map[string]string{}
		for _, code := range c.Codes {
			for _, v := range append([]string{code.Value, code.Label.ZH, code.Label.EN}, code.Aliases...) {
				k := normHeader(v)
				if other, dup := seen[k]; dup && other != code.Value {
					return fmt.Errorf("importer: %s.%s: %q names both %s and %s", spec.Name, c.Key, v, other, code.Value)
				}
				seen[k] = code.Value
			}
		}
	}
	if spec.KeyColumn != "" && !keys[spec.KeyColumn] {
		return fmt.Errorf("importer: %s: key column %s is not a column", spec.Name, spec.KeyColumn)
	}
	params := map[string]bool{}
	for _, p := range spec.Params {
		switch {
		case p.Key == "" || p.ZH == "" || p.EN == "" || strings.Trim(p.Key, "abcdefghijklmnopqrstuvwxyz_") != "":
			return fmt.Errorf("importer: %s: a parameter needs a lower-case key and both labels: %+v", spec.Name, p)
		case params[p.Key] || reservedParams[p.Key]:
			return fmt.Errorf("importer: %s: parameter %s is given twice or is one of the engine's own", spec.Name, p.Key)
		}
		params[p.Key] = true
	}
	return nil
}

// reservedParams are the names the engine's own options go by in forms,
// queries and flags: a kind's parameter cannot take them.
var reservedParams = map[string]bool{"mode": true, "dry_run": true, "school": true, "filename": true, "file": true,
	"report": true, "db": true, "lang": true, "valid_only": true, "key_file": true}

// Kinds lists the registered kinds in the order registered.
func (s *Service) Kinds() []Kind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Kind(nil), s.kinds...)
}

// Kind finds a registered kind by name.
func (s *Service) Kind(name string) (Kind, bool) {
	for _, k := range s.Kinds() {
		if k.Spec().Name == name {
			return k, true
		}
	}
	return nil, false
}

// Run imports a file and waits for the end (the command line, the API). The
// job is recorded before the import begins and finished after it ends. The
// error is for failures of the system; what is wrong with the file is in
// the result.
func (s *Service) Run(ctx context.Context, req Request) (Result, error) {
	res, err := s.open(ctx, &req)
	if err != nil {
		return res, err
	}
	return s.runJob(ctx, req, res)
}

func (s *Service) runJob(ctx context.Context, req Request, res Result) (Result, error) {
	err := s.execute(ctx, req, &res)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		res.Status = Cancelled
		res.Problems = append(res.Problems, Problem{Message: i18n.T("导入已取消，没有写入任何数据", "the import was cancelled; nothing was written")})
		res.ProblemCount++
		err = nil
	default:
		res.Status = Failed
		res.Problems = append(res.Problems, Problem{Message: i18n.T("导入失败（系统错误），没有写入任何数据", "the import failed (a system error); nothing was written")})
		res.ProblemCount++
	}
	if !res.Status.Wrote() {
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
	}
	if res.Checksum == "" && req.Source.Path != "" {
		res.Checksum, _ = req.Source.Checksum()
	}
	res.Finished = s.now()
	if ferr := s.finishJob(context.WithoutCancel(ctx), res); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return res, fault.Wrap(err, "import")
	}
	return res, nil
}

// open checks the request and records the job as running.
func (s *Service) open(ctx context.Context, req *Request) (Result, error) {
	if req.Kind == nil {
		return Result{}, fault.New(fault.Invalid, "没有指定导入的数据类型", "no kind of import given")
	}
	if req.Options.Mode == "" {
		req.Options.Mode = AllOrNothing
	}
	if _, ok := ParseMode(string(req.Options.Mode)); !ok {
		return Result{}, fault.New(fault.Invalid, "导入方式 %q 无效（all_or_nothing 或 valid_only）", "import mode %q is not valid (all_or_nothing or valid_only)", req.Options.Mode)
	}
	if req.Via == "" {
		req.Via = "cli"
	}
	s.sweep()
	spec := req.Kind.Spec()
	res := Result{JobID: db.NewID(), Kind: spec.Name, File: req.Source.Name, Size: req.Source.Size, Checksum: req.Checksum,
		Mode: req.Options.Mode, DryRun: req.Options.DryRun, Status: Running, Started: s.now(), Problems: []Problem{}}
	if req.ReportPath == "" && s.Dir != "" {
		req.ReportPath = filepath.Join(s.Dir, fmt.Sprintf("report-%d.xlsx", res.JobID))
	}
	area, school := "", req.Options.School
	switch req.Actor.OrgKind {
	case "county":
		area = req.Actor.OrgCode
	case "school":
		school = req.Actor.OrgCode
	}
	var uid any
	if req.Actor.UserID != 0 {
		uid = req.Actor.UserID
	}
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO import_job (id, kind, file_name, file_size, checksum, mode, dry_run, via, status,
		user_id, username, area_code, school_code, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		res.JobID, spec.Name, short200(res.File), res.Size, res.Checksum, string(res.Mode), res.DryRun, req.Via, string(Running),
		uid, req.Actor.Username, area, school, res.Started); err != nil {
		return res, fault.Wrap(err, "record import job")
	}
	return res, nil
}

func short200(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200])
	}
	return s
}

// finishJob writes the outcome into the job record.
func (s *Service) finishJob(ctx context.Context, res Result) error {
	var msg i18n.Text
	for _, p := range res.Problems {
		if !p.Warning {
			msg = i18n.Text{ZH: p.In(i18n.ZH), EN: p.In(i18n.EN)}
			break
		}
	}
	report := ""
	if res.Report != "" && s.Dir != "" && filepath.Dir(res.Report) == filepath.Clean(s.Dir) {
		report = filepath.Base(res.Report)
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE import_job SET status = $2, checksum = $3, format = $4, rows_read = $5, rows_blank = $6,
		rows_valid = $7, created = $8, updated = $9, unchanged = $10, refused = $11, warnings = $12, problems = $13,
		message_zh = $14, message_en = $15, report = $16, finished_at = $17 WHERE id = $1`,
		res.JobID, string(res.Status), res.Checksum, res.Format, res.Rows, res.Blank, res.Valid, res.Created, res.Updated,
		res.Unchanged, res.Refused, res.Warnings, res.ProblemCount, short200(msg.ZH), short200(msg.EN), report, res.Finished)
	if err != nil {
		return fault.Wrap(err, "finish import job")
	}
	return nil
}

// Live is an import running in the background (started from the web page).
type Live struct {
	ID     int64
	Kind   string
	UserID int64
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	progress Progress
	result   *Result
	err      error
	ended    time.Time
}

// Snapshot returns the progress and, once the import has ended, its result.
func (l *Live) Snapshot() (Progress, *Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.progress, l.result, l.err
}

// Done is closed when the import has ended.
func (l *Live) Done() <-chan struct{} { return l.done }

// Start runs an import in the background and returns its job id at once; the
// caller follows it with Live and may stop it with Cancel. When remove is
// set, the source file is deleted once the import has ended (an upload).
func (s *Service) Start(req Request, remove bool) (int64, error) {
	ctx, cancel := context.WithCancel(context.Background())
	res, err := s.open(ctx, &req)
	if err != nil {
		cancel()
		if remove && req.Source.Path != "" {
			os.Remove(req.Source.Path)
		}
		return 0, err
	}
	l := &Live{ID: res.JobID, Kind: res.Kind, UserID: req.Actor.UserID, cancel: cancel, done: make(chan struct{})}
	l.progress = Progress{Total: req.Source.Size}
	user := req.Options.Progress
	req.Options.Progress = func(p Progress) {
		l.mu.Lock()
		l.progress = p
		l.mu.Unlock()
		if user != nil {
			user(p)
		}
	}
	s.mu.Lock()
	s.live[l.ID] = l
	s.mu.Unlock()
	go func() {
		defer close(l.done)
		defer cancel()
		r, err := s.runJob(ctx, req, res)
		if remove && req.Source.Path != "" {
			os.Remove(req.Source.Path)
		}
		l.mu.Lock()
		l.result, l.err, l.ended = &r, err, time.Now()
		l.progress.Phase = PhaseDone
		l.mu.Unlock()
	}()
	return l.ID, nil
}

// Live returns a background import of this process by job id.
func (s *Service) Live(id int64) (*Live, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.live[id]
	return l, ok
}

// Cancel stops a background import; it reports false when the job is not
// running in this process.
func (s *Service) Cancel(id int64) bool {
	l, ok := s.Live(id)
	if !ok {
		return false
	}
	select {
	case <-l.done:
		return false
	default:
	}
	l.cancel()
	return true
}

// Stop cancels every background import and waits for them to end (they
// write nothing and record that they were cancelled), or for ctx.
func (s *Service) Stop(ctx context.Context) {
	all := s.lives()
	for _, l := range all {
		l.cancel()
	}
	for _, l := range all {
		select {
		case <-l.done:
		case <-ctx.Done():
			return
		}
	}
}

// Wait blocks until every background import has ended (tests, shutdown).
func (s *Service) Wait() {
	for _, l := range s.lives() {
		<-l.done
	}
}

// lives lists the background imports this process knows.
func (s *Service) lives() []*Live {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*Live, 0, len(s.live))
	for _, l := range s.live {
		all = append(all, l)
	}
	return all
}

// sweep forgets background imports that ended over an hour ago and deletes
// reports older than ReportTTL and uploads left over (a day old).
func (s *Service) sweep() {
	s.mu.Lock()
	for id, l := range s.live {
		l.mu.Lock()
		old := !l.ended.IsZero() && time.Since(l.ended) > time.Hour
		l.mu.Unlock()
		if old {
			delete(s.live, id)
		}
	}
	s.mu.Unlock()
	if s.Dir == "" {
		return
	}
	ttl := s.ReportTTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := time.Since(info.ModTime())
		switch {
		case strings.HasPrefix(e.Name(), "report-") && age > ttl,
			strings.HasPrefix(e.Name(), "upload-") && age > 24*time.Hour:
			os.Remove(filepath.Join(s.Dir, e.Name()))
		}
	}
}

// Job is an import as the history shows it.
type Job struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	FileName   string    `json:"file_name"`
	FileSize   int64     `json:"file_size"`
	Checksum   string    `json:"checksum"`
	Format     string    `json:"format"`
	Mode       Mode      `json:"mode"`
	DryRun     bool      `json:"dry_run"`
	Via        string    `json:"via"`
	Status     Status    `json:"status"`
	Counts               // rows, created…
	Problems   int64     `json:"problem_count"`
	Message    i18n.Text `json:"message"`
	Report     string    `json:"-"` // the report's file name in the service's directory
	UserID     int64     `json:"user_id,omitempty"`
	Username   string    `json:"username"`
	AreaCode   string    `json:"area_code,omitempty"`
	SchoolCode string    `json:"school_code,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Viewer is who looks at the history: a job is visible to the user who ran
// it and to users whose scope reaches the importer's county or school.
type Viewer struct {
	UserID int64
	Scope  scope.Scope
}

func (v Viewer) where(next int) (string, []any) {
	cond, args := v.Scope.SQL("area_code", "school_code", next+1)
	return "(user_id = $" + itoa(next) + " OR " + cond + ")", append([]any{v.UserID}, args...)
}

const jobColumns = `id, kind, file_name, file_size, checksum, format, mode, dry_run, via, status, rows_read, rows_blank, rows_valid,
	created, updated, unchanged, refused, warnings, problems, message_zh, message_en, report, user_id, username, area_code,
	school_code, started_at, finished_at`

func (s *Service) scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var uid *int64
	var finished *time.Time
	var mode, status string
	err := sc.Scan(&j.ID, &j.Kind, &j.FileName, &j.FileSize, &j.Checksum, &j.Format, &mode, &j.DryRun, &j.Via, &status,
		&j.Rows, &j.Blank, &j.Valid, &j.Created, &j.Updated, &j.Unchanged, &j.Refused, &j.Warnings, &j.Problems,
		&j.Message.ZH, &j.Message.EN, &j.Report, &uid, &j.Username, &j.AreaCode, &j.SchoolCode, &j.StartedAt, &finished)
	if err != nil {
		return j, err
	}
	j.Mode, j.Status = Mode(mode), Status(status)
	if uid != nil {
		j.UserID = *uid
	}
	if finished != nil {
		j.FinishedAt = *finished
	}
	if j.Status == Running {
		if _, live := s.Live(j.ID); !live && j.StartedAt.Before(s.started.Add(-time.Second)) {
			j.Status = Interrupted // started by a process that is gone
		}
	}
	return j, nil
}

// JobPage is one page of the history.
type JobPage struct {
	Jobs    []Job
	Total   int
	Page    int
	PerPage int
}

// Jobs lists the imports of kind ("" for every kind) that v may see, newest first.
func (s *Service) Jobs(ctx context.Context, v Viewer, kind string, page, perPage int) (JobPage, error) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > 200 {
		perPage = 20
	}
	cond, args := v.where(1)
	if kind != "" {
		args = append(args, kind)
		cond += " AND kind = $" + itoa(len(args))
	}
	out := JobPage{Page: page, PerPage: perPage}
	if err := s.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM import_job WHERE "+cond, args...).Scan(&out.Total); err != nil {
		return out, fault.Wrap(err, "count import jobs")
	}
	rows, err := s.DB.QueryContext(ctx, "SELECT "+jobColumns+" FROM import_job WHERE "+cond+
		fmt.Sprintf(" ORDER BY started_at DESC, id DESC LIMIT %d OFFSET %d", perPage, (page-1)*perPage), args...)
	if err != nil {
		return out, fault.Wrap(err, "list import jobs")
	}
	defer rows.Close()
	for rows.Next() {
		j, err := s.scanJob(rows)
		if err != nil {
			return out, fault.Wrap(err, "read import job")
		}
		out.Jobs = append(out.Jobs, j)
	}
	return out, fault.Wrap(rows.Err(), "list import jobs")
}

// Job returns one import that v may see; any other is not found.
func (s *Service) Job(ctx context.Context, v Viewer, id int64) (Job, error) {
	cond, args := v.where(2)
	j, err := s.scanJob(s.DB.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM import_job WHERE id = $1 AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, db.ErrNoRows) {
		return j, fault.New(fault.NotFound, "找不到导入记录 %d", "no import %d", id)
	}
	if err != nil {
		return j, fault.Wrap(err, "read import job")
	}
	return j, nil
}

// ReportFile is the path of a job's report when it is still kept ("" otherwise).
func (s *Service) ReportFile(j Job) string {
	if j.Report == "" || s.Dir == "" || strings.ContainsAny(j.Report, `/\`) {
		return ""
	}
	p := filepath.Join(s.Dir, j.Report)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// sortProblems orders problems by row (the file's problems first).
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Row < ps[j].Row })
}
