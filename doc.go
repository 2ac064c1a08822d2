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
// Every kind of record is a table (bucket, sealed fields, indexes, how it
// is scoped to a tenant) registered once where it is declared. [Vault.Check],
// key rotation ([Vault.RotateKeys]) and tenant deletion walk that registry,
// never a list kept by hand: deleting a tenant removes each of its records
// with all its index entries (global ones too, and API keys, which are
// stored under no tenant), leaving only the keyring's tombstone, which holds
// no key (TestEveryTableIsRotatedAndPurged).
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
// Ids are at most 1,600 bytes, the longest custom token id (400
// characters of UTF-8); every other id is a UUID. A method given a longer
// id answers as for any unknown id, KindNotFound, or, for an id a request
// names (a reactor's application.id), the field error of an unknown
// reference; such an id never reaches the store, whose keys are limited
// (storage.MaxKeyLen).
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
//   - reactor:invoke grants token:use (the permission it replaced) when
//     reactors use tokens; proxy:invoke does not.
//   - Sessions are created with a public key and authorized with a private
//     one; they last three minutes unless the authorization says otherwise,
//     at most a day. See "Access control: sessions" below for what an
//     authorizer may grant.
//   - Idempotency keys are scoped to the caller (tenant and application), and
//     a replayed response is stored sealed.
//   - Deleting a tenant destroys its keys at once (crypto-shredding); the
//     sweeper then purges its records. The default tenant cannot be deleted.
//
// # Access control: sessions
//
// A session is granted only rules within its authorizer's own
// ([Vault.AuthorizeSession]): for every token a granted rule matches, the
// authorizer must hold each of the rule's permissions on that token, with a
// transform at least as revealing (reveal > mask > redact). Anything wider
// is KindForbidden, with field paths naming the request's rule and the part
// that is wider: rules[i].container or rules[i].conditions (it reaches
// tokens the authorizer does not), rules[i].transform (it reveals more than
// the authorizer's own first matching rule), rules[i].permissions[j] (a
// permission the authorizer does not hold at all), permissions[j]. Decisions:
//
//   - A container is covered by an authorizer rule on the same container or
//     one above it (/a/ covers /a/b/; /a/ does not cover /ab/). The
//     authorizer's rules are taken in priority order, as they are
//     evaluated: a rule of higher priority on a deeper container with a
//     weaker transform decides those tokens, so an authorizer holding /a/b/
//     mask then /a/ reveal cannot grant /a/ reveal, but can grant /a/c/
//     reveal.
//   - Conditions are judged by what they imply: a rule with conditions is
//     within the authorizer's when they pin the token into a covered
//     container (container equals or starts_with a covered container path).
//     An id alone does not: a token with that id may be created in, or moved
//     to, any container, so a rule whose only conditions are ids is as wide
//     as /. Pair it with a container condition, e.g. id equals tok and
//     container starts_with /pci/. Authorizer rules with conditions (a
//     [Principal] built by hand) cover a rule whose conditions imply
//     theirs (a subset, or narrower values).
//   - Permissions held without rules reach every container with their
//     implicit transforms (read, search, create and update mask; use
//     reveals), and so does a session granted permissions without rules: it
//     needs an authorizer holding them on / with at least those transforms.
//     Beside rules, granted permissions reach no token; the authorizer must
//     still hold them (reactor:invoke, say).
//   - reactor:invoke grants token:use, so granting it needs token:use
//     covered too; token:use does not grant reactor:invoke.
//   - The check is made once, at authorization: a session keeps its grant
//     until it expires even if its authorizer's rules change later.
//   - Every token lies in at least one container under /: an update to no
//     containers is KindInvalid.
//
// # Secrets
//
// API keys, session keys, nonces and the bootstrap key are [Secret] values
// ([Application].Key, [ApplicationKey].Key, [Session].SessionKey and Nonce,
// [AuthorizeSessionRequest].Nonce, [Vault.TakeBootstrapKey]). A Secret
// prints, encodes and logs as "[REDACTED]" under every fmt verb, in
// encoding/json and in log/slog, and so in the errors and events that would
// format it; [Secret.Reveal] is the one way out, and the HTTP layer calls it
// explicitly in the responses that hand a key out (create application,
// create key, create session). Decisions:
//
//   - A Secret holds a pointer, so a struct holding one in an unexported
//     field prints an address, not the value. The zero Secret is empty and
//     prints as empty; JSON cannot round-trip a non-empty one (it encodes
//     "[REDACTED]"), but decodes a JSON string, so request structs hold one.
//   - A reactor's configuration is [Secrets], a map of secret values by
//     name: fmt, slog and encoding/json show the names with every value
//     "[REDACTED]", and [Secrets.Reveal] (or indexing the map) gets at the
//     plaintext. It is returned, as the hosted platform returns it, to
//     callers holding reactor:read: the HTTP layer reveals it explicitly in
//     the reactor responses. fmt and slog of a [Reactor],
//     [CreateReactorRequest] and [UpdateReactorRequest] leave it out
//     altogether (their Format and LogValue), and a [Page] logs only its
//     counts.
//   - [IdempotentResponse].Body, a response kept for replay (it may hold a
//     key handed out once), is its own way out; fmt, slog and JSON show its
//     length.
//   - The vault logs ids, kinds and durations, never keys; errors never
//     repeat a key or nonce they were given.
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
// # Events
//
// Every change raises an event (token.created, token.updated, reactor.deleted,
// transaction.committed, ...: see the Event constants) in the store
// transaction that makes it: the event is written to an outbox in the same
// store, so it exists if and only if the change committed, and a crash
// after the commit delays it but does not lose it. Event data holds ids,
// types and non-sensitive attributes only, never token data, keys,
// credentials or configuration. An event is written when a handler is
// registered ([WithEventHandler]) or its tenant has a webhook (read in the
// writing transaction, so exact across processes); otherwise nothing is.
//
// A dispatcher goroutine delivers the outbox to the handlers after commit:
// one event at a time, in commit order per tenant, at least once, each with
// its [Event].ID for de-duplication (an event whose delivery was under way
// at a crash or Close is delivered again at the next start). With several
// processes sharing a store, the one holding the outbox lease delivers
// every process's events; another takes over when it closes or dies (after
// ten seconds), so register the same handlers in every process.
// [Vault.FlushEvents] waits until the events committed so far have been
// delivered. Delivered events are purged after [WithEventRetention] (24 h by
// default); a deleted tenant's events, tenant.deleted among them, are
// delivered before its purge removes them.
//
// # Webhooks
//
// A tenant's webhooks ([Vault.CreateWebhook]; reference section 8.1) get
// its events by HTTP POST. Decisions:
//
//   - A tenant has at most [MaxWebhooks] (5); a sixth is KindConflict. A
//     webhook has a name (at most 200 characters), a URL, an optional
//     notify_email, events (known event types, or "*" for all; an unknown
//     type is KindInvalid at "events[i]") and a status, enabled or
//     disabled. The permissions are webhook:create, :read, :update and
//     :delete, for management applications; the reference's webhooks:read
//     (and :create, :update, :delete) are synonyms. GET /ping answers 200
//     to any authenticated key.
//   - Each webhook has a signing key: 32 random bytes (crypto/rand) as
//     base64url, sealed at rest like connection credentials, a [Secret] in
//     the Go API (redacted in fmt, JSON and slog), returned in plaintext on
//     create and on reads by callers holding webhook:read, and never in
//     events (which carry {webhook: {id, name, url, status, events}}), logs
//     or errors.
//   - Each request is a POST of {"event": <the event as stored: id, type,
//     timestamp, tenant_id, trace_id, data with actor>, "delivered_at":
//     RFC 3339} with the headers Content-Type: application/json,
//     BT-SIGNATURE (base64 of HMAC-SHA256 over the exact body, keyed with
//     the signing key string's bytes), BT-SIGNATURE-VERSION: v1,
//     BT-EVENT-ID (the event id, the same on every retry) and User-Agent:
//     vault-webhooks. A 2xx answer is a delivery; any other status, a
//     timeout ([WithWebhookTimeout], 10 s by default) or a refused or failed
//     connection is a failure. Redirects are never followed. Logs name only
//     the webhook id, the event id and the status.
//   - Delivery is at least once and durable: in the transaction that
//     advances the outbox past a round's events, the dispatcher inserts one
//     delivery job per subscribed enabled webhook holding its events (so a
//     crash loses none, and none is fanned out twice). A job POSTs its
//     events in order; at the first failure it stops and queues a follow-up
//     holding the rest, after a capped exponential backoff (2 s doubling to
//     10 minutes, jittered over the upper half), so delivered events are not
//     sent again. A process dying mid-job has the job re-run from its first
//     event once its lease ends: receivers must de-duplicate by
//     BT-EVENT-ID. Events of one webhook arrive in commit order while
//     deliveries succeed, but there is no ordering guarantee across
//     retries (a later batch may arrive while an earlier one waits). Use
//     delivered_at for replay checks.
//   - A webhook failing continuously (no success) for
//     [WithWebhookDisableAfter] (24 h by default; failing_since records
//     when it began, cleared by a success) is disabled: webhook.disabled
//     is raised and the hook of [WithWebhookDisabledHook] is called after
//     the commit (mailing notify_email is the host's job: the vault sends no
//     mail). Events queued for a webhook disabled or deleted since are
//     dropped. Enabling it again (PUT with status enabled) clears
//     failing_since.
//   - Destinations: by default a URL must be https, carry no user
//     information, have a port from 1 to 65535, and not name a literal
//     address that [PublicAddress] refuses (loopback, private, link-local,
//     multicast, unspecified, or a special-purpose range that is not
//     global or embeds another address: NAT64, 6to4, benchmarking,
//     documentation, reserved, ...) (KindInvalid at "url"); every
//     connection is checked again on the address dialed (a net.Dialer
//     Control hook), so a name that resolves, or is rebound, to such an
//     address is refused too. No proxy is used. [WithWebhookHosts] sets an
//     allow-list: then only the hosts it names are accepted, and those may
//     use http and resolve to private addresses. [WithWebhookClient] lends
//     a transport's settings (TLS roots, say); the dial check still applies.
//   - With several processes on one store, the outbox lease and the job
//     leases give each event one delivery job per webhook and each job one
//     process at a time.
//
// # Audit log
//
// Every token create, read, update and delete, every use of a token (as a
// reactor's argument, an exchange's source, a payment's card), and every
// change of an application, key, reactor, reactor formula, exchange,
// exchange template, connection, merchant, connector, payment, session or
// tenant writes an [AuditEntry]: who (the application, or the system for
// the host and background work such as expiry), what (the entity type:
// the token's type for tokens, else the resource), which (the entity id),
// the operation (create, read, update, delete, use, invoke) and a fixed
// message ("Token retrieved"). Entries hold ids, types and those fixed
// strings only: never token data, metadata, configuration, keys or names
// callers chose. [Vault.ListAuditLog] and [Vault.AuditLog] read them,
// newest first, with log:read; [WithAuditLog](false) turns the log off.
//
// A change writes its entry in its own store transaction (from the call
// that raises its event, with or without event handlers), so the entry
// exists if and only if the change committed. A read has no transaction to
// write in: its entry goes to a bounded in-memory queue (16,384 entries),
// written by a background goroutine in one transaction per batch (1,024
// entries, or every 50 ms), which also raises the token.read event of each
// token read. A read pays one channel send; if the queue stays full for
// 5 ms (the store cannot keep up) the entry is dropped, counted by
// [Vault.AuditDropped] and logged. Close writes what is queued before it
// closes the store; [Vault.FlushAuditLog] waits for the entries of the
// reads made so far. So the entries of the last 50 ms of reads may be lost
// in a crash; the entries of changes never are.
//
// Entries are kept for [WithAuditRetention] (24 h, the hosted platform's
// quota, by default) and purged by the sweeper, batch by batch; a deleted
// tenant's entries go with its other records. They are stored under a
// version 7 UUID of the vault's clock (append-only per tenant: a date range
// is a key range) and have no entity index: one would be a random key per
// token create, and cost a third of the throughput of creates on bolt. A
// query by entity scans the date range, newest first, up to 10,000 entries
// per page (a page may then come back short, with a cursor): give
// start_date and end_date to keep it short.
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
//   - Metadata holds at most 100 entries and 8 KiB, and each key with its
//     value at most 1 KiB (an entry is an index key, which must fit the
//     store's key limit): more is KindInvalid at "metadata".
//   - Deduplication matches a live token of the same type, fingerprint and
//     containers. An update that would make a token a duplicate is not
//     applied; the existing token is returned with _extras.deduplicated.
//   - Numbers in token data keep every digit (they are handled as
//     json.Number, never float64), but one beyond the range of a float64
//     (1e999999, -1e400) is KindInvalid at its path: no reader (a reactor's
//     JavaScript, most JSON decoders) could hold it.
//   - Text is kept as given or refused, never rewritten: a string that is
//     not valid UTF-8 (or an escaped unpaired surrogate in JSON) in token
//     data, a mask, metadata, a custom id, a merge patch or a tokenize or
//     detokenize document is KindInvalid at its field path ("data.note",
//     "metadata.k"; for a map key, the map's path), where json.Marshal would
//     have turned it into U+FFFD. Data given as Go values is checked as
//     json.Marshal walks it; a json.RawMessage as JSON.
//   - A [Token]'s Data and Mask are JSON ([encoding/json.RawMessage]), not
//     decoded values: a read hands over the decrypted bytes as they are,
//     which the caller decodes into its own type ([Token.UnmarshalData])
//     and may clear when done; the REST API returns them unchanged. Requests
//     ([CreateTokenRequest]) still take any JSON-encodable value.
//   - Tenant settings are cached for up to one second, so a settings change
//     made by another process sharing the store applies within a second.
//   - Token ids: a token created without an id gets a version 7 UUID
//     (time-ordered: its first 48 bits are the creation time in
//     milliseconds, the other 74 random), where the hosted platform gives
//     a version 4 one. Records are stored in id order, so new tokens append
//     to the end of the tenant's key range instead of dirtying a random page
//     of a large tree on every insert; bolt writes stay cheap at a million
//     tokens. An id is a reference, not a secret (access rules protect the
//     data), but it does reveal when the token was made: give your own ids
//     (or an alias) where that matters.
//
// # Masks
//
// A mask is evaluated on every masked read, so a mask that cannot be
// evaluated would break every read of its token, and every list and search
// page holding it. Decisions:
//
//   - Every template a token stores is evaluated when it is written, on the
//     token's own data and under the expression limits ([expr.Limits]; the
//     templates of one write share one evaluation's steps, so a write costs
//     at most that): the mask, fingerprint_expression, search_indexes and an
//     alias id. This
//     holds for [Vault.CreateToken], [Vault.UpdateToken] (the mask when it
//     or the data changes; the others always), [Vault.Tokenize], writes in
//     a token transaction and the merge of deduplication's update_existing
//     (the duplicate's mask on the merged data). A template that exceeds a
//     limit or fails is KindInvalid with its field path (mask, mask.number,
//     mask[1], fingerprint_expression, search_indexes[2], id; prefixed by the
//     document path in Tokenize) and nothing is written.
//   - The mask of a token with a cvc is evaluated with the cvc and without
//     it, since it is read both ways (before and after the cvc retention).
//   - The token types' own masks are not evaluated at write: they read only
//     what the type's validation lets through and cannot fail on it.
//   - A masked read whose mask does not evaluate (a token written by an
//     earlier version, or limits lowered since) shows the token as the
//     redact transform does (no data, no card or bank details); the get, the
//     list or search page and the other tokens are unaffected. A warning
//     naming only the tenant and the error kind is logged (at debug level
//     for a mask past its share of a page, below).
//   - Each mask of a list or search page of n tokens (or of the n tokens
//     one [Vault.Detokenize] reads) has 1/n of one evaluation's steps, so
//     that a page costs at most one evaluation whatever its masks: a mask
//     that needs more than its share (1,000 steps on a page of 100; the
//     types' masks take a few) shows its token redacted there, and masked
//     when read alone.
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
//
// # Reactors
//
// Reactors run JavaScript written by vault users against detokenized data,
// with the node-bt contract of the hosted platform:
//
//	module.exports = async function (req) {
//	  const { args, configuration, bt } = req;
//	  return { raw: {...}, tokenize: {...} };
//	};
//
// reactors.go holds the reactor resource (CRUD, sealing, options);
// formulas.go the legacy reactor formulas; react.go the synchronous
// invocation, the error mapping and req.bt; react_async.go the durable
// asynchronous jobs. The JavaScript runtime, its limits, modules and error classes live in
// package sandbox: the vault owns one *sandbox.Sandbox, built at Open from
// [WithReactorLimits], [WithReactorHTTP] and [WithReactorIsolation], and
// closed by [Vault.Close].
//
// Reactor code is untrusted, and goja cannot bound what hostile code does
// to the memory of the process it runs in. So by default every invocation
// runs in a worker process: this program's own executable, re-executed
// with an empty environment, which limits its own address space, CPU time
// and file descriptors (no file, no socket: the network only through the
// vault, whose allow-list applies) before it runs any code. A worker runs
// one reactor of one tenant and never another; warm ones are pooled per
// reactor. The vault kills a worker past its timeout (408, or 500 for an
// asynchronous invocation) or its memory budget (500) and starts a fresh
// one. The package sandbox documentation, section Worker processes, has the
// details; programs that import this package need nothing more, since the
// worker starts in package sandbox's init, before their main.
// [WithReactorIsolation](sandbox.Isolation{InProcess: true}) runs reactors
// in the calling process instead: for trusted code and tests only.
//
// # Reactors: the resource
//
// A reactor has a name (1 to 200 characters), code (compiled when it is
// created or changed: code that does not compile, or is longer than the code
// size limit, is KindUnprocessable with the field path "code"), a
// configuration of strings, an optional application (private or public, of
// the reactor's tenant) and, for reactors made from a legacy formula, the
// formula, whose code the reactor runs. Management applications need
// reactor:create, reactor:read, reactor:update and reactor:delete.
//
// The configuration is sealed at rest with the tenant's data key, bound to
// (tenant, "reactor", id, "configuration"), and re-sealed by
// [Vault.RotateKeys]. It is returned, as the hosted platform returns it,
// to callers holding reactor:read (the responses of create, update and patch
// to callers without it leave it out); it never appears in events, logs,
// errors or fmt output of a [Reactor]. The code is not secret and is stored
// as is.
//
// # Reactors: invoking
//
// [Vault.React] runs a reactor and returns its result; [Vault.ReactAsync]
// stores a job that a worker pool runs later, whose result
// [Vault.GetReactResult] reads. The caller needs reactor:invoke (or the
// legacy token:use). Every token the args reference is detokenized with
// token:use (which reactor:invoke stands in for): the caller
// needs an access rule granting it on the token's containers (403
// otherwise; an unknown token is 400), and at most 100 expressions
// ([DefaultReactorMaxTokens], [WithReactorMaxTokens]) may appear in one
// call's args. The detokenized args are then checked against the formula's
// request_parameters, if any, and must encode to at most the sandbox's
// MaxPayload (1 MiB; 413 otherwise).
//
// req.bt is a client acting as the reactor's application: its calls are
// the vault's own methods (CreateToken, GetToken, UpdateToken, DeleteToken,
// ListTokens, SearchTokens, Tokenize, Detokenize) with that application's
// permissions and access rules, outside any token transaction of the caller.
// It is null when the reactor has no application. What the reactor returns
// in tokenize is tokenized as the reactor's application, or as the caller
// when the reactor has none, outside the caller's token transaction; the
// tenant's tokenize_limit applies.
//
// # Reactors: errors
//
// A reactor's own failure is an *[Error] whose Reactor, a [ReactorFailure],
// carries the status of the reference's error classes (BadRequestError 400, AuthenticationError 401,
// InvalidPaymentMethodError 402, AuthorizationError 403, RateLimitError 429,
// ReactorRuntimeError 500 for anything else thrown, ServiceUnavailableError
// 503, InvalidReactorConfigurationError 400) with the detail and errors the
// reactor threw, or, for CustomHttpResponseError, the status, headers and
// body to return verbatim. A reactor whose output (raw, tokenize) is too
// large, or that exceeds its memory budget, is a ReactorRuntimeError (500).
// Its Kind is the kind of that status (KindInvalid, KindUnauthenticated,
// KindPaymentRequired, KindForbidden, KindRateLimited, KindInternal,
// KindUnavailable; another custom 4xx is KindInvalid, anything else
// KindInternal) and [Error.Status] is the status itself, so
// errors.Is(err, vault.ErrForbidden) holds for an AuthorizationError as for
// any 403. Its Error text names only the class and status: what the reactor
// said is in Reactor, never in Detail or Fields.
// Everything else is an *[Error]: args too large KindPayloadTooLarge (413),
// code that no longer compiles KindUnprocessable (422), and a synchronous
// invocation that runs past its time limit (30 s by default) KindTimeout
// (408), which also matches context.DeadlineExceeded. An asynchronous
// invocation that runs past its limit (5 min) fails, as on the hosted
// platform, with a ReactorRuntimeError (500).
//
// # Reactors: asynchronous invocations
//
// ReactAsync detokenizes and validates the args at once, with the caller's
// rights (so access and validation errors are returned to the caller), and
// stores, in one transaction, the invocation (its state and, later, its
// result, with the caller's principal, which reads the result and tokenizes
// the output of a reactor without an application) and a job of the job
// queue (see Background jobs) whose payload is the detokenized args, sealed
// under the tenant's key and deleted with the job when it finishes. The job
// runs the code and configuration the reactor has when it runs. Workers
// ([DefaultReactorWorkers] per process, [WithReactorWorkers]) claim the jobs
// of every process sharing the store: a job whose process died is run
// again once its lease ends (about 10 s, [WithJobLease]), at most three
// times in all; a process that closes hands its running jobs back at once.
// A job therefore runs at least once, and may run again if a process dies
// while running it; its outcome is stored once. Jobs survive restarts.
// Results, which may hold revealed data, are sealed, kept for
// [DefaultReactorResultTTL] ([WithReactorResultTTL]) and readable only by
// the application or session that invoked the reactor (and the host).
//
// With a callback URL ([Vault.ReactAsyncWithCallback]; REST callback_url
// in the react-async body) the outcome is also POSTed there when the
// invocation ends: the body is the [ReactResult], signed like a webhook
// delivery (BT-SIGNATURE, BT-SIGNATURE-VERSION v1, BT-EVENT-ID the request
// id) with a key made for that invocation alone and returned once, under
// the webhooks' destination rules, retried by the job queue 10 times at
// most. A synchronous invocation refuses a callback URL.
//
// Events: reactor.created, reactor.updated, reactor.deleted carry the
// reactor's id, name and dates; reactor.invoked, reactor.completed (with
// elapsed_ms) and reactor.failed (with elapsed_ms and an error string that
// names only the error class or kind) carry the reactor's id and name and
// the request's id and invocation_type (sync or async).
//
// # Proxies
//
// A proxy forwards a caller's HTTP request to a third party with the
// token expressions of its body replaced by the tokens' data, so that card
// numbers reach a gateway without passing through the caller's servers
// (reference section 7). [Vault.Proxy] takes a [ProxyRequest] (the REST
// API's ANY /proxy/** builds one with [ProxyRequestFromHTTP]) and returns
// a [ProxyResponse]. Decisions:
//
//   - The ephemeral proxy (ProxyRequest.Destination, BT-PROXY-URL) needs a
//     caller with proxy:invoke, or the legacy token:use held as such
//     (reactor:invoke, which grants token:use to reactors, does not reach
//     proxies); a tenant turns it off with the setting
//     disable_ephemeral_proxy ("true"): KindForbidden then.
//   - A pre-configured proxy ([Vault.CreateProxy]; proxy:create, :read,
//     :update and :delete, for management applications) is invoked by its
//     key (BT-PROXY-KEY or ?bt-proxy-key=, which is not forwarded). The key
//     is 32 random bytes, shown once on create; the vault keeps only its
//     keyed hash, found across tenants, so an unknown key, or another
//     tenant's, is KindNotFound. require_auth (default true) asks for an API
//     key with proxy:invoke; a proxy with require_auth false also serves
//     anonymous calls ([WithAnonymous]; the REST API's requests without a
//     BT-API-KEY), for a third party's callbacks into the vault: those are
//     never detokenized, so an anonymous caller can tokenize (with a
//     tokenize transform) but never reveal.
//   - Destination rules, checked when a proxy is created and at each call,
//     and at dial time on the address actually reached (so DNS rebinding
//     cannot bypass them): HTTPS, TLS 1.2 or newer, a DNS name (no IP
//     literal, no localhost) resolving to public addresses only.
//     [WithProxyHosts] (vaultd: --allow-host) restricts destinations to the
//     hosts it names and then admits http and private addresses for them,
//     as the webhook allow-list does. Redirects are never followed; the
//     vault negotiates no compression, so bodies are transformed as sent.
//   - The request: the path after /proxy and the query are appended to the
//     destination's; headers are forwarded except hop-by-hop ones, the
//     vault's own (BT-*, X-API-KEY) and Accept-Encoding;
//     BT-PROXY-KEEP-ALIVE and BT-PROXY-CONNECTION become Keep-Alive and
//     Connection. The body is detokenized by its Content-Type: JSON
//     (application/json, *+json) string by string as [Vault.Detokenize]
//     does, form values (application/x-www-form-urlencoded) each re-encoded,
//     and text (text/*, XML, or no type) as one template; other types pass
//     untouched, as does any body without "{{". At most [MaxProxyTokens]
//     (20) expressions, KindInvalid beyond; each token is checked under the
//     caller's access rules for proxy:invoke (or token:use) and logged in
//     the audit log ("Token used by a proxy"). Only token references work:
//     {{ config: ... }} is refused, so that a caller cannot send a proxy's
//     configuration anywhere. A proxy with disable_detokenization forwards
//     bodies as they are.
//   - The response: the destination's status, headers (hop-by-hop ones
//     aside) and body, with BT-PROXY-DESTINATION-STATUS. A destination's
//     error passes untouched. The vault's own errors are a *[Error] (the
//     REST API wraps its ProblemDetails as {"proxy_error": {...}}): a
//     destination slower than the timeout (25 s, [WithProxyTimeout], or the
//     proxy's timeout in seconds, 1 to 120) is KindTimeout (408); one that
//     cannot be reached, or whose TLS handshake fails, KindUnavailable; one
//     resolving to a refused address KindForbidden. Bodies are bounded by
//     [WithProxyMaxBody] (10 MiB).
//   - Transforms (pre-configured proxies), run in order. Request
//     transforms run after detokenization, response transforms only on a
//     2xx answer. code runs in the reactor sandbox with req = {args: {body,
//     headers, method, path, query} (response: {body, headers}),
//     configuration, bt} (bt acts as the proxy's application) and returns
//     {body, headers}: a JSON body is given parsed and a returned object is
//     sent as JSON; returned headers replace the message's; throwing
//     CustomHttpResponseError answers with its status, headers and body
//     without calling the destination (from a request transform); an error
//     class of the reactor SDK thrown on purpose is the reactor failure, with
//     its status and message; anything else thrown is a ReactorRuntimeError
//     that names only the transform, since an unexpected exception's message
//     may quote the detokenized data or configuration it held. tokenize creates a token, as the
//     proxy's application (required), from options.token, a token create
//     request whose strings are templates over the body bound as req or
//     res; options.identifier names it for later transforms, and
//     options.location (a JSONPath) puts its id in place of the values
//     there. mask replaces, in each match of a regular expression (.NET
//     syntax, at least one capture group) or in the PAN field of Chase
//     Stratus records (chase_stratus_pan), every occurrence of each
//     captured value by a one-character replacement, within a matching
//     budget: a mask that runs out withholds the response (KindUnprocessable)
//     rather than return it unmasked. append_json sets options.value at the
//     JSONPath options.location, append_text appends it to the body,
//     append_header adds it as the header options.location. Append values
//     may reference the tokens of earlier tokenize transforms, as {{
//     transform_identifier: 'name' | json: '$.id' }} (the token without its
//     data), and nothing else: response transforms never detokenize. See
//     internal/proxyxform/SPEC.md for the sources and the decisions where
//     the platform's documents are silent.
//   - Each call raises proxy.invoked (the proxy, the method, the
//     destination's host and status, the status answered and the time;
//     never a path, a query, a header or a body) and, for a pre-configured
//     proxy, writes an audit entry. The REST API honours BT-IDEMPOTENCY-KEY
//     on proxy calls (the platform does not): a completed key replays the
//     stored 2xx response without calling the destination again.
//
// # Exchanges
//
// Exchanges are the 2021 model that reactors replaced (seed 003, reference
// section 9), kept and finished: an exchange template holds code, a source
// token type and a configuration schema ([ExchangeTemplateConfig]: a name
// and a type, string, boolean or number); an exchange binds a template to a
// configuration, sealed at rest like a reactor's; [Vault.Exchange] (REST:
// POST /exchanges/{id}/exchange {"token_id"}, our extension, since the
// hosted docs never published one) runs the template's code on a token and
// creates the token the code returns through the tokens engine, with its
// validation, dedup and events. exchange_templates.go holds the templates,
// exchange_official.go the official ones, exchanges.go the exchanges and
// the exchange itself. Decisions:
//
//   - Official templates ship with the vault, are the same in every tenant
//     and list with the tenant's private ones; changing or deleting one is
//     KindForbidden (403), and a request may not create one (type must be
//     private). There are three: [ExchangeTemplateCardNumber],
//     [ExchangeTemplateCardBINLast4] and [ExchangeTemplateCardPseudonym].
//     A private template that exchanges use cannot be deleted
//     (KindConflict); changing it changes what they run at once.
//   - An exchange's configuration must hold every entry its template
//     declares and no other ("configuration.<name>": is required, is not in
//     the template's configuration, must be a boolean, must be a number).
//     Values are strings, as in the seed's example; a boolean is "true" or
//     "false" and a number a JSON number, and the code gets them typed (a
//     boolean as true or false, not a string that is always truthy). The
//     REST API also takes JSON booleans and numbers. An exchange whose
//     template's schema changed so that its configuration no longer fits
//     fails to exchange with KindConflict until it is updated.
//   - The code's one argument is {sourceToken, configuration}: sourceToken
//     is the token as GET /tokens/{id} returns it with its data revealed.
//     It returns {data, metadata} and may add type (default "token"),
//     containers, search_indexes, fingerprint_expression, mask, expires_at
//     and deduplicate_token; any other member is refused (KindInvalid at
//     "token"), so a template that returns the source token as it is cannot
//     smuggle its id or fingerprint into the new one. Returning nothing or
//     no object is a 500 ReactorRuntimeError; the tokens engine's refusals
//     are KindInvalid under "token" ("token.data", ...).
//   - The code runs in the reactor sandbox (sandbox.ConventionFunction) with
//     the reactors' limits, isolation (a worker serves one exchange of one
//     tenant), modules and error classes, mapped to statuses exactly as for
//     reactors; it has no bt client.
//   - Exchanging needs exchange:invoke (our permission, for private
//     applications, governed by access rules as token permissions are) on
//     the source token with a transform that reveals it: a rule that masks
//     or redacts is KindForbidden, since the code would otherwise compute on
//     a mask. The new token is created as the caller, so it needs
//     token:create on the new token's containers too, and the response is
//     shaped by that permission's transform. The source must be of the
//     template's source_token_type (KindInvalid at "token_id", as is an
//     unknown token). Within a token transaction the source is read and the
//     new token staged in it.
//   - Templates and exchanges are managed with exchange:create, exchange:read,
//     exchange:update and exchange:delete (management applications); the
//     configuration is shown only to callers with exchange:read.
//   - Events: exchange.created, exchange.updated, exchange.deleted, and
//     exchange.completed or exchange.failed for each exchange of a token;
//     none carries configuration, code or token data. exchange.completed
//     says the code ran and its token was created; within a token
//     transaction that token exists (and token.created is raised) only if
//     the transaction commits.
//   - A returned token the tokens engine refuses is KindInvalid with paths
//     cut to the token's member ("token.data", not "token.data.<name>"),
//     and expression errors read "is not a valid expression": the code
//     chooses member names and expressions, and could build them from the
//     source token or the configuration.
//
// # Orchestration connections
//
// A connection (seed 000, reference section 10) binds a connection formula
// (a payment service of the catalogue, [Vault.ListConnectionFormulas]) to
// its credentials and the countries and currencies it accepts. Package
// gateway defines the payment service itself (gateway.Adapter) and knows
// nothing of tokens; connection_formulas.go holds the catalogue and
// connections.go the resource. Decisions:
//
//   - The catalogue is the reference's card formulas with their credential
//     fields, plus the Definition of every registered adapter
//     ([WithGatewayAdapter]; mock-card is the gateway/simulator Simulator and
//     stripe-card the gateway/stripe adapter by default) and any formula a
//     host adds ([WithConnectionFormula]). A formula no adapter backs is
//     listed and validated, and a connection on it is failed at once with a
//     reason. GET /orchestration/connection_formulas is a plain array, as
//     the connection list is; either orchestration:connection_formulas (the
//     reference) or orchestration:connection_formulas:read lets a caller read
//     it.
//   - Every request member is required (the seed says so) but active, which
//     defaults to true. The fields must hold each required field of the
//     formula and no field it does not declare ("fields[1].key"), a
//     required value may not be empty and a text one may not span lines
//     ("fields[0].value"); countries must be ISO 3166-1 alpha-2 and
//     currencies ISO 4217 codes, in upper case (checked with
//     golang.org/x/text), and supported by the formula
//     ("accepted_countries[2]").
//   - Every field value is sealed at rest under the tenant's key; the values
//     of fields the formula marks secret are never returned (a field comes
//     back as {"key", "secret": true}), so PUT, which replaces the
//     connection, needs them again. The seed's examples omit fields; we
//     return the non-secret ones, which the connection object lists.
//   - status is pending until a job of the queue has the adapter verify the
//     credentials: available, or failed with status_reason (our extension).
//     No answer from the service is retried with backoff (six attempts),
//     then failed; an update verifies again, and a verification of an older
//     revision is dropped. three_d_secure_enabled is whether the formula
//     supports 3-D Secure (hosted or pass-through).
//   - Events: connection.created, connection.updated, connection.deleted,
//     connection.available and connection.failed; none holds a field value.
//
// # Connectors (the IXOPAY face)
//
// The connector provisioning API of seed 004 is the second face of
// orchestration, over the same gateway.Adapter registry: a merchant
// ([Vault.CreateMerchant]) owns connectors ([Vault.CreateConnector]); a
// connector names an adapter by its IXOPAY name (Definition.Adapter:
// "Simulator", "Stripe") with a method, credentials and settings, or is a
// meta-connector (adapter and method "MetaConnector") that routes to other
// connectors of its merchant. [Vault.GetConnectorSettings] returns an
// adapter's baseConfig and vaultConfig. connectors.go holds the model and
// its rules, connector_api.go the methods, routing.go the rule language of
// multi-method meta-connectors and its pure evaluator [Route]; httpapi
// serves the API with its own envelope and error codes. Decisions:
//
//   - Guids have the seed's shape: ME- or CO- and six groups of four upper
//     case hex digits.
//   - Every validation error carries, per field path, a [FieldReason]
//     (value, format, characters, required, not_applicable, not_found,
//     invalid) from which httpapi makes the API's codes 1001 to 1007.
//   - name is at least 3 characters; adapter must be registered (or
//     MetaConnector); apiKey is required; sharedSecret is at most 50
//     characters and, when empty, generated (30 letters and digits) and
//     returned by that call only; businessCountry matches ^[A-Z]{2}$ and is
//     an ISO 3166-1 code; config.language matches ^[a-z]{2}$;
//     config.extraData must fit the adapter's baseConfig and config.vault
//     its vaultConfig (a missing required entry, an undeclared one, a wrong
//     type); disabledTransactionTypes come from the seed's eleven values;
//     postbackFormat is inherit (the default), json or xml.
//   - apiKey, sharedSecret, config.username, password, apiSecret and the
//     vault configuration are sealed at rest, and none is returned but a
//     shared secret the call generated: a documented deviation from the
//     seed's examples, which echo them. An extraData object is plain JSON of
//     at most 8 levels and 1,000 values.
//   - An update changes the members it names and keeps the others;
//     settings given in full replace the map, then addSettings merges into
//     it and removeSettings deletes the keys it names.
//   - A meta-connector has routingMetaConnector (its defaultConnector a
//     live connector of the merchant) or multiMethodMetaConnector (retries
//     0 to 9, expiry in hours, rules), never both, and only a meta-connector
//     has either (not_applicable otherwise), on create and on update.
//     Archiving (merchants and connectors, by their archive methods only,
//     under the :delete permissions) keeps the record and lasts: an archived
//     merchant gets no new connectors, and no meta-connector may route to an
//     archived connector anew.
//   - Permissions merchant:create, merchant:read, merchant:delete (archive),
//     connector:create, connector:read, connector:update, connector:delete
//     (archive), for management applications. Events merchant.created,
//     merchant.archived, connector.created, connector.updated and
//     connector.archived carry guids and names only.
//
// # Payments
//
// [Vault.CreatePayment] authorizes (intent authorize) or takes (intent
// capture) a payment on a card token through a connection or a connector;
// [Vault.CapturePayment], [Vault.VoidPayment] and [Vault.RefundPayment]
// follow it, under the state machine of reference section 10
// (payment_states.go: an operation the status does not allow is
// KindConflict, an amount beyond what it allows KindInvalid at "amount").
// payments.go holds the model, payment_engine.go the attempts. Decisions:
//
//   - The card is read from its token with the caller's rights: token:use
//     through a rule that reveals it, as for exchanges; it reaches the
//     adapter for the call only, and the payment keeps its brand, BIN, last
//     four digits and expiry. The permissions are
//     orchestration:transactions:create, :read and :update (capture also
//     takes the reference's orchestration:transaction:capture), for private
//     applications.
//   - Every attempt is written, with its idempotency key (payment id,
//     operation and leg), before the adapter is called, and its answer
//     after; an answer that never came (no answer, a timeout, a process
//     that died) leaves the attempt pending, the payment processing, and a
//     job of the queue repeats it with the same key once it is 30 s old, so
//     the service sees it once. That job is written with the attempt and
//     removed with the answer, so an operation answered in time leaves
//     nothing to run. A capture, void or refund while another operation
//     is pending is KindConflict.
//   - Payment ids are version 7 UUIDs: time-ordered, so a tenant's
//     payments sit in creation order in storage (new payments and their
//     answers write the table's last pages, not a random page each).
//   - A payment to a meta-connector tries the connectors its rules choose
//     (compiled once: [CompileRouting]) or its defaultConnector, at most
//     retries + 1 of them: a soft decline, a retryable error or refused
//     credentials move on; an approval, a hard decline, a pending answer
//     or an invalid request end it. Archived and disabled connectors, those
//     whose disabledTransactionTypes forbid the intent, and connections
//     that are inactive, not available or do not accept the currency or
//     country are skipped (an attempt "skipped" with the reason). A
//     payment no leg authorized is authorization_declined (after a
//     decline) or authorization_failed.
//   - A routing meta-connector with reRouteRecurring sends a subsequent
//     payment (is_subsequent_payment with previous_scheme_transaction_id)
//     to the connector that authorized the payment of that scheme
//     transaction id, when it is one of its merchant's; otherwise to its
//     defaultConnector.
//   - approval_expires_at is 7 days after an authorization that is not
//     captured (the card networks' usual hold; a service's may be shorter),
//     and three_d_secure is null: no 3-D Secure flow runs yet.
//   - Events payment.authorized, payment.captured, payment.voided,
//     payment.refunded, payment.declined and payment.failed carry ids,
//     statuses and amounts, never card data.
//
// # Background jobs
//
// Work that must outlive the call that asks for it runs on one durable job
// queue kept in the store (asynchronous reactor invocations, connection
// checks, payment retries and webhook deliveries).
// A job is written in the transaction of the change that asks for it, so
// it exists exactly when that change committed. A process claims a job in a
// store transaction, which counts the attempt and takes a lease of
// [DefaultJobLease] (10 s, [WithJobLease]) that it renews every third of
// that while the job runs; the job's effect (an invocation's result, say) is
// stored in the same transaction that finishes the job, and only if the
// lease is still held, so a process that stalled and lost its lease to
// another cannot store a second outcome. Any number of processes on one
// store (PostgreSQL) share the queue, each job claimed by one at a time;
// the job of a process that died (SIGKILL, power loss) is claimed again
// once its lease ends, about 11 s later. A failed attempt is retried after
// a capped exponential backoff (1 s doubling to 5 minutes, with jitter);
// once a kind's attempts are spent, the job is dead-lettered: kept for 7
// days, never run again. Close hands the jobs this process runs back to
// the queue at once. Each kind of job has its own share of a process's
// workers, so jobs of one kind that run long (reactors looping until their
// time limit) never hold up another kind.
//
// The queue's records are tenant data: they are sealed, re-sealed by key
// rotation, checked by [Vault.Check] and removed with their tenant, like
// every table the vault keeps (each table is declared once in a registry
// that these walk).
//
// # Observability
//
// The vault measures and traces itself through hooks that carry no
// dependency of their own, all off by default. [WithObserver] receives its
// store transactions and reactor runs as durations and fixed names
// (package vaultmetrics adapts it, [Vault.Stats] and httpapi's request
// observer to Prometheus). [WithTracerProvider] takes an OpenTelemetry
// trace.TracerProvider (the package imports only the OpenTelemetry API; the
// SDK and the exporter are the program's): each store transaction is then a
// span named "vault." and its operation ("vault.CreateToken"), a child of
// the span in the caller's context (httpapi.WithTracerProvider makes one
// per request). An operation of several transactions has several spans;
// background work has none. Without a provider a transaction only tests a
// nil tracer. Measurements and spans hold fixed names, durations, a
// transaction's read or write, and an error's Kind: never an id, a tenant,
// a key, token data, configuration or an error's text.
package vault
