// Package importer is the bureau's bulk import engine: any kind of record
// (students, schools, teachers, scores…) from CSV or Excel, with no limit on
// the number of rows.
//
// A duty package describes its kind (Kind: columns with their Chinese and
// English headers, coded values, a per-row check and a batch writer); the
// engine does the rest, the same way for every kind:
//
//   - reading: CSV in UTF-8 (with or without BOM), UTF-16 or GB18030/GBK,
//     detected from the bytes; XLSX streamed from its XML (the first visible
//     sheet with data; merged cells in the data filled, merged header cells
//     refused; formulas never evaluated). Memory stays constant whatever the
//     file's size: rows stream through a bounded pipeline, and in-file
//     duplicates are found with a compact set of 64-bit key hashes whose hits
//     are confirmed exactly by reading those rows again.
//   - the header: found in the first rows, columns matched by name in either
//     language (width, case and spaces ignored), missing required and unknown
//     columns named.
//   - every row checked (the engine's own checks — required, coded values,
//     lengths, formula-like text — then the kind's), problems named by row,
//     column as written in the file, and cell, in Chinese and English.
//   - one transaction for the whole import: all or nothing (the default) or
//     only the valid rows; a dry run checks and writes nothing; a cancelled or
//     killed import leaves nothing behind.
//   - a report (XLSX) repeating the refused rows with their problems, a
//     template per kind, progress, and a job record for the history.
package importer
