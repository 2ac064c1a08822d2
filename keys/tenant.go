package keys

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"sync"
	"sync/atomic"
)

// AD binds a ciphertext to the record that holds it. [TenantKeys.Open] with
// an AD that differs from the one given to [TenantKeys.Seal] in any field
// fails with [ErrDecrypt], so a ciphertext copied to another record, field or
// tenant does not open.
type AD struct {
	Tenant string // the tenant; empty means the tenant of the TenantKeys
	Kind   string // the kind of record, such as "token" or "connection"
	ID     string // the record's id
	Field  string // the field of the record, such as "data"
}

// MACSize is the length of a MAC made by [TenantKeys.MAC].
const MACSize = sha256.Size

const (
	sealFormat = 1 // first byte of a sealed blob
	sealDomain = "tokenvault/seal/v1"
	macInfo    = "tokenvault/mac/"

	// maxPlaintext is the GCM limit, about 64 GiB: (2^32 - 2) blocks.
	maxPlaintext = (1<<32 - 2) * 16
)

// sealPrefix starts the GCM additional data of every sealed blob.
var sealPrefix = append(appendString(nil, sealDomain), sealFormat)

// Status of a TenantKeys.
const (
	statusNew     = iota // created, never loaded
	statusLive           // holds keys
	statusDeleted        // the tenant was deleted; keys wiped
	statusClosed         // the keyring was closed; keys wiped; final
)

var (
	errTenantMismatch = errors.New("keys: AD.Tenant is not the tenant of these keys")
	errTooLarge       = errors.New("keys: plaintext too large for AES-GCM")
	errMalformedSeal  = fmt.Errorf("%w: not a sealed value", ErrDecrypt)
	errAuth           = fmt.Errorf("%w: the sealed value does not authenticate for this record", ErrDecrypt)
	errNoVersion      = fmt.Errorf("%w: the tenant has no data key of the version that sealed this value", ErrKeyNotFound)
	errOpenDeleted    = fmt.Errorf("%w: %w", ErrKeyNotFound, ErrTenantDeleted)
)

// TenantKeys are one tenant's keys, unwrapped: the data-encryption keys
// (DEKs) of every version, which [TenantKeys.Seal] and [TenantKeys.Open]
// use, and the index root key, from which [TenantKeys.MAC] derives one key
// per purpose.
//
// Get them from [Keyring.Tenant]. A TenantKeys stays the same object for a
// tenant for the life of its Keyring: when the keyring re-reads the tenant
// (after a rotation, say) it updates the keys in place, and when the tenant
// is deleted or the keyring closed it wipes them, after which Seal and Open
// fail. Its methods do no I/O, so they may be called inside a store
// transaction. A TenantKeys is safe for concurrent use. Its String, Format,
// GoString, LogValue and MarshalJSON print "[REDACTED]".
type TenantKeys struct {
	kr     *Keyring
	tenant string

	// loading is a one-slot semaphore held while the keyring reads the
	// tenant's record and installs its keys; raw and rec are guarded by it.
	loading chan struct{}
	raw     []byte        // the stored record the keys came from
	rec     *tenantRecord // raw, decoded
	loaded  atomic.Int64  // the keyring clock, Unix nanoseconds, at the last read
	stale   atomic.Bool   // Open met a newer version: re-read at the next Tenant call
	status  atomic.Uint32 // written under mu.Lock

	// mu is held shared by every use of the keys and exclusively to swap or
	// wipe them, so a wipe waits for uses under way.
	mu      sync.RWMutex
	gone    error         // non-nil once wiped: ErrTenantDeleted or ErrClosed
	current uint32        // the newest DEK version
	deks    []cipher.AEAD // deks[v-1] opens version v; nil where the store has none
	index   []byte        // the index root key
	macMu   sync.Mutex    // serializes additions to macs
	macs    atomic.Pointer[map[string]*macKey]
}

// macKey is the MAC key of one purpose and a pool of HMAC states under it.
type macKey struct {
	key  []byte
	pool sync.Pool // of *macState
}

// macState is a pooled HMAC with scratch space for length prefixes, which
// would otherwise escape to the heap through the hash.Hash interface.
type macState struct {
	h   hash.Hash
	len [binary.MaxVarintLen64]byte
}

func newTenantKeys(kr *Keyring, tenant string) *TenantKeys {
	return &TenantKeys{kr: kr, tenant: tenant, loading: make(chan struct{}, 1)}
}

// Tenant returns the id of the tenant these keys belong to.
func (tk *TenantKeys) Tenant() string { return tk.tenant }

// Current returns the newest data-key version, the one Seal uses; versions
// count from 1. It returns 0 once the keys are wiped. A re-encryption job
// re-seals every value whose [SealedVersion] is below Current.
func (tk *TenantKeys) Current() uint32 {
	tk.mu.RLock()
	defer tk.mu.RUnlock()
	return tk.current
}

