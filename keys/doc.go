// Package keys is the vault's envelope encryption: master keys (KEKs) behind
// a [Provider], per-tenant data keys and MAC keys kept wrapped in a
// storage.Store, sealing of record fields, blind-index MACs, rotation and
// crypto-shredding. It knows nothing of tokens; package vault calls it.
//
// Crypto is the standard library only: AES-256-GCM (crypto/aes,
// crypto/cipher), HMAC-SHA-256, HKDF-SHA-256 and crypto/rand.
//
// # Envelope encryption
//
// A [Provider] holds the key-encryption keys. [Local], the default (see
// [LoadMasterKey] for where its key comes from), wraps with AES-256-GCM
// under a 32-byte master key and writes the key's id (a key check value:
// 4 bytes of HMAC-SHA-256(KEK, "tokenvault/kek-id/v1")) into every wrapped
// blob; a KMS plugs in by implementing the interface.
//
// A [Keyring] keeps everything in the store's "keys" bucket: a check record
// (a random value wrapped with a fixed aad, so that [Open] fails at once with
// [ErrWrongMasterKey] under the wrong master key) and one record per tenant.
// Each tenant has data-encryption keys (DEKs, 32 random bytes, versions
// 1, 2, 3...) and one index root key (32 random bytes) used only to derive
// MAC keys. Every key is wrapped with an aad binding (tenant, purpose,
// version), so the store, which is untrusted, cannot move a wrapped key to
// another tenant, purpose or version. [Keyring.Tenant] creates a tenant's
// keys on first use and caches them unwrapped in a [TenantKeys].
//
// [TenantKeys.Seal] encrypts a field with AES-256-GCM under the newest DEK;
// the [AD] (tenant, kind, id, field) binds the ciphertext to its record.
// [TenantKeys.MAC] computes fingerprints and blind search indexes with
// HMAC-SHA-256 under a key derived with HKDF from the index root key and a
// purpose.
//
// # Ciphertext format
//
// A sealed value is
//
//	0x01 | uvarint DEK version | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// 30 bytes of overhead while the version is below 128. The nonce comes from
// crypto/rand. The GCM additional data is the length-prefixed (uvarint)
// domain "tokenvault/seal/v1", the format byte, the version (4 bytes,
// big-endian) and the length-prefixed tenant, kind, id and field, so no two
// different ADs encode alike. Only the shortest uvarint is accepted, so a
// sealed value has one byte form. [SealedVersion] reads the version without
// a key.
//
// # Rotation
//
// Data keys: [Keyring.Rotate] adds a DEK version. New seals use it; older
// versions stay readable, so data is re-sealed lazily or by a job that
// compares [SealedVersion] with [TenantKeys.Current] (package vault runs it).
// The index root key is never rotated: fingerprints and blind indexes must
// stay stable across DEK rotations, so MACs do not change.
//
// Master keys: load the new key as current and the old one as previous
// ([NewLocal] arguments, or [EnvMasterKeyPrevious]); everything still opens.
// [Keyring.Rewrap] then rewraps every stored key under the new KEK, in
// batches, with a progress callback; afterwards the old key can go. Sealed
// data is untouched by a master key rotation. With many processes on one
// store, give every one of them the new key (and the old as previous) before
// running Rewrap, and drop the old key only once Rewrap has returned: a
// process that re-reads a rewrapped record must hold the new key.
//
// # Crypto-shredding
//
// [Keyring.DeleteTenant] replaces the tenant's wrapped keys with a tombstone
// and wipes the cached keys: every value sealed for the tenant is then
// unreadable ([ErrKeyNotFound]), and [Keyring.Tenant] returns
// [ErrTenantDeleted] rather than making fresh keys. Shredding is as good as
// the store's own deletion: old pages of a database file, PostgreSQL dead
// tuples not yet vacuumed, and backups still hold the wrapped keys, which the
// master key opens, until they are overwritten, vacuumed or expire.
//
// # Many processes
//
// Any number of keyrings, in one process or many, may share a store. Keys
// are created in a store transaction that re-checks for keys made meanwhile,
// and rotations and deletions are read-compare-write, so all agree on one
// set of keys. Each keyring caches the keys it unwrapped and re-reads a
// tenant's record when its copy is older than the refresh interval
// ([WithRefreshInterval], default 30 s), lazily on access, without a
// goroutine: a rotation or deletion made elsewhere takes effect here within
// that interval. Until then this process may still seal under the previous
// version (which stays readable) or open a deleted tenant's data. Open of a
// version newer than this process knows fails with [ErrKeyNotFound] and
// makes the next [Keyring.Tenant] re-read at once.
//
// # Limits
//
// Nonces are random, so one DEK may seal at most 2^32 values before the
// chance of a nonce collision (which breaks GCM) stops being negligible:
// rotate a tenant's DEK well before it has sealed 2^32 values (every update
// of a record counts). Seal refuses plaintext of 64 GiB or more (the GCM
// limit).
//
// Close and DeleteTenant clear the key bytes the package holds (index root
// keys and derived MAC keys; raw DEKs are cleared as soon as they are
// expanded), but the AES key schedules inside crypto/cipher and the HMAC pads
// inside crypto/hmac cannot be cleared: they are dropped for the garbage
// collector. Go strings (such as an environment variable) cannot be cleared
// either.
//
// The cache holds every tenant used since the keyring opened. The store is
// not trusted for confidentiality or integrity of data, but it can deny
// service: it can drop keys, or roll a tenant's record back to an older
// version.
package keys
