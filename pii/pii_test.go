package pii

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"edubureau/fault"
)

// master returns a fixed test key filled with b.
func master(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func ring(t testing.TB, b byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(master(b))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	k := ring(t, 1)
	for _, pt := range []string{"11010519491231002X", "张三", "湖南省衡阳市雁峰区", "a", strings.Repeat("长", 1000), "\x00\xff"} {
		ct, err := k.Encrypt(pt, "student.id_number")
		if err != nil {
			t.Fatal(err)
		}
		// A short plaintext can occur in base64 by chance; longer ones must not show.
		if !IsEncrypted(ct) || (len(pt) >= 6 && strings.Contains(ct, pt)) {
			t.Errorf("%q → %q", pt, ct)
		}
		got, err := k.Decrypt(ct, "student.id_number")
		if err != nil || got != pt {
			t.Errorf("%q: got %q, %v", pt, got, err)
		}
		if KeyID(ct) != k.CurrentKeyID() || k.NeedsRotation(ct) {
			t.Errorf("%q: key id %q, current %q", pt, KeyID(ct), k.CurrentKeyID())
		}
		// The documented size: 3 + ceil((33+n)*4/3) characters.
		if want := 3 + ((33+len(pt))*4+2)/3; len(ct) != want {
			t.Errorf("%q: %d characters, want %d", pt, len(ct), want)
		}
	}
	a, _ := k.Encrypt("same", "x")
	b, _ := k.Encrypt("same", "x")
	if a == b {
		t.Error("two encryptions of the same value are equal: nonce reused")
	}
}

func TestFormat(t *testing.T) {
	k := ring(t, 1)
	ct, _ := k.Encrypt("hello", "t.c")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(ct, "v1:"))
	if err != nil {
		t.Fatal(err)
	}
	if raw[0] != 1 || hex.EncodeToString(raw[1:5]) != k.CurrentKeyID() || len(raw) != 1+4+12+5+16 {
		t.Errorf("layout: % x", raw)
	}
	if len(k.CurrentKeyID()) != 8 {
		t.Errorf("key id %q", k.CurrentKeyID())
	}
}

// TestGolden pins the derivations: changing an HKDF label or the index
// construction would make every stored value and index unreadable. The
// values were computed independently (Python hmac/hashlib, RFC 5869 HKDF).
func TestGolden(t *testing.T) {
	k := ring(t, 7)
	const wantID, wantIndex = "6853da94", "7d6165d4df3e99a08236e7b05af18f8841b699c916198ddce0d02befcdf0483f"
	if got := k.CurrentKeyID(); got != wantID {
		t.Errorf("key id %s, want %s", got, wantID)
	}
	if got := k.Index(IndexIDNumber, "11010519491231002X"); got != wantIndex {
		t.Errorf("index %s, want %s", got, wantIndex)
	}
}

func TestEmpty(t *testing.T) {
	k := ring(t, 1)
	ct, err := k.Encrypt("", "a")
	if ct != "" || err != nil {
		t.Errorf("Encrypt(\"\") = %q, %v", ct, err)
	}
	pt, err := k.Decrypt("", "a")
	if pt != "" || err != nil {
		t.Errorf("Decrypt(\"\") = %q, %v", pt, err)
	}
	if KeyID("") != "" || k.NeedsRotation("") {
		t.Error("empty value has a key id")
	}
	if ct, changed, err := k.Reencrypt("", "a"); ct != "" || changed || err != nil {
		t.Errorf("Reencrypt(\"\") = %q %v %v", ct, changed, err)
	}
}

