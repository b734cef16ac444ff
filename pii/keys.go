package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"edubureau/fault"
	"edubureau/i18n"
)

const (
	// EnvKey names the environment variable holding the current master key.
	EnvKey = "EDUBUREAU_KEY"
	// EnvOldKeys names the environment variable holding old master keys, comma-separated.
	EnvOldKeys = "EDUBUREAU_KEY_OLD"
	// KeySize is the size of a master key and of every derived key, in bytes.
	KeySize = 32

	infoEncryption = "edubureau/pii/encryption/v1"
	infoIndex      = "edubureau/pii/blind-index/v1"
	indexLabel     = "index:"
)

// Causes carried by the errors of this package, for errors.Is.
var (
	ErrNoKey        = errors.New("pii: no key configured")
	ErrKeyEncoding  = errors.New("pii: key is neither base64 nor hex")
	ErrKeyLength    = errors.New("pii: key has the wrong length")
	ErrKeySpec      = errors.New("pii: key value is malformed")
	ErrKeyFileMode  = errors.New("pii: key file is accessible to group or others")
	ErrKeyFileExist = errors.New("pii: key file already exists")
	ErrKeyCollision = errors.New("pii: two different keys have the same id")
	ErrMalformed    = errors.New("pii: not a ciphertext")
	ErrUnknownKey   = errors.New("pii: ciphertext is under a key not in the keyring")
	ErrTampered     = errors.New("pii: ciphertext fails authentication")
)

func keyError(cause error, zh, en string, args ...any) error {
	return &fault.Error{Kind: fault.Internal, Msg: i18n.T(zh, en, args...), Err: cause}
}

// encKey is one encryption key of the ring.
type encKey struct {
	id   [4]byte
	aead cipher.AEAD
}

// Keyring holds the current encryption key, older encryption keys that can
// still decrypt, and the blind-index key. It is safe for concurrent use. Its
// String method never prints key material.
type Keyring struct {
	current *encKey
	keys    map[[4]byte]*encKey
	index   []byte
	macs    *sync.Pool // of *indexMAC: HMAC-SHA256 under index, reset between uses
}

// NewKeyring builds a keyring from a 32-byte master key: its derived
// encryption key is current and its derived blind-index key is used.
func NewKeyring(master []byte) (*Keyring, error) {
	return newKeyring(master, nil)
}

func newKeyring(master, index []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, keyError(ErrKeyLength, "主密钥应为 32 字节，实为 %d 字节", "the master key should be 32 bytes, not %d", len(master))
	}
	k, err := deriveEncKey(master)
	if err != nil {
		return nil, err
	}
	if index == nil {
		if index, err = hkdf.Key(sha256.New, master, nil, infoIndex, KeySize); err != nil {
			return nil, fault.Wrap(err, "derive index key")
		}
	} else if len(index) != KeySize {
		return nil, keyError(ErrKeyLength, "索引密钥应为 32 字节，实为 %d 字节", "the index key should be 32 bytes, not %d", len(index))
	}
	return &Keyring{current: k, keys: map[[4]byte]*encKey{k.id: k}, index: slices.Clone(index), macs: macPool(index)}, nil
}

func deriveEncKey(master []byte) (*encKey, error) {
	key, err := hkdf.Key(sha256.New, master, nil, infoEncryption, KeySize)
	if err != nil {
		return nil, fault.Wrap(err, "derive encryption key")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fault.Wrap(err, "AES key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fault.Wrap(err, "GCM")
	}
	sum := sha256.Sum256(key)
	k := &encKey{aead: aead}
	copy(k.id[:], sum[:4])
	return k, nil
}

// WithOldKeys returns a copy of the ring that can also decrypt values
// encrypted under the given old 32-byte master keys. The current key and the
// blind-index key are unchanged. Repeating a key already in the ring is harmless.
func (k *Keyring) WithOldKeys(old ...[]byte) (*Keyring, error) {
	n := &Keyring{current: k.current, keys: make(map[[4]byte]*encKey, len(k.keys)+len(old)), index: k.index, macs: k.macs}
	for id, e := range k.keys {
		n.keys[id] = e
	}
	for i, m := range old {
		if len(m) != KeySize {
			return nil, keyError(ErrKeyLength, "第 %d 个旧密钥应为 32 字节，实为 %d 字节", "old key %d should be 32 bytes, not %d", i+1, len(m))
		}
		e, err := deriveEncKey(m)
		if err != nil {
			return nil, err
		}
		if have, ok := n.keys[e.id]; ok {
			if !sameKey(have, e) {
				return nil, keyError(ErrKeyCollision, "第 %d 个旧密钥的编号 %x 与另一密钥相同", "old key %d has the id %x of another key", i+1, e.id)
			}
			continue
		}
		n.keys[e.id] = e
	}
	return n, nil
}

// sameKey tells two keys with the same id apart by a known-answer seal.
func sameKey(a, b *encKey) bool {
	nonce := make([]byte, a.aead.NonceSize())
	return string(a.aead.Seal(nil, nonce, nil, nil)) == string(b.aead.Seal(nil, nonce, nil, nil))
}

// CurrentKeyID is the id of the key new values are encrypted under.
func (k *Keyring) CurrentKeyID() string { return hex.EncodeToString(k.current.id[:]) }

// KeyIDs lists the ids of every key that can decrypt, sorted.
func (k *Keyring) KeyIDs() []string {
	ids := make([]string, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, hex.EncodeToString(id[:]))
	}
	slices.Sort(ids)
	return ids
}

