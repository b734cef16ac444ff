package enrol

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/student"
)

// RegistryReport says what ApplicantsFromRegistry did.
type RegistryReport struct {
	Leavers  int // the registry's students in the actor's scope finishing the grade before entry
	Created  int // registered as applicants now
	Existing int // already applicants of the year and grade (by ID number)
	// Skipped are the leavers that could not be registered, with the reason
	// (the first MaxSkipped of them); SkippedTotal counts them all.
	Skipped      []SkippedLeaver
	SkippedTotal int
}

// SkippedLeaver is a student of the registry not made an applicant.
type SkippedLeaver struct {
	StudentID int64
	Name      string // masked
	School    string
	Reason    i18n.Text
}

// MaxSkipped caps the skipped leavers a report lists.
const MaxSkipped = 200

// FeederGrade is the registry's grade whose leavers apply for grade of
// entry: 大班 (K3) for primary 1, the last primary grade (6, or 5 under
// 五四制) for junior 7.
func (o *Office) FeederGrade(grade int) (student.Grade, bool) {
	switch {
	case o.Students == nil:
		return 0, false
	case grade == GradePrimary:
		return student.K3, true
	case grade == GradeJunior:
		return o.Students.Rules.System.LastPrimary(), true
	}
	return 0, false
}

// ApplicantsFromRegistry registers as applicants for a year's entry into
// grade 1 or 7 the student registry's leavers in the actor's scope: the
// students enrolled now in the last grade of their kindergarten or primary
// school (a nine-year school's pupils stay on and are not leavers). Only the
// intake being prepared can be drawn this way (EntryYear): the registry
// holds this year's leavers.
//
// A leaver whose ID number is already an applicant of the year and grade
// (in any county) is left alone, found by the blind index the registry
// already holds, nothing decrypted: running it again adds only the new
// leavers. The others are registered as a child entered by hand is: the
// ID number and the residential address are opened from the registry and
// sealed again under the applicants' own columns (a ciphertext is bound to
// its column), the position of the residential address is the point the
// catchment assignment places them by, and the county is the address's
// (its township's), or the school's when the address has none. Leavers
// without a resident ID number, without the position of their address, or
// living in a county outside the actor's scope are skipped and reported.
// Everything is written in one transaction with one audit entry.
func (o *Office) ApplicantsFromRegistry(ctx context.Context, by Actor, year, grade int) (RegistryReport, error) {
	if err := by.mayRun(); err != nil {
		return RegistryReport{}, err
	}
	if _, err := o.ring(); err != nil {
		return RegistryReport{}, err
	}
	var v fault.Validation
	checkYear(&v, "year", year)
	checkGrade(&v, "grade", grade, GradePrimary, GradeJunior)
	if err := v.Err(); err != nil {
		return RegistryReport{}, err
	}
	if now := EntryYear(o.now()); year != now {
		return RegistryReport{}, fault.New(fault.Invalid, "学籍中的毕业年级学生是 %d 年入学的申请人，不能用于 %d 年", "the registry's leavers apply for %d, not %d", now, year)
	}
	feeder, ok := o.FeederGrade(grade)
	if !ok {
		return RegistryReport{}, fault.New(fault.Unavailable, "未接入学籍库，不能从学籍生成申请人", "the student registry is not available: applicants cannot be drawn from it")
	}
	have := map[string]bool{}
	rows, err := o.DB.QueryContext(ctx, `SELECT id_index FROM admission_applicant WHERE year = $1 AND grade = $2`, year, grade)
	if err != nil {
		return RegistryReport{}, fmt.Errorf("read applicants: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return RegistryReport{}, err
		}
		have[k] = true
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return RegistryReport{}, err
	}
	var rep RegistryReport
	skip := func(l student.Leaver, reason i18n.Text) {
		rep.SkippedTotal++
		if len(rep.Skipped) < MaxSkipped {
			rep.Skipped = append(rep.Skipped, SkippedLeaver{StudentID: l.ID, Name: pii.MaskName(l.Name), School: l.School, Reason: reason})
		}
	}
	counties := map[string]area.Area{}
	var ins []ApplicantInput
	var indexes []string
	err = o.Students.EachLeaver(ctx, by.Scope, feeder, func(l student.Leaver) error {
		rep.Leavers++
		switch {
		case have[l.IDIndex]:
			rep.Existing++
			return nil
		case l.IDType != idno.ResidentIDCard:
			skip(l, i18n.T("证件不是居民身份证：入学申请需要居民身份证号码", "the ID is not a resident ID card, which an application needs"))
			return nil
		case l.Lng == nil || l.Lat == nil:
			skip(l, i18n.T("学籍中没有现住址的经纬度，无法划片", "the registry has no position for the residential address, so no zone can be found"))
			return nil
		}
		county := l.County
		if len(l.Township) == 9 {
			county = l.Township[:6]
		}
		if !by.Scope.Reaches(county, "") {
			skip(l, i18n.T("现住址在县区 %s，不在您的范围内", "the residential address is in county %s, outside your scope", county))
			return nil
		}
		id, address, err := o.Students.OpenLeaver(l)
		if err != nil {
			return err
		}
		in := ApplicantInput{Year: year, Grade: grade, County: county, Name: l.Name, IDNumber: id, Address: address, Lng: *l.Lng, Lat: *l.Lat}
		var v fault.Validation
		o.checkApplicant(ctx, o.DB, by, &in, &v, "", counties)
		if err := v.Err(); err != nil {
			fe := fault.As(err)
			if fe.Kind == fault.Internal {
				return err
			}
			skip(l, fe.Fields[0].Msg)
			return nil
		}
		have[l.IDIndex] = true
		ins = append(ins, in)
		indexes = append(indexes, l.IDIndex)
		return nil
	})
	if err != nil {
		return RegistryReport{}, err
	}
	skipped := make([]string, len(rep.Skipped))
	for i, s := range rep.Skipped {
		skipped[i] = strconv.FormatInt(s.StudentID, 10)
	}
	detail := fmt.Sprintf("%d/%d from the registry's grade %d: %d leavers, %d registered, %d already applicants, %d skipped", year, grade,
		feeder, rep.Leavers, len(ins), rep.Existing, rep.SkippedTotal)
	if len(skipped) > 0 {
		detail += " (students " + strings.Join(skipped, ", ") + ")"
	}
	record := func(tx db.Tx, _ []Applicant) error {
		return o.record(ctx, tx, by, "admission.applicant.from_registry", "admission_applicant", fmt.Sprintf("%d/%d", year, grade), detail, nil)
	}
	if len(ins) == 0 {
		err = o.DB.InTx(ctx, func(tx db.Tx) error { return record(tx, nil) })
	} else {
		_, err = o.insertApplicants(ctx, by, ins, indexes, record)
	}
	if err != nil {
		return RegistryReport{}, err
	}
	rep.Created = len(ins)
	return rep, nil
}
