// Package pii protects personal data at rest: it encrypts values such as ID
// numbers, phone numbers and addresses before they are stored, computes blind
// indexes so stored values can still be looked up by equality, and masks
// values for display. PIPL Art. 51 asks for encryption and de-identification;
// the information of children under 14 is sensitive (Art. 28).
//
// # Keys
//
// The operator supplies one 32-byte master key, base64 (standard alphabet,
// padded or not) or hex, in the environment variable EDUBUREAU_KEY or in a key
// file holding that one line. The environment wins over the file. A key file
// must not be accessible to group or others (mode 0600 or stricter) or it is
// refused. CreateKeyFile writes a fresh one. From the master, HKDF-SHA256
// (RFC 5869, no salt) derives two independent 32-byte keys:
//
//	encryption key:  info "edubureau/pii/encryption/v1"
//	blind-index key: info "edubureau/pii/blind-index/v1"
//
// A key's id is the first 4 bytes of SHA-256 of its derived encryption key,
// written as 8 hex digits.
//
// The key value may carry a second, labelled part: "MASTER,index:INDEXKEY".
// INDEXKEY (same encodings, 32 bytes) is then used as the blind-index key
// as it is, instead of the one derived from MASTER. That is how the blind
// index survives rotation (below).
//
// # Ciphertext format
//
// A stored value is the text "v1:" followed by base64url without padding of
//
//	0x01 (version) | key id (4 bytes) | nonce (12 random bytes) | AES-256-GCM ciphertext and 16-byte tag
//
// The GCM additional data is the 5-byte header (version and key id) followed
// by the caller's aad string. Callers pass as aad the place the value lives,
// e.g. "student.id_number", so that a ciphertext copied into another column
// does not decrypt. A value of n bytes is stored in 3 + ceil((33+n)*4/3)
// characters. Random 96-bit nonces limit one key to about 2^32 encryptions;
// rotate long before that.
//
// The empty string encrypts to the empty string and decrypts to it: an absent
// value stays recognisably absent (like NULL) and costs nothing. The price is
// that replacing a ciphertext by "" is not detected; columns where that
// matters must be NOT NULL with a non-empty value checked by their owner.
//
// # Blind index
//
// Index(kind, value) is hex(HMAC-SHA256(index key, kind | 0x00 | normalised
// value)). Normalisation depends on the kind (see Normalize): an ID number is
// trimmed, half-width and upper case, so "11010519491231002x" and
// "11010519491231002X" index alike; a phone keeps only digits and drops
// +86 / 0086. The kind in the MAC input keeps equal values of different kinds
// apart. An empty (normalised) value has the empty index.
//
// # Rotating the encryption key
//
// Rotation replaces the encryption key; it does not change the blind-index
// key, because re-computing every index would need every value decrypted and
// every lookup column rewritten at once. Plainly:
//
//  1. Before: EDUBUREAU_KEY=K1. Encryption and index keys both derive from K1.
//  2. Generate K2 (NewMasterKey). Set EDUBUREAU_KEY to ring.RotatedSpec(K2),
//     i.e. "K2,index:I" where I is the blind-index key in use now (derived from
//     K1, or carried over from an earlier rotation). Add K1 to
//     EDUBUREAU_KEY_OLD (a comma-separated list of old master keys; an old
//     value pasted whole with its ",index:…" part is accepted, that part is
//     ignored). Restart. New values are encrypted under K2; values under K1
//     still decrypt; every blind index is unchanged.
//  3. Re-encrypt: walk each encrypted column in batches, call Reencrypt(ct,
//     aad) and write back the values it reports changed. The job is resumable
//     because NeedsRotation/KeyID tell which values are still under an old key.
//  4. When no value (nor any backup you still need to read) is under K1,
//     remove K1 from EDUBUREAU_KEY_OLD. K1 is then retired for good: I is an
//     HKDF output and reveals nothing about K1 or its encryption key.
//
// The blind-index key itself is rotated only by re-indexing every value,
// which is a separate, larger operation (needed only if I leaked).
package pii
