package enrol

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"edubureau/admission"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

// A published placement is sealed in a snapshot: a gzip'd tar archive of
//
//	snapshot.json   the year, the run, when it was published, the tie-break
//	                columns and batches, the digests of the inputs and the
//	                results, and the names of the schools it mentions
//	plan.csv        the plan rows as run (the file mode's PLAN.csv)
//	applicants.csv  the cohort as run (APPLICANTS.csv: no names, no ID numbers)
//	lookup.csv      exam_no,suffix_index: the blind index of each student's
//	                ID number's last six characters (pii.Keyring.Index)
//	results.csv     RESULTS.csv of the run
//	cutoffs.csv     CUTOFFS.csv of the run
//
// The archive is written byte for byte the same for the same run, and its
// SHA-256 names it. An instance that loads it reads the inputs with the file
// mode's readers, runs the placement again, and refuses the snapshot unless
// the results and cut-offs come out byte for byte as sealed: what it serves
// is exactly the published run, with the core's explanations.
const snapshotFormat = "edubureau.zhongkao.snapshot.v1"

type snapshotMeta struct {
	Format       string            `json:"format"`
	Year         int               `json:"year"`
	RunID        int64             `json:"run_id"`
	PublishedAt  time.Time         `json:"published_at"`
	Tiebreaks    []string          `json:"tiebreaks"`
	Batches      []int             `json:"batches"`
	InputDigest  string            `json:"input_digest"`
	ResultDigest string            `json:"result_digest"`
	Schools      map[string]string `json:"schools"`
}

