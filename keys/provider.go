package keys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
)

// Provider wraps data keys under a key-encryption key (KEK). [Local] is the
// built-in provider; a KMS plugs in by implementing the two methods.
//
// The keyring calls a Provider outside store transactions, possibly from many
// goroutines at once, so implementations must be safe for concurrent use.
// They may do I/O and should honour ctx.
type Provider interface {
	// Wrap seals dek under the provider's current KEK, bound to aad: Unwrap
	// with any other aad must fail. The result records which KEK made it.
	// Wrap must not retain dek or aad.
	Wrap(ctx context.Context, dek, aad []byte) ([]byte, error)

	// Unwrap opens what Wrap made under any KEK version the provider still
	// holds. A KEK it does not hold returns an error matching
	// [ErrWrongMasterKey]; tampering or a different aad returns one matching
	// [ErrDecrypt]. The caller wipes the returned slice after use.
	Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error)
}

// KEKSize is the size in bytes of a master key (a [Local] KEK).
const KEKSize = 32

const (
	kekIDSize   = 4
	nonceSize   = 12 // the GCM standard nonce
	tagSize     = 16 // the GCM tag
	localFormat = 1  // first byte of a blob made by Local.Wrap
	localHeader = 1 + kekIDSize
	kekIDLabel  = "tokenvault/kek-id/v1"
	localDomain = "tokenvault/local-wrap/v1"
)

var _ Provider = (*Local)(nil)

// Local is the built-in [Provider]: AES-256-GCM key wrapping under 32-byte
// master keys held in memory. A wrapped blob is
//
//	0x01 | KEK id (4 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// where the KEK id is a key check value, the first 4 bytes of
// HMAC-SHA-256(KEK, "tokenvault/kek-id/v1"): it names the KEK without
// revealing it, so Unwrap of a blob whose KEK is not loaded fails at once
// with [ErrWrongMasterKey]. The GCM additional data binds the format byte,
// the KEK id and the caller's aad.
//
// Local keeps no copy of the raw KEK bytes, only the AES key schedules inside
// crypto/cipher (which cannot be wiped). A Local is immutable and safe for
// concurrent use. Its String, Format, GoString, LogValue and MarshalJSON
// print "[REDACTED]".
type Local struct {
	keks []localKEK // keks[0] is the current KEK; the rest only unwrap
}

type localKEK struct {
	id   [kekIDSize]byte
	aead cipher.AEAD
}

// NewLocal returns a Local provider that wraps under current and unwraps
// under current and every previous KEK (master key rotation: load the new key
// as current and the old ones as previous until [Keyring.Rewrap] has run).
// Every key must be exactly [KEKSize] bytes; a previous key equal to another
// is ignored. NewLocal copies nothing it keeps: the caller may wipe the
// arguments when it returns.
func NewLocal(current []byte, previous ...[]byte) (*Local, error) {
	l := &Local{}
	var accepted [][]byte // the caller's slices, parallel to l.keks; not kept
	for i, key := range append([][]byte{current}, previous...) {
		if len(key) != KEKSize {
			which := "the current master key"
			if i > 0 {
				which = fmt.Sprintf("previous master key %d", i)
			}
			return nil, fmt.Errorf("keys: %s is %d bytes, want %d", which, len(key), KEKSize)
		}
		id := kekID(key)
		dup := false
		for j, k := range l.keks {
			if k.id != id {
				continue
			}
			// Equal ids: the same key given twice (ignored), or a 2^-32
			// collision, which would make Unwrap ambiguous.
			if subtle.ConstantTimeCompare(key, accepted[j]) == 1 {
				dup = true
				break
			}
			return nil, fmt.Errorf("keys: master key %d has the key id of another; use another key", i)
		}
		if dup {
			continue
		}
		aead, err := newGCM(key)
		if err != nil {
			return nil, err
		}
		l.keks = append(l.keks, localKEK{id: id, aead: aead})
		accepted = append(accepted, key)
	}
	return l, nil
}

// kekID is the key check value of a KEK.
func kekID(key []byte) [kekIDSize]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kekIDLabel))
	var id [kekIDSize]byte
	copy(id[:], m.Sum(nil))
	return id
}

// newGCM returns AES-256-GCM under key. It fails only for a key that is not
// 32 bytes, which callers have ruled out.
func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("keys: AES-256 key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return aead, nil
}

// Wrap seals dek under the current KEK, bound to aad. It never fails; the
// error is there for the Provider interface.
func (l *Local) Wrap(_ context.Context, dek, aad []byte) ([]byte, error) {
	k := &l.keks[0]
	out := make([]byte, localHeader+nonceSize, localHeader+nonceSize+len(dek)+tagSize)
	out[0] = localFormat
	copy(out[1:], k.id[:])
	nonce := out[localHeader:]
	_, _ = rand.Read(nonce) // never fails (Go 1.24+): the runtime crashes instead
	return k.aead.Seal(out, nonce, dek, localAAD(out[:localHeader], aad)), nil
}

// Unwrap opens a blob made by Wrap under any KEK this Local holds: an error
// matching [ErrWrongMasterKey] if it holds none with the blob's KEK id,
// [ErrDecrypt] if the blob is malformed, tampered with or bound to another
// aad.
func (l *Local) Unwrap(_ context.Context, wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < localHeader+nonceSize+tagSize || wrapped[0] != localFormat {
		return nil, fmt.Errorf("%w: not a wrapped key of the local provider", ErrDecrypt)
	}
	var id [kekIDSize]byte
	copy(id[:], wrapped[1:localHeader])
	for i := range l.keks {
		k := &l.keks[i]
		if k.id != id {
			continue
		}
		nonce := wrapped[localHeader : localHeader+nonceSize]
		dek, err := k.aead.Open(nil, nonce, wrapped[localHeader+nonceSize:], localAAD(wrapped[:localHeader], aad))
		if err != nil {
			return nil, fmt.Errorf("%w: the wrapped key does not authenticate", ErrDecrypt)
		}
		return dek, nil
	}
	return nil, fmt.Errorf("%w: the key was wrapped under a master key this provider does not hold", ErrWrongMasterKey)
}

// localAAD is the GCM additional data of Local: the domain, the blob header
// (format and KEK id, fixed size) and the caller's aad, which ends it.
func localAAD(header, aad []byte) []byte {
	b := make([]byte, 0, 1+len(localDomain)+len(header)+len(aad))
	b = appendString(b, localDomain)
	b = append(b, header...)
	return append(b, aad...)
}