func TestTamper(t *testing.T) {
	k := ring(t, 1)
	ct, _ := k.Encrypt("11010519491231002X", "student.id_number")
	raw, _ := base64.RawURLEncoding.DecodeString(ct[3:])
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(raw)
			bad[i] ^= bit
			_, err := k.Decrypt("v1:"+base64.RawURLEncoding.EncodeToString(bad), "student.id_number")
			want := ErrTampered
			switch {
			case i == 0:
				want = ErrMalformed
			case i < 5:
				want = ErrUnknownKey
			}
			if !errors.Is(err, want) {
				t.Errorf("byte %d ^%#x: %v, want %v", i, bit, err, want)
			}
			if fault.KindOf(err) != fault.Internal {
				t.Errorf("byte %d: kind %s", i, fault.KindOf(err))
			}
		}
	}
	if _, err := k.Decrypt(ct, "guardian.id_number"); !errors.Is(err, ErrTampered) {
		t.Errorf("wrong aad: %v", err)
	}
	for _, bad := range []string{"11010519491231002X", "v1:", "v1:!!!", ct[:len(ct)-1], ct[:20], "v2" + ct[2:], ct + "A"} {
		_, err := k.Decrypt(bad, "student.id_number")
		if err == nil {
			t.Errorf("%q decrypted", bad)
		}
	}
	other := ring(t, 2)
	if _, err := other.Decrypt(ct, "student.id_number"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("other key: %v", err)
	} else if !strings.Contains(err.Error(), k.CurrentKeyID()) {
		t.Errorf("message does not name the key id: %v", err)
	}
}

func TestRotation(t *testing.T) {
	k1 := ring(t, 1)
	ct1, _ := k1.Encrypt("13800138000", "guardian.phone")
	idx1 := k1.Index(IndexPhone, "13800138000")

	spec, err := k1.RotatedSpec(master(2))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseKey(spec, EnvKey)
	if err != nil {
		t.Fatal(err)
	}
	old, err := ParseOldKeys(EncodeKey(master(1)))
	if err != nil {
		t.Fatal(err)
	}
	k2, err = k2.WithOldKeys(old...)
	if err != nil {
		t.Fatal(err)
	}
	if k2.CurrentKeyID() == k1.CurrentKeyID() || len(k2.KeyIDs()) != 2 {
		t.Fatalf("rotated ring: %v %v", k2, k2.KeyIDs())
	}
	if pt, err := k2.Decrypt(ct1, "guardian.phone"); err != nil || pt != "13800138000" {
		t.Fatalf("old value under new ring: %q %v", pt, err)
	}
	if !k2.NeedsRotation(ct1) {
		t.Error("old value does not need rotation")
	}
	ct2, changed, err := k2.Reencrypt(ct1, "guardian.phone")
	if err != nil || !changed || KeyID(ct2) != k2.CurrentKeyID() || k2.NeedsRotation(ct2) {
		t.Fatalf("Reencrypt: %q %v %v", ct2, changed, err)
	}
	if again, changed, err := k2.Reencrypt(ct2, "guardian.phone"); again != ct2 || changed || err != nil {
		t.Errorf("second Reencrypt: %v %v", changed, err)
	}
	if _, _, err := k2.Reencrypt(ct1, "wrong.aad"); !errors.Is(err, ErrTampered) {
		t.Errorf("Reencrypt wrong aad: %v", err)
	}
	if got := k2.Index(IndexPhone, "+86 138 0013 8000"); got != idx1 {
		t.Errorf("index changed by rotation: %s vs %s", got, idx1)
	}
	// After re-encryption the old key can go: the new ring alone reads the
	// new value and keeps the index.
	k3, err := ParseKey(spec, EnvKey)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k3.Decrypt(ct2, "guardian.phone"); err != nil || pt != "13800138000" {
		t.Errorf("new ring alone: %q %v", pt, err)
	}
	if k3.Index(IndexPhone, "13800138000") != idx1 {
		t.Error("index lost with the old key")
	}
	// A second rotation carries the same index key on.
	spec2, _ := k3.RotatedSpec(master(3))
	k4, _ := ParseKey(spec2, EnvKey)
	if k4.Index(IndexPhone, "13800138000") != idx1 {
		t.Error("index changed by second rotation")
	}
	// Without the carried index key, a new master would change the index.
	if ring(t, 2).Index(IndexPhone, "13800138000") == idx1 {
		t.Error("index key does not depend on the master")
	}
	// Adding the current key or a duplicate old key is harmless.
	if k5, err := k2.WithOldKeys(master(2), master(1)); err != nil || len(k5.KeyIDs()) != 2 {
		t.Errorf("duplicates: %v %v", k5, err)
	}
	if _, err := k2.WithOldKeys(make([]byte, 16)); !errors.Is(err, ErrKeyLength) {
		t.Errorf("short old key: %v", err)
	}
}

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	return p
}