// String describes the ring without revealing any key.
func (k *Keyring) String() string {
	return fmt.Sprintf("pii.Keyring{current: %s, keys: %d}", k.CurrentKeyID(), len(k.keys))
}

// GoString is String, so %#v does not print keys either.
func (k *Keyring) GoString() string { return k.String() }

// RotatedSpec returns the key value to configure after rotating to newMaster:
// "NEWMASTER,index:INDEXKEY", base64, carrying this ring's blind-index key over
// so every stored index stays valid. See the package documentation.
func (k *Keyring) RotatedSpec(newMaster []byte) (string, error) {
	if len(newMaster) != KeySize {
		return "", keyError(ErrKeyLength, "新主密钥应为 32 字节，实为 %d 字节", "the new master key should be 32 bytes, not %d", len(newMaster))
	}
	return EncodeKey(newMaster) + "," + indexLabel + EncodeKey(k.index), nil
}

// NewMasterKey returns 32 fresh random bytes.
func NewMasterKey() ([]byte, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, fault.Wrap(err, "random key")
	}
	return b, nil
}

// EncodeKey writes a key in standard base64 with padding.
func EncodeKey(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// decodeKey reads 32 bytes written in hex or standard base64
// (padded or not). what names the key in messages; its value is never echoed.
func decodeKey(s string, what i18n.Text) ([]byte, error) {
	s = strings.TrimSpace(s)
	var b []byte
	// An even-length run of hex digits is hex: a 32-byte key in base64 is
	// 44 characters ending in "=" or 43 unpadded, so it is never taken for hex.
	if len(s)%2 == 0 && isHex(s) {
		b, _ = hex.DecodeString(s)
	} else {
		var err error
		b, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil {
			return nil, keyError(ErrKeyEncoding, "%[1]s不是有效的 base64 或十六进制编码", "the %[2]s is neither valid base64 nor hex", what.ZH, what.EN)
		}
	}
	if len(b) != KeySize {
		return nil, keyError(ErrKeyLength, "%[1]s解码后应为 32 字节，实为 %[3]d 字节", "the %[2]s should decode to 32 bytes, not %[3]d", what.ZH, what.EN, len(b))
	}
	return b, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ParseKey builds a keyring from a key value: "MASTER" or
// "MASTER,index:INDEXKEY" (see the package documentation). where says where
// the value came from, for messages (e.g. "EDUBUREAU_KEY" or a file name).
func ParseKey(spec, where string) (*Keyring, error) {
	var master, index []byte
	parts := strings.Split(strings.TrimSpace(spec), ",")
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, keyError(ErrKeySpec, "%s 中有空的密钥", "%s contains an empty key", where)
		case strings.HasPrefix(p, indexLabel):
			if index != nil {
				return nil, keyError(ErrKeySpec, "%s 中的索引密钥（index:）只能有一个", "%s may hold only one index key (index:)", where)
			}
			b, err := decodeKey(strings.TrimPrefix(p, indexLabel), i18n.Text{ZH: where + " 中的索引密钥", EN: "index key in " + where})
			if err != nil {
				return nil, err
			}
			index = b
		default:
			if master != nil {
				return nil, keyError(ErrKeySpec, "%s 只能有一个当前密钥；旧密钥请放入 %s", "%s may hold only one current key; put old keys in %s", where, EnvOldKeys)
			}
			b, err := decodeKey(p, i18n.Text{ZH: where + " 中的密钥", EN: "key in " + where})
			if err != nil {
				return nil, err
			}
			master = b
		}
	}
	if master == nil {
		return nil, keyError(ErrKeySpec, "%s 中没有主密钥", "%s holds no master key", where)
	}
	return newKeyring(master, index)
}

