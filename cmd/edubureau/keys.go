package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"edubureau/config"
	"edubureau/db"
	"edubureau/pii"
)

func init() {
	register(&command{name: "keys", summary: "make keys for personal data (keys new) and re-encrypt stored data under the current key (keys rotate)", run: runKeys})
}

const keysUsage = `new [--out FILE] [--next]  |  rotate [--db DSN] [--key-file FILE] [--batch N]

  keys new             print a new master key (base64), or write it to a new file with --out (mode 0600)
  keys new --next      the key value to rotate to: a new master key carrying the blind-index key in use
                       (reads the current key from EDUBUREAU_KEY or --key-file)
  keys rotate          re-encrypt every encrypted column under the current key, in batches; safe to
                       interrupt and run again (it continues where it stopped)`

func runKeys(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "usage: edubureau keys %s\n", keysUsage)
		return usageError{errors.New("say new or rotate")}
	}
	switch args[0] {
	case "new":
		return runKeysNew(ctx, args[1:], e)
	case "rotate":
		return runKeysRotate(ctx, args[1:], e)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stderr, "usage: edubureau keys %s\n", keysUsage)
		return nil
	}
	return usageError{fmt.Errorf("unknown subcommand %q (use new or rotate)", args[0])}
}

func runKeysNew(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("keys", "new [--out FILE] [--next] [--key-file FILE]", e)
	cl := config.Flags(fs, e.getenv, "key-file")
	out := fs.String("out", "", "write the key to this new file (mode 0600; an existing file is never overwritten) instead of printing it")
	next := fs.Bool("next", false, "make the key value to rotate to: a new master key with the current blind-index key (needs the current key)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	master, err := pii.NewMasterKey()
	if err != nil {
		return err
	}
	value := pii.EncodeKey(master)
	if *next {
		ring, err := loadKeyring(cfg, e, false, "")
		if err != nil {
			return err
		}
		if value, err = ring.RotatedSpec(master); err != nil {
			return err
		}
	}
	if *out == "" {
		fmt.Fprintln(e.stdout, value)
	} else if err := writeKeyFile(*out, value); err != nil {
		return err
	} else {
		fmt.Fprintf(e.stdout, "wrote a new key to %s (mode 0600)\n", *out)
	}
	if *next {
		fmt.Fprintln(e.stderr, `to rotate:
  1. put the current key value in EDUBUREAU_KEY_OLD (comma-separated with any older ones);
  2. make this new value the current key (EDUBUREAU_KEY or the key file) and restart;
  3. run `+"`edubureau keys rotate`"+` to re-encrypt what is stored; the blind indexes stay valid;
  4. when nothing (no backup either) is under the old key, remove it from EDUBUREAU_KEY_OLD.`)
	} else {
		fmt.Fprintln(e.stderr, "keep a copy of the key in a safe place: without it the personal data cannot be read")
	}
	return nil
}

// writeKeyFile writes a key value to a new file with mode 0600, like
// pii.CreateKeyFile, refusing to overwrite anything.
func writeKeyFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("key file %s already exists and will not be overwritten", path)
	}
	if err != nil {
		return fmt.Errorf("cannot create key file %s: %v", path, err)
	}
	_, err = io.WriteString(f, value+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("cannot write key file %s: %v", path, err)
	}
	return nil
}

func runKeysRotate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("keys", "rotate [--db DSN] [--key-file FILE] [--batch N]", e)
	cl := config.Flags(fs, e.getenv, "db", "key-file")
	batch := fs.Int("batch", 500, "rows per transaction")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	if *batch < 1 || *batch > 100000 {
		return usageError{fmt.Errorf("--batch %d is not from 1 to 100000", *batch)}
	}
	cfg, err := cl.Load()
	if err != nil {
		return usageError{err}
	}
	ring, err := loadKeyring(cfg, e, false, "")
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	fmt.Fprintf(e.stderr, "re-encrypting personal data in %s under key %s (batches of %d)\n", d.Where, ring.CurrentKeyID(), *batch)
	bar := newProgressBar(e.stderr)
	var all []rotateStats
	for _, c := range encryptedColumns() {
		st, err := rotateColumn(ctx, d, ring, c, *batch, func(done, total int) { bar.Update(c.Name(), done, total) })
		all = append(all, st)
		if err != nil {
			bar.Done()
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted in %s after %d rows; run `edubureau keys rotate` again to continue where it stopped", c.Name(), st.Rows)
			}
			return err
		}
	}
	bar.Done()
	total := 0
	for _, st := range all {
		fmt.Fprintf(e.stdout, "%-28s %s\n", st.Column.Name(), st)
		total += st.Reencrypted
	}
	fmt.Fprintf(e.stdout, "%d value(s) re-encrypted in %.1fs; every encrypted value is now under key %s\n", total, time.Since(start).Seconds(), ring.CurrentKeyID())
	return nil
}