func TestLoadKey(t *testing.T) {
	b64 := EncodeKey(master(1))
	hexKey := hex.EncodeToString(master(1))
	want := ring(t, 1).CurrentKeyID()
	good := writeFile(t, b64+"\n", 0o600)
	open := writeFile(t, b64+"\n", 0o644)
	for _, tc := range []struct {
		name      string
		env, file string
		cause     error
		msg       string
	}{
		{"env base64", b64, "", nil, ""},
		{"env base64 unpadded", strings.TrimRight(b64, "="), "", nil, ""},
		{"env hex", hexKey, "", nil, ""},
		{"env hex upper", strings.ToUpper(hexKey), "", nil, ""},
		{"env spaces", "  " + b64 + "\n", "", nil, ""},
		{"env wins over file", b64, open, nil, ""},
		{"file", "", good, nil, ""},
		{"file hex CRLF", "", writeFile(t, hexKey+"\r\n", 0o600), nil, ""},
		{"file 0400", "", writeFile(t, b64, 0o400), nil, ""},
		{"bad base64", "not a key!", "", ErrKeyEncoding, "neither valid base64 nor hex"},
		{"wrong length", EncodeKey(make([]byte, 16)), "", ErrKeyLength, "should decode to 32 bytes, not 16"},
		{"hex 31 bytes", hex.EncodeToString(make([]byte, 31)), "", ErrKeyLength, "not 31"},
		{"two masters", b64 + "," + b64, "", ErrKeySpec, "only one current key"},
		{"only index", "index:" + b64, "", ErrKeySpec, "no master key"},
		{"two index", b64 + ",index:" + b64 + ",index:" + b64, "", ErrKeySpec, "only one index key"},
		{"bad index", b64 + ",index:z!", "", ErrKeyEncoding, "index key in EDUBUREAU_KEY"},
		{"empty item", b64 + ",", "", ErrKeySpec, "empty key"},
		{"nothing", "", "", ErrNoKey, "set EDUBUREAU_KEY"},
		{"no file", "", filepath.Join(t.TempDir(), "missing"), ErrNoKey, "does not exist"},
		{"empty file", "", writeFile(t, "\n\n", 0o600), ErrNoKey, "is empty"},
		{"two lines", "", writeFile(t, b64+"\n"+b64+"\n", 0o600), ErrKeySpec, "one line"},
		{"bad file key", "", writeFile(t, "garbage!\n", 0o600), ErrKeyEncoding, "key in "},
		{"directory", "", t.TempDir(), ErrKeySpec, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadKey(tc.env, tc.file)
			if tc.cause == nil {
				if err != nil {
					t.Fatal(err)
				}
				if k.CurrentKeyID() != want {
					t.Errorf("key id %s, want %s", k.CurrentKeyID(), want)
				}
				return
			}
			if !errors.Is(err, tc.cause) {
				t.Fatalf("error %v, want %v", err, tc.cause)
			}
			fe := fault.As(err)
			if !strings.Contains(fe.Msg.EN, tc.msg) || fe.Msg.ZH == "" || strings.Contains(fe.Msg.ZH+fe.Msg.EN, "%!") {
				t.Errorf("message %q / %q, want %q", fe.Msg.ZH, fe.Msg.EN, tc.msg)
			}
			if strings.Contains(err.Error(), b64) || strings.Contains(err.Error(), hexKey) {
				t.Error("error reveals the key")
			}
		})
	}
	if runtime.GOOS != "windows" {
		for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
			_, err := LoadKey("", writeFile(t, b64, mode))
			if !errors.Is(err, ErrKeyFileMode) {
				t.Errorf("mode %o: %v", mode, err)
			} else if !strings.Contains(err.Error(), fmt.Sprintf("%04o", mode)) || !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("mode %o: message %v", mode, err)
			}
		}
	}
}

