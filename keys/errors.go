package keys

import "errors"

// Sentinel errors. Functions of this package wrap them with context, so
// compare with errors.Is. No error of this package carries key material,
// plaintext or ciphertext bytes in its text.
var (
	// ErrWrongMasterKey means the provider does not hold the key-encryption
	// key (KEK) that wrapped a key: [Local.Unwrap] returns it at once when no
	// KEK of the id recorded in the wrapped blob is loaded, and [Open] returns
	// it when the provider cannot open the keyring's check record (the error
	// then also matches the provider's cause, often [ErrDecrypt]).
	ErrWrongMasterKey = errors.New("keys: wrong master key")

	// ErrDecrypt means authenticated decryption failed: the bytes were
	// tampered with, truncated, are not a ciphertext of this package, or
	// were moved to another record (different [AD] or wrapping context). It
	// is also returned for a key record in the store that does not parse.
	ErrDecrypt = errors.New("keys: decryption failed")

	// ErrKeyNotFound means a ciphertext names a data-key version that its
	// tenant does not have: the tenant was deleted (crypto-shredded; the
	// error then also matches [ErrTenantDeleted]) or the version was made by
	// a rotation this process has not seen yet (see [TenantKeys.Open]).
	ErrKeyNotFound = errors.New("keys: key not found")

	// ErrTenantDeleted is returned by [Keyring.Tenant], [Keyring.Rotate] and
	// [TenantKeys.Seal] for a tenant whose keys [Keyring.DeleteTenant]
	// destroyed. A deleted tenant never gets fresh keys.
	ErrTenantDeleted = errors.New("keys: tenant deleted")

	// ErrClosed is returned by every method of a [Keyring], and of the
	// [TenantKeys] it handed out, after [Keyring.Close].
	ErrClosed = errors.New("keys: keyring is closed")
)