// encryptedColumns is the registry of encrypted columns (tests may replace it).
var encryptedColumns = pii.Columns

// rotateAfterBatch, when set (by tests), runs after each committed batch.
var rotateAfterBatch func(c pii.Column, batch int)

// rotateStats counts what the rotation of one column did.
type rotateStats struct {
	Column      pii.Column
	Rows        int // rows walked in this run
	Reencrypted int // values re-encrypted under the current key
	Current     int // values already under the current key
	Empty       int // empty or NULL
	Plain       int // not ciphertexts: left as they are
	Resumed     bool
}

func (s rotateStats) String() string {
	out := fmt.Sprintf("%d row(s): %d re-encrypted, %d already current, %d empty", s.Rows, s.Reencrypted, s.Current, s.Empty)
	if s.Plain > 0 {
		out += fmt.Sprintf(", %d NOT ENCRYPTED (left as they are)", s.Plain)
	}
	if s.Resumed {
		out += " (resumed)"
	}
	return out
}

// rotateCursorKey is the setting that remembers how far the rotation of c
// went: its value is "KEYID|int:N" or "KEYID|text:S", the current key's id
// and the last primary key done.
func rotateCursorKey(c pii.Column) string { return "keys.rotate." + c.Table + "." + c.Column }

func encodeCursor(keyID string, k any) (string, error) {
	switch v := k.(type) {
	case int64:
		return keyID + "|int:" + strconv.FormatInt(v, 10), nil
	case string:
		return keyID + "|text:" + v, nil
	case []byte:
		return keyID + "|text:" + string(v), nil
	}
	return "", fmt.Errorf("primary key of type %T is not supported (use BIGINT or TEXT)", k)
}

// decodeCursor reads a cursor; ok is false when it was made under another
// current key (the rotation then starts again from the first row).
func decodeCursor(s, keyID string) (k any, ok bool, err error) {
	id, rest, found := strings.Cut(s, "|")
	if !found {
		return nil, false, fmt.Errorf("malformed cursor %q", s)
	}
	if id != keyID {
		return nil, false, nil
	}
	switch {
	case strings.HasPrefix(rest, "int:"):
		n, err := strconv.ParseInt(rest[4:], 10, 64)
		if err != nil {
			return nil, false, fmt.Errorf("malformed cursor %q", s)
		}
		return n, true, nil
	case strings.HasPrefix(rest, "text:"):
		return rest[5:], true, nil
	}
	return nil, false, fmt.Errorf("malformed cursor %q", s)
}