func TestLoadFromEnv(t *testing.T) {
	env := map[string]string{
		EnvKey:     EncodeKey(master(2)),
		EnvOldKeys: EncodeKey(master(1)) + ", " + hex.EncodeToString(master(3)) + ",index:" + EncodeKey(master(9)) + ",",
	}
	k, err := LoadFromEnv(func(s string) string { return env[s] }, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.KeyIDs()) != 3 || k.CurrentKeyID() != ring(t, 2).CurrentKeyID() {
		t.Errorf("ring %v %v", k, k.KeyIDs())
	}
	env[EnvOldKeys] = "bad!"
	if _, err := LoadFromEnv(func(s string) string { return env[s] }, ""); !errors.Is(err, ErrKeyEncoding) || !strings.Contains(err.Error(), "item 1 of EDUBUREAU_KEY_OLD") {
		t.Errorf("bad old key: %v", err)
	}
}

func TestCreateKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "edubureau.key")
	if err := CreateKeyFile(p); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", info.Mode().Perm())
	}
	before, _ := os.ReadFile(p)
	k, err := LoadKey("", p)
	if err != nil {
		t.Fatal(err)
	}
	err = CreateKeyFile(p)
	if !errors.Is(err, ErrKeyFileExist) || fault.KindOf(err) != fault.Conflict {
		t.Errorf("second create: %v", err)
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(before, after) {
		t.Error("existing key file overwritten")
	}
	q := filepath.Join(t.TempDir(), "other.key")
	if err := CreateKeyFile(q); err != nil {
		t.Fatal(err)
	}
	k2, _ := LoadKey("", q)
	if k.CurrentKeyID() == k2.CurrentKeyID() {
		t.Error("two created keys are equal")
	}
	if err := CreateKeyFile(filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Error("created in a missing directory")
	}
}

func TestKeyringDoesNotPrintKeys(t *testing.T) {
	k := ring(t, 0x41) // 'A'
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "AAAA") || strings.Contains(s, EncodeKey(master(0x41))) || !strings.Contains(s, k.CurrentKeyID()) {
			t.Errorf("printed %q", s)
		}
	}
}