// ParseOldKeys reads the value of EDUBUREAU_KEY_OLD: old master keys separated
// by commas. "index:…" items (from pasting an old key value whole) are ignored.
// An empty value gives no keys.
func ParseOldKeys(list string) ([][]byte, error) {
	var keys [][]byte
	for i, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, indexLabel) {
			continue
		}
		b, err := decodeKey(p, i18n.Text{ZH: fmt.Sprintf("%s 中第 %d 项", EnvOldKeys, i+1), EN: fmt.Sprintf("item %d of %s", i+1, EnvOldKeys)})
		if err != nil {
			return nil, err
		}
		keys = append(keys, b)
	}
	return keys, nil
}

// LoadKey builds the keyring from the value of EDUBUREAU_KEY (envValue) or,
// when that is empty, from the key file at keyFilePath. The key file holds one
// key value line; it must be a regular file not accessible to group or others
// (on systems with Unix permissions), else it is refused: a key readable by
// other accounts protects nothing. Old keys are added with WithOldKeys
// (see LoadFromEnv).
func LoadKey(envValue, keyFilePath string) (*Keyring, error) {
	if strings.TrimSpace(envValue) != "" {
		return ParseKey(envValue, EnvKey)
	}
	if keyFilePath == "" {
		return nil, keyError(ErrNoKey, "未配置加密密钥：请设置环境变量 %[1]s 或指定密钥文件", "no encryption key: set %[1]s or give a key file", EnvKey)
	}
	spec, err := readKeyFile(keyFilePath)
	if err != nil {
		return nil, err
	}
	return ParseKey(spec, keyFilePath)
}

// LoadFromEnv is LoadKey with the keys named by getenv (os.Getenv in main):
// EDUBUREAU_KEY, else the key file, plus the old keys in EDUBUREAU_KEY_OLD.
func LoadFromEnv(getenv func(string) string, keyFilePath string) (*Keyring, error) {
	k, err := LoadKey(getenv(EnvKey), keyFilePath)
	if err != nil {
		return nil, err
	}
	old, err := ParseOldKeys(getenv(EnvOldKeys))
	if err != nil {
		return nil, err
	}
	return k.WithOldKeys(old...)
}

func readKeyFile(path string) (string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", keyError(ErrNoKey, "密钥文件 %s 不存在", "key file %s does not exist", path)
	}
	if err != nil {
		return "", keyError(err, "无法读取密钥文件 %s", "cannot read key file %s", path)
	}
	if !info.Mode().IsRegular() {
		return "", keyError(ErrKeySpec, "密钥文件 %s 不是普通文件", "key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return "", keyError(ErrKeyFileMode, "密钥文件 %[1]s 的权限为 %04[2]o，同组或其他用户可以访问；请执行 chmod 600 %[1]s",
			"key file %[1]s has mode %04[2]o and is open to group or others; run chmod 600 %[1]s", path, uint32(info.Mode().Perm()))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", keyError(err, "无法读取密钥文件 %s", "cannot read key file %s", path)
	}
	lines := strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' || r == '\r' })
	var spec []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			spec = append(spec, l)
		}
	}
	switch len(spec) {
	case 0:
		return "", keyError(ErrNoKey, "密钥文件 %s 为空", "key file %s is empty", path)
	case 1:
		return spec[0], nil
	}
	return "", keyError(ErrKeySpec, "密钥文件 %s 应只有一行", "key file %s should hold one line", path)
}

// CreateKeyFile writes a fresh random master key (base64, one line) to a new
// file at path with mode 0600. It refuses to overwrite an existing file: a
// replaced key would make every stored value unreadable.
func CreateKeyFile(path string) error {
	key, err := NewMasterKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return &fault.Error{Kind: fault.Conflict, Msg: i18n.T("密钥文件 %s 已存在，不会覆盖", "key file %s already exists and will not be overwritten", path), Err: ErrKeyFileExist}
	}
	if err != nil {
		return keyError(err, "无法创建密钥文件 %s", "cannot create key file %s", path)
	}
	_, err = f.WriteString(EncodeKey(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return keyError(err, "无法写入密钥文件 %s", "cannot write key file %s", path)
	}
	return nil
}