// Seal encrypts plaintext for the record described by ad with AES-256-GCM
// under the newest data-key version and a random 96-bit nonce. The result is
//
//	0x01 | uvarint version | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// and the GCM additional data encodes, length-prefixed, a domain string, the
// format, the version, the tenant and ad's Kind, ID and Field. ad.Tenant must
// be empty or the tenant of tk, and plaintext under 64 GiB (the GCM limit).
// Seal returns an error matching [ErrTenantDeleted] or [ErrClosed] once the
// keys are wiped. It allocates only the result.
func (tk *TenantKeys) Seal(plaintext []byte, ad AD) ([]byte, error) {
	if ad.Tenant != "" && ad.Tenant != tk.tenant {
		return nil, errTenantMismatch
	}
	if uint64(len(plaintext)) > maxPlaintext {
		return nil, errTooLarge
	}
	tk.mu.RLock()
	defer tk.mu.RUnlock()
	if tk.gone != nil {
		return nil, tk.gone
	}
	v := tk.current
	hdr := 1 + uvarintLen(uint64(v))
	n := hdr + nonceSize + len(plaintext) + tagSize
	// One allocation: the sealed value, then the additional data in spare
	// capacity past it (a stack buffer would escape through cipher.AEAD).
	buf := make([]byte, n, n+tk.adLen(&ad))
	buf[0] = sealFormat
	binary.PutUvarint(buf[1:], uint64(v))
	nonce := buf[hdr : hdr+nonceSize]
	_, _ = rand.Read(nonce) // never fails (Go 1.24+): the runtime crashes instead
	additional := tk.appendAD(buf[n:n], v, &ad)
	tk.deks[v-1].Seal(buf[:hdr+nonceSize], nonce, plaintext, additional)
	return buf[:n:n], nil
}

// Open decrypts a value made by Seal for the same ad. It never panics and
// never returns unauthenticated plaintext: a value that is malformed,
// truncated, tampered with or sealed for another record fails with
// [ErrDecrypt]. A value sealed under a version the tenant does not have
// fails with [ErrKeyNotFound]; if the version is newer than any this process
// knows (another process rotated), Open also marks the tenant stale so that
// the next [Keyring.Tenant] re-reads it from the store at once: Open itself
// does no I/O, because it runs inside store transactions, so a caller that
// can retry gets fresh keys from Tenant (outside any transaction) and calls
// Open again. After the tenant was deleted the error matches both
// [ErrKeyNotFound] and [ErrTenantDeleted]; after Close, [ErrClosed].
func (tk *TenantKeys) Open(sealed []byte, ad AD) ([]byte, error) {
	v, hdr, err := parseSealed(sealed)
	if err != nil {
		return nil, err
	}
	if ad.Tenant != "" && ad.Tenant != tk.tenant {
		return nil, errAuth
	}
	tk.mu.RLock()
	defer tk.mu.RUnlock()
	switch {
	case errors.Is(tk.gone, ErrTenantDeleted):
		return nil, errOpenDeleted
	case tk.gone != nil:
		return nil, tk.gone
	case v > uint32(len(tk.deks)) || tk.deks[v-1] == nil:
		if v > tk.current {
			tk.stale.Store(true)
		}
		return nil, errNoVersion
	}
	ct := sealed[hdr+nonceSize:]
	n := len(ct) - tagSize
	buf := make([]byte, n, n+tk.adLen(&ad)) // the plaintext, then the additional data
	additional := tk.appendAD(buf[n:n], v, &ad)
	out, err := tk.deks[v-1].Open(buf[:0], sealed[hdr:hdr+nonceSize], ct, additional)
	if err != nil {
		return nil, errAuth
	}
	return out[:n:n], nil
}

// SealedVersion returns the data-key version recorded in a value made by
// [TenantKeys.Seal], or an error matching [ErrDecrypt] if it is not one. It
// only parses the header: the value is authenticated by Open alone.
func SealedVersion(sealed []byte) (uint32, error) {
	v, _, err := parseSealed(sealed)
	return v, err
}

// parseSealed checks the header and the minimum length of a sealed value and
// returns its version and header length. It accepts only the shortest
// encoding of the version, so a sealed value has exactly one byte form.
func parseSealed(b []byte) (version uint32, hdr int, err error) {
	if len(b) < 2 || b[0] != sealFormat {
		return 0, 0, errMalformedSeal
	}
	v, n := binary.Uvarint(b[1:])
	if n <= 0 || v == 0 || v > math.MaxUint32 || n != uvarintLen(v) {
		return 0, 0, errMalformedSeal
	}
	hdr = 1 + n
	if len(b) < hdr+nonceSize+tagSize {
		return 0, 0, errMalformedSeal
	}
	return uint32(v), hdr, nil
}

