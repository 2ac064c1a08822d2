// Package httpapi is the REST API of a vault: an http.Handler that speaks the
// hosted Basis Theory API closely enough that its official SDKs work against
// it with only the base URL changed.
//
//	v, err := vault.Open("vault.db")
//	...
//	http.ListenAndServe("127.0.0.1:8080", httpapi.New(v, httpapi.WithLogger(logger)))
//
// The handler only decodes, calls the vault and encodes. Authorization lives
// in the vault: the handler authenticates the request's API key with
// Vault.Authenticate and calls the vault as that principal
// (vault.WithPrincipal), so every permission, access rule and transform is
// the vault's.
//
// # Routes
//
//	Route                                        Vault method                 Success
//	GET    /healthz (no API key)                 -                            200 {"status":"ok"}
//	GET    /readyz (no API key)                  Ready                        200 {"status":"ready"}; 503
//	POST   /tokens                               CreateToken                  201 token
//	GET    /tokens/{id}                          GetToken                     200 token
//	PATCH  /tokens/{id}                          UpdateToken                  200 token
//	DELETE /tokens/{id}                          DeleteToken                  204
//	GET    /v2/tokens                            ListTokens                   200 cursor page
//	POST   /v2/tokens/search                     SearchTokens                 200 cursor page
//	GET    /tokens                               AllTokens (deprecated v1)    200 offset page
//	POST   /tokens/search                        AllSearchTokens (v1)         200 offset page
//	POST   /tokenize                             Tokenize                     200 document
//	POST   /detokenize                           Detokenize                   200 document
//	POST   /applications                         CreateApplication            201 application with key
//	GET    /applications                         ListApplications             200 offset page
//	GET    /applications/key                     GetApplicationByKey          200 application
//	GET    /applications/{id}                    GetApplication               200 application
//	PUT    /applications/{id}                    UpdateApplication            200 application
//	DELETE /applications/{id}                    DeleteApplication            204
//	POST   /applications/{id}/keys               CreateApplicationKey         201 key with secret
//	GET    /applications/{id}/keys               ListApplicationKeys          200 array of keys
//	GET    /applications/{id}/keys/{keyId}       GetApplicationKey            200 key
//	DELETE /applications/{id}/keys/{keyId}       DeleteApplicationKey         204
//	GET    /permissions                          PermissionCatalog            200 array
//	POST   /sessions                             CreateSession                201 session
//	POST   /sessions/authorize                   AuthorizeSession             200, no body
//	POST   /transactions                         BeginTransaction             201 transaction
//	POST   /transactions/{id}/commit             CommitTransaction            200, no body
//	POST   /transactions/{id}/rollback           RollbackTransaction          200, no body
//	POST   /reactors                             CreateReactor                201 reactor
//	GET    /reactors                             ListReactors                 200 offset page
//	GET    /reactors/{id}                        GetReactor                   200 reactor
//	PUT    /reactors/{id}                        UpdateReactor                200 reactor
//	PATCH  /reactors/{id}                        PatchReactor                 204
//	DELETE /reactors/{id}                        DeleteReactor                204
//	POST   /reactors/{id}/react                  React                        200 {tokens, raw}
//	POST   /reactors/{id}/react-async            ReactAsync                   202 {asyncReactorRequestId}
//	GET    /reactors/{id}/results/{requestId}    GetReactResult               200 {tokens, raw}; 202 pending
//	POST   /reactor-formulas                     CreateReactorFormula         201 formula
//	GET    /reactor-formulas                     ListReactorFormulas          200 offset page
//	GET    /reactor-formulas/{id}                GetReactorFormula            200 formula
//	PUT    /reactor-formulas/{id}                UpdateReactorFormula         200 formula
//	DELETE /reactor-formulas/{id}                DeleteReactorFormula         204
//	POST   /proxies                              CreateProxy                  201 proxy, with its key
//	GET    /proxies                              ListProxies                  200 offset page
//	GET    /proxies/{id}                         GetProxy                     200 proxy
//	PUT    /proxies/{id}                         UpdateProxy                  200 proxy
//	PATCH  /proxies/{id}                         PatchProxy                   204
//	DELETE /proxies/{id}                         DeleteProxy                  204
//	ANY    /proxy                                Proxy                        the destination's response
//	ANY    /proxy/{path...}                      Proxy                        the destination's response
//	POST   /exchange-templates                   CreateExchangeTemplate       201 template
//	GET    /exchange-templates                   ListExchangeTemplates        200 offset page
//	GET    /exchange-templates/{id}              GetExchangeTemplate          200 template
//	PUT    /exchange-templates/{id}              UpdateExchangeTemplate       200 template
//	DELETE /exchange-templates/{id}              DeleteExchangeTemplate       204
//	POST   /exchanges                            CreateExchange               201 exchange
//	GET    /exchanges                            ListExchanges                200 offset page
//	GET    /exchanges/{id}                       GetExchange                  200 exchange
//	PUT    /exchanges/{id}                       UpdateExchange               200 exchange
//	DELETE /exchanges/{id}                       DeleteExchange               204
//	POST   /exchanges/{id}/exchange              Exchange                     201 token
//	GET    /orchestration/connection_formulas    ListConnectionFormulas       200 array
//	POST   /orchestration/connections            CreateConnection             201 connection
//	GET    /orchestration/connections            ListConnections              200 array
//	GET    /orchestration/connections/{id}       GetConnection                200 connection
//	PUT    /orchestration/connections/{id}       UpdateConnection             200 connection
//	DELETE /orchestration/connections/{id}       DeleteConnection             204
//	POST   /orchestration/transactions           CreatePayment                201 payment
//	GET    /orchestration/transactions           ListPayments                 200 offset page
//	GET    /orchestration/refunds/{id}           GetRefund                    200 refund
//	GET    /orchestration/transactions/{id}      GetPayment                   200 payment
//	POST   /orchestration/transactions/{id}/capture    CapturePayment         200 payment
//	POST   /orchestration/transactions/{id}/void       VoidPayment            200 payment
//	POST   /orchestration/transactions/{id}/refunds    RefundPayment          201 refund
//	GET    /orchestration/transactions/{id}/refunds    GetPayment             200 limit/cursor page of refunds
//	POST   /webhooks                             CreateWebhook                201 webhook (with signing_key)
//	GET    /webhooks                             ListWebhooks                 200 cursor page (start, size)
//	GET    /webhooks/event-types                 EventTypes                   200 array of event types
//	GET    /webhooks/{id}                        GetWebhook                   200 webhook (with signing_key)
//	PUT    /webhooks/{id}                        UpdateWebhook                200 webhook
//	DELETE /webhooks/{id}                        DeleteWebhook                204
//	GET    /ping                                 (any authenticated key)      200 {}
//	GET    /logs                                 ListAuditLog                 200 cursor page
//	GET    /logs/entity-types                    ListAuditEntityTypes         200 array
//	GET    /tenants/self                         GetTenant                    200 tenant
//	PUT    /tenants/self                         UpdateTenant                 200 tenant
//	DELETE /tenants/self                         DeleteTenant                 204
//	POST   /createMerchant                       CreateMerchant               200 {success, merchant}
//	GET    /getMerchant/{merchantGuid}           GetMerchant                  200 {success, merchant}
//	GET    /listMerchants                        ListMerchants                200 {success, merchants}
//	POST   /archiveMerchant/{merchantGuid}       ArchiveMerchant              200 {success, merchant}
//	POST   /createConnector/{merchantGuid}       CreateConnector              200 {success, connector}
//	POST   /updateConnector/{connectorGuid}      UpdateConnector              200 {success, connector}
//	GET    /getConnector/{connectorGuid}         GetConnector                 200 {success, connector}
//	GET    /listConnectors/{merchantGuid}        ListConnectors               200 {success, connectors}
//	POST   /archiveConnector/{connectorGuid}     ArchiveConnector             200 {success, connector}
//	GET    /getConnectorSettings/{adapterId}     GetConnectorSettings         200 {success, baseConfig, vaultConfig}
//	GET    /getConnectorSettings/{adapterId}/{merchantGuid}    the same; GetMerchant first
//	GET    /admin/backup                         storage.Backuper (opt-in)    200 file
//
// Path wildcards are URL-decoded: a custom token id such as "a:b@c" may be
// sent as /tokens/a%3Ab%40c. Query strings: GET /v2/tokens and GET /tokens
// take type, container, fingerprint, start, size and metadata filters (see
// Decisions); GET /tokens, GET /applications, GET /reactors, GET
// /reactor-formulas, GET /exchanges and GET /exchange-templates take page
// (from 1) and size (1 to 100, default 20), and GET /tokens, GET
// /applications, GET /reactors and GET /exchanges a repeatable id; GET
// /reactors, GET /reactor-formulas, GET /exchanges and GET
// /exchange-templates take name, a pattern matched against the whole name
// with the wildcards * and ?, or, without wildcards, against any part of
// it, ignoring case; GET /exchanges and GET /exchange-templates take
// source_token_type; GET /permissions takes application_type; GET /logs
// takes entity_type, entity_id (with entity_type), start_date and end_date
// (RFC 3339, or YYYY-MM-DD for that midnight UTC; both inclusive), start (the
// cursor of pagination.next) and size, and answers newest first. Unknown query parameters and body
// fields are ignored, as the hosted platform ignores them.
//
// The rows from POST /createMerchant to GET /getConnectorSettings are the
// connector provisioning API (seed 004, ixopay.go), each served also under
// /api/provisioning/ (POST /api/provisioning/createMerchant, ...), with its
// own authentication and envelope: see Decisions.
//
// To add a resource, write its endpoints (decode into the vault's request
// struct, call the vault method, return the status and the result) and
// register each with one line in routes.go: the ServeMux pattern, the
// endpoint, and enlisted when BT-TRANSACTION-ID applies to it.
//
// # Headers
//
//   - BT-API-KEY: the API key or session key; X-API-KEY, the 2021 API's name,
//     is accepted too. Every route requires one: missing or invalid is 401.
//   - BT-TRACE-ID: the correlation id. The request's value (1 to 128 visible
//     ASCII characters; anything else is replaced, but a value that is not
//     UTF-8 is refused, as below) or a new UUID is echoed
//     on the response, written in the access log and passed to the vault
//     (vault.WithTraceID), whose events carry it; with tracing, it is the
//     bt.trace_id attribute of the request's span.
//   - traceparent, tracestate: read only with WithTracerProvider (W3C Trace
//     Context): the request's span continues that trace.
//   - BT-IDEMPOTENCY-KEY: on POST, PUT and PATCH (ignored on GET and DELETE).
//     The request is identified by its method, path with query, and body,
//     and runs under Vault.BeginIdempotent: a key already completed replays
//     the stored status, content type and body; a key whose request is
//     still running, or that was used for a different request, is 409.
//     Only 2xx responses are stored (for vault.IdempotencyTTL, in the
//     store, so they survive restarts and are shared by processes on one
//     database); after a failure the key is released and a retry runs anew.
//     A reactor's CustomHttpResponseError is a failure whatever status the
//     reactor chose: it is never stored. Keys are scoped to the calling
//     application or session.
//   - BT-TRANSACTION-ID: read in one place (handler.enlist) for the routes
//     registered as enlisted: token create, update, delete and tokenize,
//     which are staged in the transaction (vault.WithTransaction), and the
//     token reads (get, lists, searches, detokenize), which then see the
//     transaction's own staged changes. The hosted platform ignored the
//     header on reads; seeing one's own writes is the vault's decision
//     (root package, "Transactions"). An unknown id is 404, a finished or
//     expired one 409. Other routes ignore the header.
//   - Content-Type: PATCH requires application/merge-patch+json (parameters
//     such as charset allowed), else 415. POST and PUT bodies are read as
//     JSON whatever their content type, so that curl -d works.
//
// Request bodies are limited to DefaultMaxBodySize (WithMaxBodySize); a
// larger one is 413, whether or not it declares its length.
//
// Text is taken as sent or refused, never rewritten. A value of one of the
// headers above that the route reads, a path wildcard (an id) or a query
// parameter that is not
// valid UTF-8 is 400, with errors keyed by the header, wildcard ("id",
// "keyId", "requestId") or parameter name; these are checked before the key
// is authenticated. A JSON body (token data, ids, metadata, reactor args,
// any field) holding a string that is not valid UTF-8 (invalid bytes, or
// an escaped unpaired surrogate such as "\ud800") or a number beyond the
// range of a 64-bit float (1e999999, -1e400) is 400 with the JSON path of
// the first one ("data.card.number", "args.amount", "data.n[1]"; for an
// object key, the object's path). Numbers within range keep every digit,
// and a number too small to tell from zero is accepted as sent.
//
// Ids are at most 1,600 bytes (the longest custom token id, 400
// characters); a longer id in a path or in BT-TRANSACTION-ID is 404, as
// any unknown id, and in a body the field error of an unknown reference.
//
// # Serving
//
// The handler reads a request's body whole (up to its size limit) before
// it calls the vault, and never limits how long a response takes (a
// synchronous reactor may run 30 s). The server it runs in bounds the
// clients: set http.Server's ReadHeaderTimeout, IdleTimeout and
// MaxHeaderBytes, and a deadline for the body rather than ReadTimeout, which
// net/http keeps on the connection while the handler runs and which then
// cancels the request's context of a slow response. cmd/vaultd does this,
// with a body deadline set by http.ResponseController and lifted once the
// body is read, and a cap on connections still sending a request; see its
// documentation for the defaults.
//
// # Errors
//
// Every error is a ProblemDetails, served as application/problem+json:
//
//	{"title": "One or more validation errors occurred.", "status": 400,
//	 "detail": "one or more validation errors occurred",
//	 "errors": {"data.number": ["must pass the Luhn check"]}}
//
// The status is the vault error's Kind.Status(); errors holds the error's
// Fields. The title is the status text, except for a 400 with field errors,
// which carries the ASP.NET title the hosted platform and its SDKs use. A
// body that is not JSON, or whose fields have the wrong JSON types, is 400
// with the field path when one is known ("rules[0].priority",
// "expires_at"). No message repeats a value from the request. Internal
// errors (500) carry a generic detail; their cause is logged once, on the
// access log line of the request, with its trace id. Unknown routes (404)
// and methods (405, with Allow) are ProblemDetails too.
//
// # Reactor errors
//
// A reactor's own failure (a *vault.Error with Reactor set, from POST
// /reactors/{id}/react, the result of a react-async, or an exchange
// template's code run by POST /exchanges/{id}/exchange) is answered as the
// hosted platform does (reference §6.5), before any other rendering:
//
//   - An error class of the reactor-formulas SDK is a ProblemDetails with the
//     class's status and the detail and errors the reactor threw
//     (BadRequestError 400, AuthenticationError 401,
//     InvalidPaymentMethodError 402, AuthorizationError 403,
//     RateLimitError 429, ReactorRuntimeError 500, ServiceUnavailableError
//     503, InvalidReactorConfigurationError 400), titled as above. Anything
//     else a reactor throws is a ReactorRuntimeError, 500. These details and
//     errors are the reactor's to choose and may repeat what it was given.
//   - A CustomHttpResponseError is answered with its status, headers and
//     body verbatim; the body is the JSON of what the reactor gave, served as
//     application/json unless the reactor set a Content-Type. The server
//     keeps the headers that frame the message (Content-Length,
//     Transfer-Encoding, Connection and the other hop-by-hop headers) and
//     BT-TRACE-ID; a 204 or 304 has no body; a 1xx status, which cannot end
//     an HTTP response, is a 500 ProblemDetails instead.
//
// The vault's own failures around a reactor are ProblemDetails of their
// kind: code that does not compile 422 (path "code"), an unknown token or a
// bad expression in args 400 (paths "args..."), a token the caller may not
// use 403, args over the payload limit 413, a synchronous invocation past
// its time limit 408.
//
// # Pagination
//
// Cursor pages (GET /v2/tokens, POST /v2/tokens/search) are
// {"pagination": {"page_size": 20, "next": "<cursor>"}, "data": [...]}; next
// is absent on the last page, and is passed back as start. Offset pages
// (GET /tokens, POST /tokens/search, GET /applications, GET /reactors,
// GET /reactor-formulas, GET /exchanges, GET /exchange-templates) are
// {"pagination": {"total_items", "page_number", "page_size", "total_pages"},
// "data": [...]} with every total present, zero included. data is always an
// array, never null.
//
// # Logging
//
// One line per request (message "request") at info, or error for a 5xx:
// method, route (the ServeMux pattern, never the URL, which may hold ids),
// status, duration_ms (a number of milliseconds), trace_id, tenant_id, application_id, session_id, and
// reactor_error, the class of a reactor's failure ("BadRequestError",
// "CustomHttpResponseError"). A reactor's failure is the reactor's outcome,
// not the server's: its line stays at info whatever its status. Never
// bodies, keys, query strings, token data, reactor args, configuration or
// what a reactor returned or threw.
//
// # Tracing
//
// With WithTracerProvider each request is an OpenTelemetry server span
// named by its route pattern ("unmatched" when none matched), with
// http.response.status_code and bt.trace_id only; give the vault the same
// provider (vault.WithTracerProvider) and its store transactions are
// children of it. Off by default, and then free.
//
// # Decisions
//
// Where the official Node SDK (@basis-theory/node-sdk 5.7.0), the OpenAPI
// definition of the hosted API and the reference documentation disagree, the
// SDK wins: it is what users run.
//
//   - Status codes follow the hosted API's OpenAPI definition, which the SDK
//     accepts (any 2xx): 201 for POST /tokens, /applications,
//     /applications/{id}/keys and /sessions; 200 for /tokenize, /detokenize
//     and the searches; 200 with an empty body for /sessions/authorize; 204
//     for deletes.
//   - Keys and nonces are vault.Secret values, which encode redacted: the
//     three responses that hand one out (POST /applications,
//     /applications/{id}/keys and /sessions) call Reveal explicitly, in a
//     response struct of their own; every other response has none to show.
//   - Metadata filters of token lists: the reference documents
//     metadata.<key>=<value>, the OpenAPI definition metadata[<key>]=<value>,
//     and the SDK's listV2 sends metadata=<JSON object>. All three are
//     accepted and combine. Matching is exact and case-sensitive (v2
//     semantics), on the deprecated v1 list too, where the reference says
//     v1 matched case-insensitively.
//   - The deprecated v1 GET /tokens and POST /tokens/search (shut down on
//     the hosted platform in 2025, absent from the Node SDK 5.x, used by
//     older SDKs) are served with offset pages. The vault pages by cursor,
//     so they walk every match to count the totals: a pass over the
//     matching tokens per request. Their search uses the vault's grammar.
//   - "expires_at": null in a PATCH removes the expiry, as null removes a
//     member in a merge patch.
//   - GET /applications?type= takes one type; the SDK may send several
//     (400).
//   - ProblemDetails carry no "instance": the request path may hold a token
//     id, which an alias can derive from token data.
//   - A reactor's "application" is the Application object (as GET
//     /applications/{id} shows it, without keys), as seed 002 shows it;
//     requests still name it by {"id"}. "runtime" is always returned as
//     {"image": "node-bt"}: the vault runs the node-bt contract in process.
//     A request's runtime may be absent, null or {"image": "node-bt"};
//     node22, or any node22 option (dependencies, resolutions, timeout,
//     resources, warm_concurrency, permissions, async), is a 400 naming the
//     field (runtime.image, runtime.timeout, ...), never silently dropped:
//     the limits are the vault's (vault.WithReactorLimits). There is no
//     "state" or "requested": node-bt provisioning is synchronous, so a
//     reactor is invokable once its create returns.
//   - PATCH /reactors/{id} answers 204 with no body, as the reference says
//     and the SDK expects (its patch returns nothing); PUT answers 200 with
//     the reactor. POST /reactors and /reactor-formulas answer 201.
//   - POST /reactors/{id}/react and react-async take the node-bt body
//     {"args": ..., "callback_url": ...}; the body may be absent (the SDK
//     sends none when react is called without a request), which invokes
//     the reactor with empty args. args is passed on as raw JSON, so numbers
//     keep every digit up to the reactor. callback_url, shut down on the
//     hosted platform in 2025, is kept for react-async: the outcome is
//     POSTed there, signed like a webhook delivery with the key returned
//     as "callbackSigningKey" in the 202 body (see the vault package's
//     ReactAsyncWithCallback); react refuses it (400). The SDK 5.x sends
//     its request as the whole body (the node22 shape); a node22 body
//     without "args" reaches the reactor as empty args, since the vault runs
//     the node-bt contract only.
//   - POST /reactors/{id}/react-async answers 202 with
//     {"asyncReactorRequestId": "<id>"}, camel-cased as in the reference and
//     the SDK. GET /reactors/{id}/results/{requestId} answers, for a
//     completed invocation, 200 with the body of a synchronous one; for a
//     failed one, its error rendered as a synchronous failure is; for one
//     pending or running, 202 with {"id", "status"} ("pending" or
//     "running"), a shape the reference leaves undocumented. A result is
//     readable only by the application or session that invoked the reactor
//     (404 for others).
//   - Reactors have no "state" or "runtime" in responses: the vault runs the
//     node-bt runtime only, whose reactors are usable at once. A "runtime"
//     in a request (which the SDK may send) is ignored, as unknown fields
//     are. The legacy "formula" is returned as {"id"}.
//   - Exchanges and exchange templates are the 2021 API (seed 003,
//     reference §9), served beside reactors and under the same X-API-KEY
//     (BT-API-KEY works too). Exchange bodies carry the configuration in
//     plaintext, as reactor bodies do, and the template as the whole
//     template object. A configuration value may be sent as a JSON string,
//     boolean or number: the vault keeps strings, so true and false become
//     "true" and "false" and a number its literal text exactly as sent
//     (8.50 stays "8.50"); an object, array or null is 400 at
//     "configuration.<name>" ("must be a string, boolean or number").
//     Whether each value fits the type the template declares is the
//     vault's check, at the same path. The official templates list with
//     the tenant's private ones; changing or deleting one is 403, and
//     deleting a template that exchanges use is 409. PUT /exchanges/{id}
//     replaces the name and configuration only (a template in the body is
//     ignored, as unknown fields are).
//   - POST /exchanges/{id}/exchange {"token_id": "..."}, our extension (the
//     2021 API never published an invoke endpoint), answers 201 with the
//     new token exactly as POST /tokens renders a created one. It is
//     enlisted: with BT-TRANSACTION-ID the source token is read and the new
//     one staged in that transaction. An unknown token or one of another
//     type than the template's source_token_type is 400 at "token_id"; it
//     needs exchange:invoke through an access rule that reveals the token
//     (a rule that masks is 403); an error class thrown by the template's
//     code is rendered as a reactor's (see Reactor errors).
//   - Payment transactions (reference §10) take and answer the vault's
//     CreatePaymentRequest, Payment and Refund as they are. POST
//     /orchestration/transactions answers 201 with the payment whatever
//     its outcome: a decline is a payment (authorization_declined), not an
//     error. The body of capture ({"amount"}) and of refunds ({"amount",
//     "reason"}) may be absent; a missing amount means all that is left, an
//     amount of 0 or less is 400 at "amount", as is one over what the
//     state allows; an operation the status does not allow is 409. void
//     reads no body. GET /orchestration/transactions/{id}/refunds pages in
//     the reference's other shape, {"pagination": {"limit",
//     "next_cursor", "previous_cursor"}, "data": [...]}: limit 1 to 100
//     (default 20), refunds in the order they were made, cursors null at
//     either end. A cursor is opaque (today the index of the page's first
//     refund, decimal, base64url without padding); a payment's refunds are
//     never removed, so one stays valid. GET /orchestration/refunds/{id} finds a
//     refund by its id alone; GET /orchestration/transactions is an offset
//     page (page, size), newest first, filtered by status and
//     external_identifier.
//   - The connector provisioning API (seed 004, ixopay.go) is IXOPAY's, not
//     Basis Theory's. Authentication is HTTP Basic: user = an application id,
//     password = one of its API keys (Vault.Authenticate, and the principal's
//     ApplicationID must equal the user; session keys are refused). BT-API-KEY
//     is not read; BT-TRACE-ID is as above; BT-IDEMPOTENCY-KEY is not applied.
//     Every answer is JSON (not ProblemDetails): {"success": true,
//     "merchant"|"merchants"|"connector"|"connectors": ...} or {"success":
//     true, "baseConfig", "vaultConfig"}, always 200; a failure is {"success":
//     false, "errorCode", "errorMessage": "<field>: <message>"}. Codes: a
//     missing or wrong credential, and a permission the caller lacks, 1000
//     "Unauthorized" with 401 (the seed has no 403); a vault KindInvalid error
//     takes the first field path in sorted order and its reason: value 1002,
//     format 1003, characters 1004, required 1005, not_applicable 1006,
//     not_found 1007, invalid or none 1001; KindNotFound 1007 named by the
//     route's path parameter ("merchantGuid: merchant not found", "adapterId:
//     ..."); a body that is empty, not JSON, not an object, has a member
//     twice, is over the size limit, or holds text that is not UTF-8 1001; a
//     known member of the wrong JSON type 1003 ("name: must be a string"); an
//     unknown member 1006 ("colour: is not applicable", named only when its
//     name is a plain identifier), in the body, config, terminals and the
//     meta-connector objects; a concurrent update of the same connector
//     (KindConflict) 1001, to be sent again; anything else (KindInternal, a
//     closed vault, a panic) 9999 "Internal server error" with 500, its cause
//     only logged. 1001 to 1007 are 422. An unknown route or method is a
//     ProblemDetails, as elsewhere. No errorMessage repeats a value. The
//     routes are not in the ServeMux pattern list that the ProblemDetails
//     tests walk. Input accepts the seed's second example's spellings
//     (Adapter, APIKey, MerchantGUID, scheduleAPIAvailable, config.APISecret);
//     answers use the first's. A null member is not given, but
//     routingMetaConnector or multiMethodMetaConnector sent as null is
//     removed, so a meta-connector can change kind in one update. The read-only
//     members guid, merchantGuid (the path names the merchant), createdAt and
//     isMetaConnector are ignored, so a connector read can be sent back.
//     settings and addSettings values may be strings, numbers (kept as their
//     literal text) or booleans; removeSettings is an array of keys or an
//     object whose keys are removed. Secrets (apiKey, config.password,
//     config.apiSecret, config.vault) are never answered, and sharedSecret
//     only by the call that generated it, in plaintext: a deviation from the
//     seed's examples, which echo them. A connector without extraData answers
//     "extraData": {} where the seed's first example shows null.
package httpapi
