package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edubureau/config"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/pii"
)

// keysEnv is an env whose variables are vars.
func keysEnv(vars map[string]string) (env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, &out, &errb
}

func keysRun(ctx context.Context, vars map[string]string, args ...string) (int, string, string) {
	e, out, errb := keysEnv(vars)
	code := run(ctx, args, e)
	return code, out.String(), errb.String()
}

func newKey(t testing.TB) []byte {
	t.Helper()
	k, err := pii.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

func ringOf(t *testing.T, spec string) *pii.Keyring {
	t.Helper()
	k, err := pii.ParseKey(spec, "test")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadKeyring(t *testing.T) {
	dir := t.TempDir()
	k1, k2, old := pii.EncodeKey(newKey(t)), pii.EncodeKey(newKey(t)), pii.EncodeKey(newKey(t))
	file := filepath.Join(dir, "k2.key")
	writeFile(t, file, k2+"\n", 0o600)
	id1, id2 := ringOf(t, k1).CurrentKeyID(), ringOf(t, k2).CurrentKeyID()

	load := func(vars map[string]string, keyFile string, demo bool, dbPath string) (*pii.Keyring, string, error) {
		e, _, errb := keysEnv(vars)
		k, err := loadKeyring(config.Config{KeyFile: keyFile}, e, demo, dbPath)
		return k, errb.String(), err
	}

	// The environment wins over the file.
	k, _, err := load(map[string]string{"EDUBUREAU_KEY": k1}, file, false, "")
	if err != nil || k.CurrentKeyID() != id1 {
		t.Fatalf("env and file: %v %v", k, err)
	}
	// The file alone.
	k, _, err = load(nil, file, false, "")
	if err != nil || k.CurrentKeyID() != id2 {
		t.Fatalf("file: %v %v", k, err)
	}
	// Old keys join the ring.
	k, _, err = load(map[string]string{"EDUBUREAU_KEY": k1, "EDUBUREAU_KEY_OLD": old + "," + k2}, "", false, "")
	if err != nil || k.CurrentKeyID() != id1 || len(k.KeyIDs()) != 3 {
		t.Fatalf("old keys: %v %v", k, err)
	}

	// The demo makes a key file beside its database, mode 0600, and reuses it.
	dbPath := filepath.Join(dir, "demo.db")
	k, stderr, err := load(nil, "", true, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dbPath + ".key")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v %v", info, err)
	}
	if !strings.Contains(stderr, dbPath+".key") {
		t.Errorf("the demo does not say where its key is: %q", stderr)
	}
	again, stderr, err := load(nil, "", true, dbPath)
	if err != nil || again.CurrentKeyID() != k.CurrentKeyID() || stderr != "" {
		t.Fatalf("second demo start: %v %q %v", again, stderr, err)
	}
	// A demo given a key uses it and makes no file.
	k, _, err = load(map[string]string{"EDUBUREAU_KEY": k1}, "", true, filepath.Join(dir, "other.db"))
	if err != nil || k.CurrentKeyID() != id1 {
		t.Fatal(k, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.db.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a demo with a key made a key file: %v", err)
	}

	// Refusals: one line each, never the key.
	loose := filepath.Join(dir, "loose.key")
	writeFile(t, loose, k2+"\n", 0o644)
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		keyFile string
		want    string
	}{
		{"no key outside the demo", nil, "", "no key for personal data: set EDUBUREAU_KEY or --key-file; create one with `edubureau keys new`"},
		{"bad key", map[string]string{"EDUBUREAU_KEY": "c2VjcmV0LXNlY3JldA=="}, "", "EDUBUREAU_KEY"},
		{"not base64", map[string]string{"EDUBUREAU_KEY": "secret!!secret"}, "", "EDUBUREAU_KEY"},
		{"bad old key", map[string]string{"EDUBUREAU_KEY": k1, "EDUBUREAU_KEY_OLD": "c2VjcmV0LXNlY3JldA=="}, "", "EDUBUREAU_KEY_OLD"},
		{"missing file", nil, filepath.Join(dir, "nope.key"), "nope.key"},
		{"file open to others", nil, loose, "chmod 600"},
	} {
		_, _, err := load(tc.vars, tc.keyFile, false, "")
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "c2VjcmV0") || strings.Contains(msg, k2) {
			t.Errorf("%s: %q", tc.name, msg)
		}
	}
	// The same line from the real command's start-up (serve needs a key).
	if p := sqlitePath("sqlite:" + dbPath); p != dbPath {
		t.Errorf("sqlitePath = %q", p)
	}
	if p := sqlitePath("postgres://x@localhost/db"); p != "" {
		t.Errorf("sqlitePath(postgres) = %q", p)
	}
}

