// Package vault is an embeddable tokenization vault: card numbers, bank
// accounts, social security numbers and any other secret are encrypted at
// rest, replaced by tokens, searchable by fingerprint and blind index, and
// usable without the host ever handling plaintext it does not need. It
// re-creates the behaviour of Basis Theory's public API in-process.
//
//	v, err := vault.Open("vault.db") // a bbolt file, key file beside it
//	if err != nil { ... }
//	defer v.Close()
//	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{
//		Type: vault.TypeCardNumber, Data: "4242424242424242",
//	})
//
// # Storage
//
// A [Vault] keeps its data in a storage.Store: a bbolt file by default
// ([Open]), memory for tests ([OpenMemory]), or PostgreSQL for many
// processes sharing one database ([WithStore] with storage/postgres). Every
// change is one store transaction: a token, its index entries and its
// deduplication are written together or not at all, and a crash at any point
// leaves the store consistent.
//
// # Encryption
//
// Token data is sealed with AES-256-GCM under a per-tenant data key, bound to
// its record (tenant, kind, id, field), so a ciphertext moved to another
// record does not open. Data keys are wrapped by a key-encryption key from a
// [keys.Provider]: by default the master key in VAULT_MASTER_KEY or in a key
// file created with mode 0600 beside the vault file. Fingerprints and search
// indexes are HMAC-SHA-256 under per-tenant keys derived with HKDF: the store
// never sees plaintext.
//
// # Callers
//
// Every method takes a context first; the caller rides in it. A context
// without a principal acts as the trusted host with full access to the
// default tenant; [WithPrincipal] and [AsHost] choose another caller or
// tenant.
//
// # Access control
//
// Applications are private (backends), public (browsers and mobile apps) or
// management (administration), each with permissions from
// [PermissionCatalog] and, for private and public ones, access rules. API
// keys are shown once and stored as keyed hashes; [Vault.Authenticate] turns
// a key into a [Principal] (a hot key costs a map lookup) and a revoked key
// stops working at once in this process, within a second in others sharing
// the store. Decisions:
//
//   - Rules are evaluated in ascending priority; the first that grants the
//     permission and matches the token decides, and its transform (reveal,
//     mask, redact) shapes the data. A rule's container matches a token when
//     every one of the token's containers lies under it.
//   - When an application has rules, its token permissions come from them
//     alone; an application without rules holds its token permissions on
//     every container with the implicit transforms: read, search, create and
//     update mask, use reveals.
//   - Single reads the caller may not make are KindForbidden; lists and
//     searches leave such tokens out silently; tokens of other tenants are
//     not found.
//   - token:use, reactor:invoke and proxy:invoke stand in for each other when
//     reactors use tokens.
//   - Sessions are created with a public key and authorized with a private
//     one, which can grant only permissions it holds; they last three minutes
//     unless the authorization says otherwise, at most a day.
//   - Idempotency keys are scoped to the caller (tenant and application), and
//     a replayed response is stored sealed.
//   - Deleting a tenant destroys its keys at once (crypto-shredding); the
//     sweeper then purges its records. The default tenant cannot be deleted.
//
// # Transactions
//
// Token creates, updates, deletes and tokenizes made with a transaction in
// the context ([Vault.BeginTransaction], [WithTransaction]) are staged as
// durable records and applied atomically by [Vault.CommitTransaction]. See
// transactions.go for the rules: read committed isolation, per-token locks
// (KindConflict), one hour of life by default, staged changes that survive a
// restart.
//
// # Tokens
//
// Token types, their validation and defaults follow the hosted platform
// ([TokenTypes]). Decisions where its documentation conflicts:
//
//   - expires_at is RFC 3339 (with an offset or Z) and must be in the
//     future; an expired token is invisible at once and purged by the
//     background sweeper within a minute, raising token.expired.
//   - Any Luhn-valid card number of 13 to 19 digits is accepted.
//   - A card's cvc is kept for the tenant's cvc_retention (default one
//     hour), then hidden at once and removed by the sweeper, raising
//     token.property.expired.
//   - Custom ids are 3 to 400 characters without # / \ + ? [ ] | & = % < > {
//     } ^, whitespace or control characters. An id containing "{{" is an
//     alias template; when every rendering collides, a random UUID is used.
//   - Deduplication matches a live token of the same type, fingerprint and
//     containers. An update that would make a token a duplicate is not
//     applied; the existing token is returned with _extras.deduplicated.
//   - Numbers in token data keep every digit (they are handled as
//     json.Number, never float64).
//   - Tenant settings are cached for up to one second, so a settings change
//     made by another process sharing the store applies within a second.
//
// # Search
//
// [Vault.SearchTokens] takes the hosted platform's v2 grammar (one term,
// optionally with a container term) and more: terms combine with AND and
// OR and group with parentheses.
//
//	query   = or
//	or      = and { "OR" and }
//	and     = primary { [ "AND" ] primary }
//	primary = "(" or ")" | field ":" value
//	field   = id | type | data | fingerprint | container | metadata.<key>
//	value   = "quoted \"string\"" | bare | bare*
//
// Matching is exact and case-sensitive. data matches the evaluated search
// indexes of a token (whole values: they are stored as keyed hashes);
// container matches sub-containers too; a trailing * matches by prefix on id
// and metadata. Every query runs on indexes; a query with OR branches that
// cannot all use an index in id order scans the tenant's token records (never
// decrypted data). Results are paged by cursor.
//
// # Expressions
//
// Masks, fingerprints, search indexes, alias ids and detokenization use
// Liquid with the platform's filters (package expr). [Vault.Detokenize]
// replaces `{{ <id> }}` with a token's data and `{{ token: <id> }}` with the
// whole token, reading every referenced token in one transaction.
package vault