func TestIndex(t *testing.T) {
	k := ring(t, 1)
	same := [][2]string{
		{"11010519491231002x", "11010519491231002X"},
		{" 11010519491231002X ", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"h12345678", "H12345678"},
	}
	for _, p := range same {
		if k.Index(IndexIDNumber, p[0]) != k.Index(IndexIDNumber, p[1]) {
			t.Errorf("id %q and %q index differently", p[0], p[1])
		}
	}
	phones := [][2]string{
		{"+86 138 0013 8000", "13800138000"},
		{"+8613800138000", "13800138000"},
		{"0086-138-0013-8000", "13800138000"},
		{"8613800138000", "13800138000"},
		{"138-0013-8000", "13800138000"},
		{"(0734) 812 3456", "07348123456"},
		{"+86 734 8123456", "7348123456"},
		{"＋８６　１３８００１３８０００", "13800138000"},
	}
	for _, p := range phones {
		if got := Normalize(IndexPhone, p[0]); got != p[1] {
			t.Errorf("Normalize(phone, %q) = %q, want %q", p[0], got, p[1])
		}
		if k.Index(IndexPhone, p[0]) != k.Index(IndexPhone, p[1]) {
			t.Errorf("phone %q and %q index differently", p[0], p[1])
		}
	}
	if Normalize(IndexName, " 张 三 ") != "张三" || Normalize("address", " 衡阳 ") != "衡阳" {
		t.Error("name / default normalisation")
	}
	a := k.Index(IndexIDNumber, "11010519491231002X")
	if len(a) != 64 {
		t.Errorf("index %q", a)
	}
	if a == k.Index(IndexName, "11010519491231002X") || a == k.Index("id_numberx", "11010519491231002X") {
		t.Error("kinds are not kept apart")
	}
	if a == k.Index(IndexIDNumber, "34052419800101001X") {
		t.Error("different values index alike")
	}
	if k.Index(IndexPhone, " - ") != "" || k.Index(IndexIDNumber, "") != "" {
		t.Error("empty value has an index")
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct {
		f        func(string) string
		in, want string
	}{
		{MaskID, "11010519491231002X", "110105********002X"},
		{MaskID, " 34052419800101001X ", "340524********001X"},
		{MaskID, "G11010519491231002X", "G11010*********002X"},
		{MaskID, "E12345678", "E1*****78"},     // 9: at most 4 shown
		{MaskID, "H1234567801", "H12******01"}, // 11: at most 5 shown
		{MaskID, "12345678", "12****78"},       // 8: at most 4 shown
		{MaskID, "AB123", "A***3"},             // 5: at most 2
		{MaskID, "abc", "a**"},                 // 3: at most 1
		{MaskID, "ab", "a*"},
		{MaskID, "a", "*"},
		{MaskID, "", ""},
		{MaskPhone, "13812345678", "138****5678"},
		{MaskPhone, "+8613812345678", "+86*******5678"},
		{MaskPhone, "1381234", "13****4"},
		{MaskPhone, "12", "1*"},
		{MaskName, "张三", "张*"},
		{MaskName, "张小三", "张*三"},
		{MaskName, "欧阳小明", "欧**明"},
		{MaskName, "买买提·艾力", "买****力"},
		{MaskName, "张", "*"},
		{MaskName, " 李四 ", "李*"},
		{MaskName, "", ""},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Short values never reveal more than half of their characters.
	for n := 1; n < 18; n++ {
		s := strings.Repeat("字", n)
		for name, f := range map[string]func(string) string{"id": MaskID, "phone": MaskPhone, "name": MaskName} {
			normal := map[string]int{"id": 18, "phone": 11, "name": 3}[name]
			m := f(s)
			shown := strings.Count(m, "字")
			if len([]rune(m)) != n || (n < normal && shown > n/2) {
				t.Errorf("%s of %d runes: %q shows %d", name, n, m, shown)
			}
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	k := ring(f, 1)
	ct, _ := k.Encrypt("11010519491231002X", "a")
	for _, s := range []string{ct, "", "v1:", "v1:AQ", ct[:len(ct)-2], "v1:" + strings.Repeat("A", 60), "garbage"} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, ct, aad string) {
		pt, err := k.Decrypt(ct, aad)
		if err != nil {
			if fault.KindOf(err) != fault.Internal {
				t.Fatalf("kind %s", fault.KindOf(err))
			}
			return
		}
		// Anything that decrypts must have been produced by Encrypt with this key.
		if ct != "" && (KeyID(ct) != k.CurrentKeyID() || pt == "") {
			t.Fatalf("%q decrypted to %q", ct, pt)
		}
		KeyID(ct)
		k.NeedsRotation(ct)
		k.Reencrypt(ct, aad)
	})
}

// A blind index costs one allocation, its string: a bulk import takes ten
// per student.
func TestIndexAllocates(t *testing.T) {
	k := ring(t, 1)
	want := k.Index(IndexIDNumber, "430421201603080428")
	if len(want) != 64 {
		t.Fatalf("the index has %d hex digits, want 64", len(want))
	}
	n := testing.AllocsPerRun(1000, func() {
		if k.Index(IndexIDNumber, "430421201603080428") != want {
			t.Fatal("the same value indexed differently")
		}
	})
	if n > 1 {
		t.Errorf("Index allocates %.0f times per call, want 1", n)
	}
}