func TestKeysNew(t *testing.T) {
	ctx := context.Background()
	code, stdout, stderr := keysRun(ctx, nil, "keys", "new")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ringOf(t, strings.TrimSpace(stdout))

	dir := t.TempDir()
	out := filepath.Join(dir, "new.key")
	if code, _, stderr := keysRun(ctx, nil, "keys", "new", "--out", out); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, stderr)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", info, err)
	}
	if _, err := pii.LoadKey("", out); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(out)
	if code, _, stderr := keysRun(ctx, nil, "keys", "new", "--out", out); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("overwrite: exit %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Fatal("the key file was overwritten")
	}

	// --next carries the blind-index key over.
	cur := pii.EncodeKey(newKey(t))
	code, stdout, stderr = keysRun(ctx, map[string]string{"EDUBUREAU_KEY": cur}, "keys", "new", "--next")
	if code != 0 || !strings.Contains(stdout, ",index:") || !strings.Contains(stderr, "EDUBUREAU_KEY_OLD") {
		t.Fatalf("--next: exit %d: %q %q", code, stdout, stderr)
	}
	next := ringOf(t, strings.TrimSpace(stdout))
	if now := ringOf(t, cur); next.CurrentKeyID() == now.CurrentKeyID() || next.Index("id", "110105194912310021") != now.Index("id", "110105194912310021") {
		t.Fatal("--next: a new encryption key with the same blind index expected")
	}
	if code, _, stderr := keysRun(ctx, nil, "keys", "new", "--next"); code != 1 || !strings.Contains(stderr, "no key for personal data") {
		t.Fatalf("--next without a key: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"keys"}, {"keys", "burn"}, {"keys", "new", "extra"}, {"keys", "rotate", "--batch", "0"}} {
		if code, _, _ := keysRun(ctx, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestKeysRotate encrypts 1,000 values under key A, rotates to key B in
// batches of 100, interrupts after three batches, and runs again: every
// value ends under B, still decrypts to itself, keeps its blind index, and
// the cursor is gone.
func TestKeysRotate(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) { testKeysRotate(t, dsn) })
	}
}