func (tk *TenantKeys) adLen(ad *AD) int {
	return len(sealPrefix) + 4 + lpLen(tk.tenant) + lpLen(ad.Kind) + lpLen(ad.ID) + lpLen(ad.Field)
}

func lpLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// appendAD appends the GCM additional data of a sealed value. The tenant is
// always tk's: ad.Tenant was checked against it.
func (tk *TenantKeys) appendAD(dst []byte, version uint32, ad *AD) []byte {
	dst = append(dst, sealPrefix...)
	dst = binary.BigEndian.AppendUint32(dst, version)
	dst = appendString(dst, tk.tenant)
	dst = appendString(dst, ad.Kind)
	dst = appendString(dst, ad.ID)
	return appendString(dst, ad.Field)
}

// MAC returns HMAC-SHA-256 of parts under the tenant's MAC key for purpose
// (such as "fingerprint" or "search"): the key is derived with HKDF-SHA-256
// from the tenant's index root key with info "tokenvault/mac/"+purpose, and
// each part is fed with a uvarint length prefix, so ("ab", "c") and
// ("a", "bc") differ. The result is [MACSize] bytes, deterministic for a
// tenant, purpose and parts, and unrelated across tenants and purposes.
//
// The index root key is never rotated (fingerprints and blind indexes must
// stay stable), so MACs do not change with [Keyring.Rotate]. Derived keys are
// cached and HMAC states pooled. MAC cannot fail: once the keys are wiped
// (deleted tenant, closed keyring) it returns random bytes that match
// nothing, and the Seal or Open beside it reports the error.
func (tk *TenantKeys) MAC(purpose string, parts ...[]byte) []byte {
	return tk.AppendMAC(make([]byte, 0, MACSize), purpose, parts...)
}

// AppendMAC appends the MAC of parts for purpose to dst and returns the
// extended slice; see [TenantKeys.MAC]. It allocates nothing when dst has
// room for [MACSize] more bytes and the purpose was used before.
func (tk *TenantKeys) AppendMAC(dst []byte, purpose string, parts ...[]byte) []byte {
	tk.mu.RLock()
	defer tk.mu.RUnlock()
	if tk.gone != nil || tk.index == nil {
		var r [MACSize]byte
		_, _ = rand.Read(r[:])
		return append(dst, r[:]...)
	}
	mk := tk.macKey(purpose)
	s := mk.pool.Get().(*macState)
	s.h.Reset()
	for _, p := range parts {
		n := binary.PutUvarint(s.len[:], uint64(len(p)))
		s.h.Write(s.len[:n])
		s.h.Write(p)
	}
	dst = s.h.Sum(dst)
	mk.pool.Put(s)
	return dst
}

// macKey returns the MAC key of purpose, deriving it on first use. The caller
// holds mu shared.
func (tk *TenantKeys) macKey(purpose string) *macKey {
	if m := tk.macs.Load(); m != nil {
		if mk := (*m)[purpose]; mk != nil {
			return mk
		}
	}
	tk.macMu.Lock()
	defer tk.macMu.Unlock()
	old := tk.macs.Load()
	if old != nil {
		if mk := (*old)[purpose]; mk != nil {
			return mk
		}
	}
	key, err := hkdf.Key(sha256.New, tk.index, nil, macInfo+purpose, sha256.Size)
	if err != nil {
		panic("keys: hkdf: " + err.Error()) // unreachable: 32 bytes is far below HKDF's limit
	}
	mk := &macKey{key: key}
	mk.pool.New = func() any { return &macState{h: hmac.New(sha256.New, mk.key)} }
	m := make(map[string]*macKey, 1+lenMap(old))
	if old != nil {
		for p, k := range *old {
			m[p] = k
		}
	}
	m[purpose] = mk
	tk.macs.Store(&m)
	return mk
}

func lenMap(m *map[string]*macKey) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// wipe clears every key byte tk holds and makes its methods fail with
// reason, waiting for uses under way. Closed is final: wipe does nothing to
// closed keys.
func (tk *TenantKeys) wipe(reason error, status uint32) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.status.Load() == statusClosed {
		return
	}
	tk.wipeLocked()
	tk.gone = reason
	tk.status.Store(status)
}

// wipeLocked clears the index root key and the derived MAC keys and drops the
// AES key schedules, which crypto/cipher gives no way to clear. The caller
// holds mu.
func (tk *TenantKeys) wipeLocked() {
	clear(tk.index)
	tk.index = nil
	tk.wipeMACsLocked()
	clear(tk.deks)
	tk.deks = nil
	tk.current = 0
}

// wipeMACsLocked clears the derived MAC keys and drops their pools of HMAC
// states (whose inner pads cannot be cleared either). The caller holds mu.
func (tk *TenantKeys) wipeMACsLocked() {
	if m := tk.macs.Swap(nil); m != nil {
		for _, mk := range *m {
			clear(mk.key)
		}
	}
}