func encodeSnapshot(meta snapshotMeta, in *inputs, res *admission.Result) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	gz.ModTime = meta.PublishedAt.Truncate(time.Second)
	tw := tar.NewWriter(gz)
	put := func(name string, write func(w io.Writer) error) error {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("snapshot %s: %w", name, err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(b.Len()), ModTime: gz.ModTime, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
		_, err := tw.Write(b.Bytes())
		return err
	}
	steps := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"snapshot.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(meta)
		}},
		{"plan.csv", func(w io.Writer) error { return admission.WritePlan(w, in.plan) }},
		{"applicants.csv", func(w io.Writer) error { return admission.WriteApplicants(w, in.apps, meta.Tiebreaks, meta.Batches) }},
		{"lookup.csv", func(w io.Writer) error {
			cw := csv.NewWriter(w)
			cw.Write([]string{"exam_no", "suffix_index"})
			for i, a := range in.apps {
				cw.Write([]string{a.ExamNo, in.students[i].suffix})
			}
			cw.Flush()
			return cw.Error()
		}},
		{"results.csv", func(w io.Writer) error { return admission.WriteResults(w, res) }},
		{"cutoffs.csv", func(w io.Writer) error { return admission.WriteCutoffs(w, res) }},
	}
	for _, s := range steps {
		if err := put(s.name, s.write); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Snapshot is a published placement loaded into memory, checked, and
// ready to answer lookups without the database.
type Snapshot struct {
	ID     int64
	SHA256 string
	Size   int
	meta   snapshotMeta
	res    admission.Result
	byExam map[string]int32
	suffix [][32]byte // blind index of each applicant's ID suffix, by applicant

	memo   []atomic.Pointer[[]byte] // a rendered answer per applicant (Memo)
	budget atomic.Int64             // bytes the memo may still take
}

// MemoBytes bounds the memory a snapshot spends keeping rendered answers
// (about 40,000 students' answers; past it, answers are rendered each time).
const MemoBytes = 64 << 20

// Memo returns the rendered answer of applicant i, rendering it with build
// the first time and keeping it while the snapshot's budget (MemoBytes)
// lasts: repeated lookups on results day cost no rendering, and the memory
// stays bounded whatever the load.
func (s *Snapshot) Memo(i int, build func() []byte) []byte {
	if p := s.memo[i].Load(); p != nil {
		return *p
	}
	b := build()
	if s.budget.Add(-int64(len(b))) >= 0 {
		s.memo[i].Store(&b)
	}
	return b
}

// Find looks a student up by exam number and the blind index of the typed
// ID suffix (compared in constant time); ok is false for an unknown exam
// number and for a wrong suffix alike.
func (s *Snapshot) Find(examNo string, suffixIndexHex string) (int, bool) {
	i, found := s.byExam[examNo]
	var want [32]byte
	if found {
		want = s.suffix[i]
	}
	var got [32]byte
	b, err := hex.DecodeString(suffixIndexHex)
	if err != nil || len(b) != 32 {
		return 0, false
	}
	copy(got[:], b)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !found {
		return 0, false
	}
	return int(i), true
}

// Answer is what the public lookup shows of applicant i.
func (s *Snapshot) Answer(i int) Answer { return s.answer(i) }

// Year is the snapshot's year of entry.
func (s *Snapshot) Year() int { return s.meta.Year }

// RunID is the published run's id.
func (s *Snapshot) RunID() int64 { return s.meta.RunID }

// PublishedAt is when it was published.
func (s *Snapshot) PublishedAt() time.Time { return s.meta.PublishedAt }

// Students is the cohort's size.
func (s *Snapshot) Students() int { return len(s.res.Applicants) }

// SchoolName names a school the snapshot mentions.
func (s *Snapshot) SchoolName(code string) string { return s.meta.Schools[code] }

// DecodeSnapshot reads a snapshot's content, checks it against sha256Hex
// (when not ""), runs its placement again and checks that the results and
// cut-offs are those sealed in it.
func DecodeSnapshot(content []byte, sha256Hex string) (*Snapshot, error) {
	sum := sha256.Sum256(content)
	got := hex.EncodeToString(sum[:])
	if sha256Hex != "" && got != sha256Hex {
		return nil, fmt.Errorf("snapshot: content has SHA-256 %s, not the published %s", got, sha256Hex)
	}
	zr, err := gzip.NewReader(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", h.Name, err)
		}
		files[h.Name] = b
	}
	for _, name := range []string{"snapshot.json", "plan.csv", "applicants.csv", "lookup.csv", "results.csv", "cutoffs.csv"} {
		if _, ok := files[name]; !ok {
			return nil, fmt.Errorf("snapshot: %s is missing", name)
		}
	}
	s := &Snapshot{SHA256: got, Size: len(content)}
	if err := json.Unmarshal(files["snapshot.json"], &s.meta); err != nil {
		return nil, fmt.Errorf("snapshot.json: %w", err)
	}
	if s.meta.Format != snapshotFormat {
		return nil, fmt.Errorf("snapshot: unknown format %q", s.meta.Format)
	}
	plan, _, err := admission.ReadPlan(bytes.NewReader(files["plan.csv"]), "plan.csv")
	if err != nil {
		return nil, err
	}
	apps, _, err := admission.ReadApplicants(bytes.NewReader(files["applicants.csv"]), "applicants.csv", s.meta.Batches, s.meta.Tiebreaks)
	if err != nil {
		return nil, err
	}
	if s.res, err = admission.Place(plan, apps); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	var results, cutoffs bytes.Buffer
	admission.WriteResults(&results, &s.res)
	admission.WriteCutoffs(&cutoffs, &s.res)
	if !bytes.Equal(results.Bytes(), files["results.csv"]) || !bytes.Equal(cutoffs.Bytes(), files["cutoffs.csv"]) {
		return nil, fmt.Errorf("snapshot: the placement run again does not give the sealed results")
	}
	lookup, lines, err := admission.ReadColumns(bytes.NewReader(files["lookup.csv"]), "lookup.csv", []string{"exam_no", "suffix_index"}, nil)
	if err != nil {
		return nil, err
	}
	if len(lookup) != len(apps) {
		return nil, fmt.Errorf("snapshot: lookup.csv has %d rows for %d applicants", len(lookup), len(apps))
	}
	s.byExam = make(map[string]int32, len(apps))
	for i, a := range apps {
		s.byExam[a.ExamNo] = int32(i)
	}
	s.suffix = make([][32]byte, len(apps))
	for x, rec := range lookup {
		i, ok := s.byExam[rec[0]]
		b, err := hex.DecodeString(rec[1])
		if !ok || err != nil || len(b) != 32 {
			return nil, fmt.Errorf("snapshot: lookup.csv row %d is not an exam number with its index", lines[x])
		}
		copy(s.suffix[i][:], b)
	}
	s.memo = make([]atomic.Pointer[[]byte], len(apps))
	s.budget.Store(MemoBytes)
	return s, nil
}

