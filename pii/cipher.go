package pii

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
)

const (
	prefix     = "v1:"
	version    = 0x01
	headerLen  = 1 + 4 // version | key id
	nonceLen   = 12
	tagLen     = 16
	minPayload = headerLen + nonceLen + tagLen
)

var b64 = base64.RawURLEncoding

// IsEncrypted reports whether s looks like a value written by Encrypt
// (it has the "v1:" prefix); it does not check that it decrypts.
func IsEncrypted(s string) bool { return strings.HasPrefix(s, prefix) }

// Encrypt seals plaintext under the current key, bound to aad (say where the
// value lives, e.g. "student.id_number"). The empty plaintext gives "".
func (k *Keyring) Encrypt(plaintext, aad string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	e := k.current
	buf := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+tagLen)
	buf[0] = version
	copy(buf[1:headerLen], e.id[:])
	if _, err := rand.Read(buf[headerLen:]); err != nil {
		return "", fault.Wrap(err, "nonce")
	}
	buf = e.aead.Seal(buf, buf[headerLen:headerLen+nonceLen], []byte(plaintext), additional(buf[:headerLen], aad))
	out := make([]byte, 0, len(prefix)+b64.EncodedLen(len(buf)))
	return string(b64.AppendEncode(append(out, prefix...), buf)), nil
}

func additional(header []byte, aad string) []byte {
	a := make([]byte, 0, len(header)+len(aad))
	return append(append(a, header...), aad...)
}

// parse splits a ciphertext into its key id and raw bytes.
func parse(ct string) (raw []byte, id [4]byte, ok bool) {
	if !strings.HasPrefix(ct, prefix) {
		return nil, id, false
	}
	raw, err := b64.DecodeString(ct[len(prefix):])
	if err != nil || len(raw) < minPayload || raw[0] != version {
		return nil, id, false
	}
	copy(id[:], raw[1:headerLen])
	return raw, id, true
}

func decryptError(cause error, zh, en string) error {
	return &fault.Error{Kind: fault.Internal, Msg: i18n.Text{ZH: zh, EN: en}, Err: cause}
}

// Decrypt opens a value written by Encrypt with the same aad, using whichever
// key of the ring it was sealed under. "" decrypts to "". A value that is not
// a ciphertext, is under a key the ring lacks, was altered, or was sealed for
// another aad is an Internal error whose cause is ErrMalformed, ErrUnknownKey
// or ErrTampered.
func (k *Keyring) Decrypt(ct, aad string) (string, error) {
	if ct == "" {
		return "", nil
	}
	raw, id, ok := parse(ct)
	if !ok {
		return "", decryptError(ErrMalformed, "存储的个人信息不是有效的密文", "the stored personal data is not a valid ciphertext")
	}
	e, ok := k.keys[id]
	if !ok {
		return "", &fault.Error{Kind: fault.Internal, Err: ErrUnknownKey,
			Msg: i18n.T("个人信息由编号为 %s 的密钥加密，但未配置该密钥（%s）", "the personal data is encrypted under key %s, which is not configured (%s)",
				hex.EncodeToString(id[:]), EnvOldKeys)}
	}
	pt, err := e.aead.Open(nil, raw[headerLen:headerLen+nonceLen], raw[headerLen+nonceLen:], additional(raw[:headerLen], aad))
	if err != nil {
		return "", decryptError(ErrTampered, "个人信息密文校验失败：数据被改动或不属于此字段", "the personal data fails its integrity check: altered, or not from this field")
	}
	return string(pt), nil
}

// KeyID returns the id of the key ct was encrypted under, or "" when ct is
// empty or not a ciphertext.
func KeyID(ct string) string {
	_, id, ok := parse(ct)
	if !ok {
		return ""
	}
	return hex.EncodeToString(id[:])
}

// NeedsRotation reports whether ct is a ciphertext under a key other than the
// current one. "" and values that are not ciphertexts report false (Decrypt
// and Reencrypt report those).
func (k *Keyring) NeedsRotation(ct string) bool {
	_, id, ok := parse(ct)
	return ok && id != k.current.id
}

// Reencrypt returns ct re-sealed under the current key with the same aad.
// changed is false, and ct is returned as it is, when ct is "" or already
// under the current key (it is not decrypted then). The re-encryption job of
// `edubureau keys rotate` writes back only changed values.
func (k *Keyring) Reencrypt(ct, aad string) (newCT string, changed bool, err error) {
	if ct == "" {
		return "", false, nil
	}
	if _, id, ok := parse(ct); ok && id == k.current.id {
		return ct, false, nil
	}
	pt, err := k.Decrypt(ct, aad)
	if err != nil {
		return "", false, err
	}
	newCT, err = k.Encrypt(pt, aad)
	if err != nil {
		return "", false, err
	}
	return newCT, true, nil
}
