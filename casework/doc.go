// Package casework is the bureau's case engine: cases with legal deadlines
// (licensing, reconsideration, information disclosure, assigned tasks,
// complaints), each kind defined as data.
//
// A Type lists its states, the transitions between them (who may take each,
// the fields and documents each needs), and its Rules: legal periods of N
// working or calendar days from the step that starts them, with one
// extension and clock stops. Each state names the period that runs while a
// case is in it; a transition may start a period, stop one (a hearing, an
// expert review, an inspection, waiting for the applicant), resume it (the
// days used still count: License Law Art. 45) or restart it from zero (GIDR
// Art. 30), or extend it once. The last day is computed by calendar.Deadline
// on the official calendar and stored with the case, so the work views
// ("my cases by deadline", due soon, overdue) are index reads.
//
// Numbers follow the bureau's format, 衡教许〔2026〕12号: per type and year of
// receipt, without gaps, allocated in the opening transaction. Every step
// writes the case, its event (who, the legal date, the instant, why), its
// documents (kept in the database with their SHA-256) and an audit entry in
// one transaction; a step that breaks a rule changes nothing.
//
// The applicant follows a case with its number and an access code given once
// at opening (only its argon2id hash is stored). The applicant's contact is
// stored as plain text for now.
package casework