func testKeysRotate(t *testing.T, dsn string) {
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	masterA, masterB := newKey(t), newKey(t)
	ringA, err := pii.NewKeyring(masterA)
	if err != nil {
		t.Fatal(err)
	}
	specB, err := ringA.RotatedSpec(masterB)
	if err != nil {
		t.Fatal(err)
	}
	ringB := ringOf(t, specB) // B alone, without A
	num := pii.Column{Table: "rot_person", KeyColumn: "id", Column: "id_number", AAD: "rot_person.id_number"}
	txt := pii.Column{Table: "rot_school", KeyColumn: "code", Column: "phone", AAD: "rot_school.phone"}
	for _, q := range []string{
		`CREATE TABLE rot_person (id BIGINT PRIMARY KEY, id_number TEXT NOT NULL, id_number_index TEXT NOT NULL)`,
		`CREATE TABLE rot_school (code TEXT PRIMARY KEY, phone TEXT)`,
	} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const n = 1000
	plain := func(i int) string { return fmt.Sprintf("4304051990%06d%02d", i, i%100) }
	err = d.InTx(ctx, func(tx db.Tx) error {
		for i := 1; i <= n; i++ {
			ct, err := ringA.Encrypt(plain(i), num.AAD)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO rot_person VALUES ($1, $2, $3)`, int64(i*7), ct, ringA.Index("id", plain(i))); err != nil {
				return err
			}
		}
		for i, phone := range []string{"0734-8888001", "", "13800000003", "not encrypted", "13800000005"} {
			ct := phone
			if phone != "" && phone != "not encrypted" {
				if ct, err = ringA.Encrypt(phone, txt.AAD); err != nil {
					return err
				}
			}
			var v any = ct
			if i == 1 {
				v = nil // NULL counts as empty
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO rot_school VALUES ($1, $2)`, fmt.Sprintf("21430000%02d", i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	encryptedColumns = func() []pii.Column { return []pii.Column{num, txt} }
	defer func() { encryptedColumns, rotateAfterBatch = pii.Columns, nil }()
	vars := map[string]string{"EDUBUREAU_DB": dsn, "EDUBUREAU_KEY": specB, "EDUBUREAU_KEY_OLD": pii.EncodeKey(masterA)}

	underB := func() (b, a int) {
		rows, err := d.QueryContext(ctx, `SELECT id_number FROM rot_person`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var ct string
			rows.Scan(&ct)
			switch pii.KeyID(ct) {
			case ringB.CurrentKeyID():
				b++
			case ringA.CurrentKeyID():
				a++
			default:
				t.Fatalf("a value under neither key: %q", ct)
			}
		}
		return b, a
	}

	// First run: interrupted after three batches (as by Ctrl-C).
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	rotateAfterBatch = func(c pii.Column, batch int) {
		if c == num && batch == 3 {
			cancel()
		}
	}
	code, stdout, stderr := keysRun(ictx, vars, "keys", "rotate", "--batch", "100")
	if code != 1 || !strings.Contains(stderr, "interrupted") || !strings.Contains(stderr, "again to continue") {
		t.Fatalf("interrupted run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if b, a := underB(); b != 300 || a != 700 {
		t.Fatalf("after three batches: %d under B, %d under A", b, a)
	}
	var cursor string
	if err := d.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = 'keys.rotate.rot_person.id_number'`).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	if want := ringB.CurrentKeyID() + "|int:2100"; cursor != want {
		t.Fatalf("cursor %q, want %q", cursor, want)
	}

	// Second run: continues from the cursor to the end.
	rotateAfterBatch = nil
	code, stdout, stderr = keysRun(ctx, vars, "keys", "rotate", "--batch", "100")
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"rot_person.id_number         700 row(s): 700 re-encrypted, 0 already current, 0 empty (resumed)",
		"rot_school.phone             5 row(s): 3 re-encrypted, 0 already current, 1 empty, 1 NOT ENCRYPTED",
		"703 value(s) re-encrypted",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "rot_person.id_number") || !strings.Contains(stderr, "100%") {
		t.Errorf("no progress shown: %q", stderr)
	}
	if b, a := underB(); b != n || a != 0 {
		t.Fatalf("after the second run: %d under B, %d under A", b, a)
	}
	// Every value opens under B alone, is itself, and keeps its blind index.
	rows, err := d.QueryContext(ctx, `SELECT id, id_number, id_number_index FROM rot_person ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for rows.Next() {
		i++
		var id int64
		var ct, idx string
		if err := rows.Scan(&id, &ct, &idx); err != nil {
			t.Fatal(err)
		}
		pt, err := ringB.Decrypt(ct, num.AAD)
		if err != nil || pt != plain(i) || id != int64(i*7) {
			t.Fatalf("row %d: %q %v", id, pt, err)
		}
		if _, err := ringA.Decrypt(ct, num.AAD); !errors.Is(err, pii.ErrUnknownKey) {
			t.Fatalf("row %d still opens under A: %v", id, err)
		}
		if idx != ringB.Index("id", plain(i)) {
			t.Fatalf("row %d: blind index changed", id)
		}
	}
	rows.Close()
	if i != n {
		t.Fatalf("%d rows", i)
	}
	var phone string
	if err := d.QueryRowContext(ctx, `SELECT phone FROM rot_school WHERE code = '2143000002'`).Scan(&phone); err != nil {
		t.Fatal(err)
	}
	if pt, err := ringB.Decrypt(phone, txt.AAD); err != nil || pt != "13800000003" {
		t.Fatalf("text-keyed row: %q %v", pt, err)
	}
	var left int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM setting WHERE key LIKE 'keys.rotate.%'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d cursor(s) left, %v", left, err)
	}

	// A third run changes nothing.
	code, stdout, stderr = keysRun(ctx, vars, "keys", "rotate", "--batch", "100")
	if code != 0 || !strings.Contains(stdout, "1000 row(s): 0 re-encrypted, 1000 already current") || !strings.Contains(stdout, "0 value(s) re-encrypted") {
		t.Fatalf("third run: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// Without the old key, values under it cannot be rotated: said in one line.
	if _, err := d.ExecContext(ctx, `UPDATE rot_school SET phone = $1 WHERE code = '2143000000'`, mustEncrypt(t, ringA, "0734-1", txt.AAD)); err != nil {
		t.Fatal(err)
	}
	delete(vars, "EDUBUREAU_KEY_OLD")
	code, _, stderr = keysRun(ctx, vars, "keys", "rotate")
	if code != 1 || !strings.Contains(stderr, ringA.CurrentKeyID()) || !strings.Contains(stderr, "EDUBUREAU_KEY_OLD") {
		t.Fatalf("missing old key: exit %d: %s", code, stderr)
	}
}

func mustEncrypt(t *testing.T, k *pii.Keyring, v, aad string) string {
	t.Helper()
	ct, err := k.Encrypt(v, aad)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestRotateCursor(t *testing.T) {
	for _, tc := range []struct {
		key  any
		want string
	}{{int64(42), "abcd|int:42"}, {"2143000001", "abcd|text:2143000001"}, {"a|b", "abcd|text:a|b"}} {
		s, err := encodeCursor("abcd", tc.key)
		if err != nil || s != tc.want {
			t.Fatalf("%v: %q %v", tc.key, s, err)
		}
		k, ok, err := decodeCursor(s, "abcd")
		if err != nil || !ok || k != tc.key {
			t.Fatalf("%q: %v %v %v", s, k, ok, err)
		}
		if _, ok, err := decodeCursor(s, "ffff"); ok || err != nil {
			t.Fatalf("a cursor of another key is used: %v", err)
		}
	}
	for _, bad := range []string{"", "abcd", "abcd|int:x", "abcd|float:1"} {
		if _, _, err := decodeCursor(bad, "abcd"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := encodeCursor("abcd", 1.5); err == nil {
		t.Error("a float key accepted")
	}
}

// TestKeysRotateRegistry runs the real registry (app_user.totp_secret and
// whatever else the packages register) on a fresh database.
func TestKeysRotateRegistry(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "edubureau.db")
	vars := map[string]string{"EDUBUREAU_DB": dsn, "EDUBUREAU_KEY": pii.EncodeKey(newKey(t))}
	code, stdout, stderr := keysRun(context.Background(), vars, "keys", "rotate")
	if code != 0 || !strings.Contains(stdout, "app_user.totp_secret") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	found := false
	for _, c := range pii.Columns() {
		found = found || c.Name() == "app_user.totp_secret" && c.AAD == "app_user.totp_secret"
	}
	if !found {
		t.Error("app_user.totp_secret is not registered")
	}
}