// loadSnapshot returns a published run's snapshot (decoded once, then kept).
func (o *Office) loadSnapshot(ctx context.Context, runID int64) (*Snapshot, error) {
	snapshots.mu.Lock()
	if s, ok := snapshots.byRun[o.DB][runID]; ok {
		snapshots.mu.Unlock()
		return s, nil
	}
	snapshots.mu.Unlock()
	var id int64
	var sum string
	var content []byte
	err := o.DB.QueryRowContext(ctx, `SELECT id, sha256, content FROM zhongkao_snapshot WHERE run_id = $1`, runID).Scan(&id, &sum, &content)
	if db.IsNoRows(err) {
		return nil, notFound(i18n.T("录取结果快照", "snapshot"), runID)
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	s, err := DecodeSnapshot(content, sum)
	if err != nil {
		return nil, fault.Wrap(err, "load snapshot")
	}
	s.ID = id
	snapshots.mu.Lock()
	if snapshots.byRun[o.DB] == nil {
		snapshots.byRun[o.DB] = map[int64]*Snapshot{}
	}
	snapshots.byRun[o.DB][runID] = s
	snapshots.mu.Unlock()
	return s, nil
}

// snapshots keeps decoded snapshots per database (they never change).
var snapshots = struct {
	mu    sync.Mutex
	byRun map[*db.DB]map[int64]*Snapshot
}{byRun: map[*db.DB]map[int64]*Snapshot{}}

// SnapshotContent returns a published run's snapshot as stored, with its
// SHA-256, for download and for recomputing elsewhere.
func (o *Office) SnapshotContent(ctx context.Context, runID int64) ([]byte, string, error) {
	var sum string
	var content []byte
	err := o.DB.QueryRowContext(ctx, `SELECT sha256, content FROM zhongkao_snapshot WHERE run_id = $1`, runID).Scan(&sum, &content)
	if db.IsNoRows(err) {
		return nil, "", notFound(i18n.T("录取结果快照", "snapshot"), runID)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read snapshot: %w", err)
	}
	return content, sum, nil
}

// Answer is what the public lookup shows of one student: no name, no ID
// number — the result, the total and rank, and the explanation.
type Answer struct {
	ExamNo      string
	Year        int
	PublishedAt time.Time
	Snapshot    string
	Admitted    bool
	Batch       int
	School      string
	SchoolName  string
	Seat        string // quota | general | ""
	Total       float64
	Rank        int
	Outcome     i18n.Text
	Reasons     []AnswerReason
}

// AnswerReason is why the student was not admitted to one school listed higher.
type AnswerReason struct {
	Batch      int
	School     string
	SchoolName string
	Text       i18n.Text
}

// Lookup finds a student by exam number and checks the ID suffix's blind
// index (compared in constant time). ok is false for an unknown exam number
// and for a wrong suffix alike.
func (s *Snapshot) Lookup(examNo string, suffixIndexHex string) (Answer, bool) {
	i, ok := s.Find(examNo, suffixIndexHex)
	if !ok {
		return Answer{}, false
	}
	return s.answer(i), true
}

func (s *Snapshot) answer(i int) Answer {
	a := s.res.Applicants[i]
	o := s.res.Outcomes[i]
	ex := s.res.Explain(i)
	ans := Answer{ExamNo: a.ExamNo, Year: s.meta.Year, PublishedAt: s.meta.PublishedAt, Snapshot: s.SHA256, Admitted: o.Placed(),
		Batch: o.Batch, School: o.School, SchoolName: s.meta.Schools[o.School], Total: a.Total, Rank: o.Rank, Outcome: ex.Outcome}
	if o.Placed() {
		ans.Seat = "general"
		if o.Quota {
			ans.Seat = "quota"
		}
	}
	for _, r := range ex.Reasons {
		ans.Reasons = append(ans.Reasons, AnswerReason{Batch: r.Batch, School: r.School, SchoolName: s.meta.Schools[r.School], Text: r.Text})
	}
	return ans
}

// CheckLookup validates a lookup's exam number and ID suffix, naming the
// parameter at fault.
func CheckLookup(examNo, suffix string) error {
	var v fault.Validation
	examNo = strings.TrimSpace(examNo)
	if examNo == "" || len(examNo) > 32 {
		v.Add("exam_no", "请填写准考证号（最多 32 个字符）", "the exam number is required (at most 32 characters)")
	}
	s := strings.ToUpper(strings.TrimSpace(suffix))
	ok := len(s) == 6
	for i := 0; ok && i < 6; i++ {
		ok = s[i] >= '0' && s[i] <= '9' || (i == 5 && s[i] == 'X')
	}
	if !ok {
		v.Add("id_suffix", "应为身份证号码的后六位（数字，最后一位可为 X）", "must be the last six characters of the ID number (digits; the last may be X)")
	}
	return v.Err()
}