// rotateColumn re-encrypts the values of c that are under an old key, batch
// rows per transaction, in primary-key order. Each transaction also saves the
// cursor, so an interrupted run continues after the last committed batch;
// values already under the current key are left alone, so running it twice
// is harmless. At the end the cursor is removed.
func rotateColumn(ctx context.Context, d *db.DB, ring *pii.Keyring, c pii.Column, batch int, progress func(done, total int)) (rotateStats, error) {
	st := rotateStats{Column: c}
	ck := rotateCursorKey(c)
	keyID := ring.CurrentKeyID()
	var cursor any
	stored, err := db.Setting(ctx, d, ck)
	switch {
	case err != nil:
		return st, fmt.Errorf("%s: read the rotation cursor: %w", c.Name(), err)
	case stored != "":
		k, ok, err := decodeCursor(stored, keyID)
		if err != nil {
			return st, fmt.Errorf("%s: setting %s: %v", c.Name(), ck, err)
		}
		cursor, st.Resumed = k, ok
	}
	var total, done int
	if err := d.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s`, c.Table)).Scan(&total); err != nil {
		return st, fmt.Errorf("%s: count rows: %w", c.Name(), err)
	}
	if cursor != nil {
		if err := d.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s <= $1`, c.Table, c.KeyColumn), cursor).Scan(&done); err != nil {
			return st, fmt.Errorf("%s: count rows done: %w", c.Name(), err)
		}
	}
	progress(done, total)
	selectFirst := fmt.Sprintf(`SELECT %[1]s, %[2]s FROM %[3]s ORDER BY %[1]s LIMIT %[4]d`, c.KeyColumn, c.Column, c.Table, batch)
	selectNext := fmt.Sprintf(`SELECT %[1]s, %[2]s FROM %[3]s WHERE %[1]s > $1 ORDER BY %[1]s LIMIT %[4]d`, c.KeyColumn, c.Column, c.Table, batch)
	update := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`, c.Table, c.Column, c.KeyColumn, c.Column)
	type row struct {
		key any
		ct  sql.NullString
	}
	for n := 1; ; n++ {
		var got int
		var b rotateStats
		var last any
		err := d.InTx(ctx, func(tx db.Tx) error {
			b = rotateStats{}
			var rs *sql.Rows
			var err error
			if cursor == nil {
				rs, err = tx.QueryContext(ctx, selectFirst)
			} else {
				rs, err = tx.QueryContext(ctx, selectNext, cursor)
			}
			if err != nil {
				return fmt.Errorf("%s: read a batch: %w", c.Name(), err)
			}
			var batchRows []row
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.key, &r.ct); err != nil {
					rs.Close()
					return fmt.Errorf("%s: read a batch: %w", c.Name(), err)
				}
				if b, ok := r.key.([]byte); ok {
					r.key = string(b)
				}
				batchRows = append(batchRows, r)
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return fmt.Errorf("%s: read a batch: %w", c.Name(), err)
			}
			for _, r := range batchRows {
				ct := r.ct.String
				switch {
				case ct == "":
					b.Empty++
				case !pii.IsEncrypted(ct):
					b.Plain++
				case !ring.NeedsRotation(ct):
					b.Current++
				default:
					nct, changed, err := ring.Reencrypt(ct, c.AAD)
					if err != nil {
						return fmt.Errorf("%s: row %v: %w", c.Name(), r.key, err)
					}
					if !changed {
						b.Current++
						continue
					}
					// Only if the value is still the one read: a value the
					// application rewrote meanwhile is under the current key.
					if _, err := tx.ExecContext(ctx, update, nct, r.key, ct); err != nil {
						return fmt.Errorf("%s: row %v: %w", c.Name(), r.key, err)
					}
					b.Reencrypted++
				}
			}
			got = len(batchRows)
			if got == 0 {
				return nil
			}
			last = batchRows[got-1].key
			v, err := encodeCursor(keyID, last)
			if err != nil {
				return fmt.Errorf("%s: %v", c.Name(), err)
			}
			if err := db.SetSetting(ctx, tx, ck, v); err != nil {
				return fmt.Errorf("%s: save the rotation cursor: %w", c.Name(), err)
			}
			return nil
		})
		if err != nil {
			return st, err
		}
		if got > 0 {
			cursor = last
		}
		st.Rows += got
		st.Reencrypted += b.Reencrypted
		st.Current += b.Current
		st.Empty += b.Empty
		st.Plain += b.Plain
		done += got
		total = max(total, done) // rows added meanwhile
		progress(done, total)
		if rotateAfterBatch != nil && got > 0 {
			rotateAfterBatch(c, n)
		}
		if got < batch {
			break
		}
	}
	if _, err := d.ExecContext(ctx, `DELETE FROM setting WHERE key = $1`, ck); err != nil {
		return st, fmt.Errorf("%s: remove the rotation cursor: %w", c.Name(), err)
	}
	return st, nil
}
