// Package sandbox runs reactors: JavaScript functions written by vault users,
// executed on goja (github.com/dop251/goja), in worker processes or in this
// one, with the node-bt contract of Basis Theory. It knows nothing of tokens: the root package
// compiles a reactor's code with [Sandbox.Compile], detokenizes the args,
// and calls [Sandbox.Run] with a [Host] that backs req.bt.
//
// # Contract
//
// The code is a CommonJS module whose export is the reactor:
//
//	module.exports = async function (req) {
//	  const { args, configuration, bt } = req;
//	  return { raw: {...}, tokenize: {...} };
//	};
//
// req.args is [Request].Args (JSON, read as JSON.parse reads it; empty means
// {}), req.configuration is an object of the configuration strings, req.bt is
// a client shaped like basis-theory-js (tokens.create, retrieve, update,
// delete, list and search, tokenize, detokenize, each returning a promise),
// built on first read (req.bt is an accessor until assigned to), or null
// without a Host. A synchronous function, a returned promise and a
// returned thenable all work. [Result].Raw and [Result].Tokenize are the JSON
// of the returned raw and tokenize, encoded with JSON.stringify's rules
// (toJSON, undefined and functions left out); nil when absent.
//
// [Request].Convention = [ConventionFunction] calls the export with the
// args alone instead (no req, no configuration object, no bt) and returns
// the JSON of all it returns in [Result].Raw: the vault runs exchange
// templates so, whose code takes {sourceToken, configuration} and returns a
// token. Everything else (limits, modules, errors, workers) is the same.
// [ConventionWhole] builds req as for a reactor but returns the JSON of all
// the export returns in [Result].Raw, as proxy transforms want.
//
// The event loop runs on the goroutine calling Run: promises, async/await,
// setTimeout, setInterval, setImmediate (returning Node's Timeout objects,
// with ref and unref) and queueMicrotask. bt and HTTP calls block on their
// own goroutines and settle their promises back on the loop. The invocation
// ends when the reactor's promise settles: timers still pending are dropped,
// calls still in flight are cancelled and waited for. A promise rejected
// with no handler at the end of a macrotask, or an exception thrown by a
// timer callback, fails the invocation (Node 16 would crash the process); so
// does a promise that can never settle because nothing is left to run.
//
// # Worker processes
//
// goja is not built for hostile code: it cannot bound a runtime's memory
// (string concatenation, object growth and JSON.parse recursion allocate in
// Go without limit) nor interrupt a built-in running in Go. With
// [WithIsolation] (what the vault does by default) Run therefore sends each
// invocation to a worker process and the host process only relays:
//
//   - A worker is this executable (or [Isolation].Command) started with
//     VAULT_SANDBOX_WORKER=1 and nothing else of the host's environment (no
//     master key, no DSN), working directory /, its own process group, and
//     SIGKILL if the host dies. This package's init turns such a process
//     into a worker before the program's main package is initialised, so any
//     binary that imports the package is its own worker, test binaries
//     included. On Linux a host running as root starts it in a new network
//     namespace with no interface up.
//   - Before it runs tenant code the worker limits itself: address space
//     (RLIMIT_AS: its size at start plus twice the memory budget plus
//     256 MiB; not in a -race build, whose shadow memory is terabytes of
//     address space), a soft Go memory limit of the budget plus 128 MiB,
//     CPU time (2 h over its life; the pool retires it at half), no core
//     files, no file writes, and no new file descriptor at all: every free
//     number below its highest open one is filled and RLIMIT_NOFILE lowered
//     to it, so no file, socket or pipe can be opened (TestWorkerOSLimits).
//     The heap watch of section Limits runs in the worker too, where the
//     heap is that one invocation's alone.
//   - Host and worker talk over the worker's stdin and stdout, in
//     length-prefixed binary frames: the invocation in (the code only the
//     first time a worker runs it), each req.bt call and each outbound
//     HTTP request out (the host runs the call with its [Host]; it checks
//     the destination against the allow-list again and sends the request on
//     its own transport), cancellations out, the outcome back. The host
//     trusts nothing a worker sends: frames are bounded, methods are checked,
//     and a worker that breaks the protocol is killed (500).
//   - The host kills a worker that has not reported 500 ms after its
//     timeout (the invocation's timeout error), whose resident memory passes
//     its size at start plus twice the budget plus 256 MiB (read every
//     25 ms), or whose caller went away; a worker that dies on its own is
//     a memory error when the Go runtime said "out of memory", a timeout on
//     SIGXCPU, and a 500 otherwise. A dead worker is never reused; the next
//     Run starts another.
//   - Workers are pooled per [Request].Pool (the vault passes tenant and
//     reactor): a worker that ran code for one pool never runs code for
//     another, so no tenant shares a process with another. Up to
//     MaxIdlePerPool (2) idle workers stay warm per pool, at most MaxWorkers
//     (4 per CPU, at least 8) live at once (the least recently used idle
//     one is stopped to make room; a Run waits when all are busy), idle ones
//     stop after IdleTimeout (2 min) and every worker retires after MaxUses
//     (10,000) invocations or a memory-limit stop. The wait for a worker,
//     and its start, count against the Run's timeout: a Run ends within its
//     timeout plus the kill grace in every state
//     (TestWaitForWorkerIsBoundedByTimeout). There is no fairness between
//     pools: one tenant's concurrent long invocations can hold every
//     worker, and other Runs then time out waiting; size MaxWorkers and
//     rate-limit tenants for that. Spares (1) are started
//     ahead, bound to no pool, so a cold reactor does not wait for a process
//     to start. A Sandbox with workers owns them and a monitor goroutine
//     until [Sandbox.Close].
//
// Inside the worker everything below holds as it does in process: a fresh
// runtime per invocation, the same limits, modules and errors. A warm
// invocation costs a pipe round trip more than in process
// (BenchmarkReactWarmIsolated in the root package). Without WithIsolation,
// or with Isolation.InProcess, code runs in the caller's process: fine for
// trusted code and tests, unsafe for untrusted code, which can exhaust the
// host's memory.
//
// # Isolation
//
// Every Run gets a fresh goja runtime, used by one goroutine and dropped
// afterwards; only compiled programs (immutable) are shared, through a cache
// of the last [DefaultCacheSize] programs keyed by the SHA-256 of the code.
// Nothing one invocation does to globals, prototypes or modules is visible to
// another invocation, reactor or tenant (TestTenantsConcurrently runs two
// tenants 10,000 times concurrently). A fresh runtime costs tens of
// microseconds, most of it goja's own and the allocation guards
// (BenchmarkRunWarm); nothing is pooled, so there is no reset to get wrong.
//
// Reactor code reaches only JavaScript values: no reflection-backed Go
// object, no Go function beyond the natives the sandbox defines (named as
// JavaScript names them, not after Go symbols), no file, no environment
// variable, no process. The global object is a fresh object whose prototype
// chain answers the sandbox's globals lazily and then goja's intrinsics.
// require resolves only the names listed below; goja_nodejs's process module
// (which reads os.Environ) is never loaded, and modules registered globally
// with goja_nodejs are not reachable. goja_nodejs's Buffer constructor keeps a
// Go value under a symbol: the reactor sees a stand-in constructor instead.
// TestNoGoValueReachable walks everything reachable by reflection and checks
// that each object exports as a plain JavaScript value.
//
// # Limits
//
// [Limits] holds the limits; each has a default:
//
//   - Timeout, 30 s ([DefaultTimeout]); Request.Timeout overrides it per call,
//     [AsyncTimeout] (5 min) for asynchronous invocations. On expiry the
//     runtime is interrupted (goja's Interrupt, checked between instructions)
//     and Run returns a *[LimitError] within a few milliseconds, even for
//     while(true){}. Cancelling ctx does the same with ctx's cause.
//   - MaxCodeSize, 50,000 characters, checked before compiling.
//   - MaxPayload, 1 MiB: the args JSON, and separately the JSON of raw, of
//     tokenize, of a CustomHttpResponseError body and of a bt call's
//     arguments. Results are encoded against the budget, so a reactor cannot
//     make the host build a huge string first.
//   - MaxCallStackSize, 1,000 frames: deeper recursion fails the invocation
//     (500), never the Go stack.
//   - MaxLogBytes, 64 KiB of console output per invocation, each line
//     counting its bytes and a newline (so empty lines are not free).
//   - MemoryBudget, 512 MiB: the Go heap is sampled every 10 ms while
//     invocations run; when it has grown by more during an invocation, the
//     sandbox runs a garbage collection (at most one every 250 ms, and
//     never more than a tenth of the time on a large heap) and interrupts
//     the invocation if the heap left after it still has. goja cannot
//     account memory per runtime, so the measure is process-wide and
//     approximate: concurrent invocations and the host count against each
//     other's budget, the first 10 ms of an invocation are not counted, and
//     a runaway invocation may go on allocating until the next collection
//     is allowed (250 ms on a small heap) before it is stopped. Garbage
//     alone never stops one, even with GOGC=off
//     (TestMemoryWatchdogIgnoresGarbage).
//   - MaxArrayLength (2^20 elements), MaxStringLength (2^24 characters) and
//     MaxBufferSize (128 MiB) guard the built-ins that allocate or loop in Go
//     in proportion to a number the code chooses ('x'.repeat(1e9),
//     new Array(1e9).fill(0), new ArrayBuffer(2**40), f.apply(null,
//     {length: 1e9}), ...): goja cannot interrupt a built-in, and some of these
//     end the process, so they throw a RangeError up front. Arrays do not grow
//     past MaxArrayLength elements by assignment (a non-configurable accessor
//     sits at that index of Array.prototype and Object.prototype).
//   - MaxHTTPBody, 10 MiB per outbound request body and per response body.
//   - At most 32 bt calls and HTTP requests of one invocation run at once
//     (each holds a goroutine and its request in the host, and bt calls reach
//     the vault's storage); the others wait for a slot, so
//     Promise.all over thousands of calls still completes
//     (TestCallsInFlightAreBounded). The host holds a worker to the same
//     bound by reading nothing more from it until a slot is free.
//
// # Modules
//
// require accepts exactly [ModuleNames]:
//
//   - @basis-theory/basis-theory-reactor-formulas-sdk-js: the error classes
//     of version 1.5.3, re-implemented with the same statuses, messages,
//     errors normalisation and toRFC7807;
//   - crypto (also node:crypto): createHash and createHmac (md5, sha1, sha224,
//     sha256, sha384, sha512; digest to hex, base64, base64url, latin1 or a
//     Buffer), randomBytes, randomUUID, randomInt, timingSafeEqual, getHashes,
//     createCipheriv and createDecipheriv (aes-128/192/256 in cbc, ctr, ecb
//     and gcm, and Triple DES: des-ede3-cbc, des-ede3, des-ede-cbc,
//     des-ede; getCiphers lists only these), pbkdf2, hkdf, KeyObject
//     (createSecretKey, createPrivateKey, createPublicKey: RSA, EC P-224 to
//     P-521 and Ed25519 keys in PEM, DER and JWK), createSign, createVerify,
//     sign and verify (RSA PKCS#1 v1.5 and PSS, ECDSA in der or ieee-p1363,
//     Ed25519), generateKeyPair(Sync) for rsa (1024 to 4096 bits), ec and
//     ed25519, publicEncrypt and privateDecrypt (OAEP; PKCS#1 v1.5 to
//     encrypt only, as Node 20), webcrypto (also globalThis.crypto:
//     getRandomValues, randomUUID, subtle digest, importKey, exportKey,
//     generateKey, sign, verify, encrypt, decrypt, deriveBits, deriveKey for
//     HMAC, AES-GCM, AES-CBC, AES-CTR, ECDSA, RSASSA-PKCS1-v1_5, RSA-PSS,
//     RSA-OAEP, Ed25519, PBKDF2 and HKDF, in lib/webcrypto.js), on Go's
//     crypto; key generation and pbkdf2 run off the loop, one at a time per
//     invocation, so the timeout still ends the invocation (the abandoned
//     computation finishes in the background, bounded by those limits);
//   - buffer (also node:buffer): goja_nodejs's Buffer, plus isBuffer,
//     byteLength and allocUnsafe, and what lib/buffer_ext.js adds (every Node
//     encoding in from, toString, write, fill and indexOf; compare, copy,
//     slice as a view, toJSON, swap16/32/64, isEncoding, copyBytesFrom,
//     constants, isUtf8, isAscii); Buffer is also a global;
//   - uuid: v4, validate, version, NIL;
//   - node-fetch and axios: see HTTP; console;
//   - path (also node:path): Node's path.posix, written in JavaScript
//     (lib/path.js, a port of Node's own); resolve starts from "/", as there
//     is no working directory;
//   - events (also node:events): Node 20's EventEmitter (error semantics,
//     errorMonitor, newListener and removeListener, captureRejections),
//     once, on (with its close and watermark options), getEventListeners and
//     setMaxListeners, in JavaScript (lib/events.js); the leak warning is
//     not printed (there is no process);
//   - stream (also node:stream) and stream/promises (also
//     node:stream/promises): Node 20's Readable (flowing and paused modes,
//     pipe, setEncoding, Readable.from, wrap, async iteration, the operators
//     map, filter, flatMap, drop, take, asIndexedPairs, forEach, some,
//     every, find, toArray and reduce, with their concurrency), Writable
//     (cork, writev, final, construct), Duplex, Transform, PassThrough,
//     pipeline and finished, in JavaScript (lib/stream.js) on events; a
//     stream's queue past MaxBufferSize bytes or MaxArrayLength chunks
//     throws a RangeError from push or write;
//   - http and https (also node:http, node:https): Node 20's client, request
//     and get (ClientRequest, IncomingMessage, STATUS_CODES, METHODS,
//     validateHeaderName and validateHeaderValue), in JavaScript
//     (lib/http.js, lib/https.js) over the native request of section HTTP,
//     following no redirect; https refuses http: URLs
//     (ERR_INVALID_PROTOCOL). Errors are Node's where they map (ENOTFOUND,
//     ECONNREFUSED, ECONNRESET "socket hang up", ETIMEDOUT); a host the
//     allow-list refuses fails with ERR_HOST_NOT_ALLOWED, a body past
//     MaxHTTPBody with ERR_BODY_TOO_LARGE, anything else with ERR_NETWORK,
//     each as the request's 'error' event. Agent and globalAgent exist and
//     are ignored (no sockets are pooled); there is no server;
//   - zlib (also node:zlib): gzipSync, gunzipSync, deflateSync, inflateSync,
//     deflateRawSync, inflateRawSync, unzipSync and their callback forms,
//     crc32, constants and codes, on compress/flate, gzip and zlib (lib/zlib.js
//     over zlib.go); output is bounded while inflating by maxOutputLength,
//     which defaults to and cannot pass MaxBufferSize;
//   - util (also node:util), in JavaScript after Node's own: format,
//     formatWithOptions, inspect (every option, inspect.custom, colors),
//     isDeepStrictEqual, promisify (with promisify.custom), callbackify,
//     inherits, deprecate (which never warns), debuglog (every section
//     off), types, TextEncoder, TextDecoder, toUSVString,
//     stripVTControlCharacters, _extend and the legacy is* functions;
//   - url (also node:url): the WHATWG URL and URLSearchParams, written after
//     the URL Standard (lib/url.js; also globals), domainToASCII and
//     domainToUnicode, fileURLToPath, pathToFileURL and urlToHttpOptions as
//     string functions, and the legacy parse, format, resolve and
//     resolveObject (lib/url_legacy.js, Node's own);
//   - querystring (also node:querystring): Node's, with its escape, unescape,
//     unescapeBuffer, decode and encode;
//   - string_decoder (also node:string_decoder): StringDecoder for utf8,
//     utf16le/ucs2, base64, base64url, hex, latin1/binary and ascii.
//
// Modules written in JavaScript (lib/*.js) are compiled once per process,
// on the first require that needs them, and run in a runtime only when a
// reactor of that runtime requires them. Every module is
// checked against Node 20 itself by the golden snippets of testdata/node
// (TestNodeGolden; the repository README says how to regenerate them).
//
// Anything else throws an Error "module X is not available in the reactor
// sandbox" with code MODULE_NOT_FOUND: fs, child_process, net, os, process
// and every npm package of the node-bt list not named above.
// Globals: console, Buffer, fetch, Headers, Response, atob, btoa, crypto
// (the webcrypto), the timer functions, queueMicrotask, URL,
// URLSearchParams, TextEncoder, TextDecoder (utf-8, utf-16le and the
// windows-1252 labels, decoded as Latin-1 as Node 20 does), structuredClone
// and global; process is not defined.
//
// # Errors
//
// Run's errors, and the HTTP status the vault gives each:
//
//	*CompileError                        422, Line and Column only (no code text)
//	*LimitError LimitCodeSize            422 (from Compile)
//	*LimitError LimitPayload "args"      413
//	*LimitError LimitPayload (outputs)   500: the reactor returned too much
//	*LimitError LimitTimeout             the vault's timeout (matches context.DeadlineExceeded)
//	*LimitError LimitMemory              500
//	*ReactorError, an SDK class          its status: AuthenticationError 401,
//	                                     AuthorizationError 403, BadRequestError 400,
//	                                     InvalidPaymentMethodError 402,
//	                                     InvalidReactorConfigurationError 400,
//	                                     RateLimitError 429, ReactorRuntimeError 500,
//	                                     ServiceUnavailableError 503,
//	                                     BasisTheoryReactorError its own status
//	*ReactorError CustomHttpResponseError  Custom.Status, Headers and Body verbatim
//	*ReactorError ReactorRuntimeError    500 for anything else thrown or rejected
//	                                     (a string, an object, an Error, undefined),
//	                                     with the SDK's errors normalisation
//	wrapping context.Canceled            the caller went away
//
// Detail and Errors come from what the reactor threw, which is the documented
// contract; the Error text of every error names only a class, a status or a
// limit, never args, configuration, output or code. A bt call failing with a
// Host error that implements [HTTPError] rejects with a BasisTheoryApiError
// carrying .status and .data (camel-cased for token methods, as
// basis-theory-js does); any other Host error with status -1 and the message
// "Network Error", its Go text hidden from the reactor.
//
// # HTTP
//
// fetch (with Headers and Response: status, ok, headers, text, json,
// arrayBuffer), node-fetch (the same, plus buffer and FetchError) and axios
// (axios(config), request, get, delete, head, options, post, put, patch,
// create, isAxiosError; response {data, status, statusText, headers};
// errors with .response for a status outside 2xx, codes ERR_BAD_REQUEST,
// ERR_BAD_RESPONSE, ECONNABORTED) all go through one native request that
// checks the destination against the allow-list ([WithAllowedHosts]: host
// names and *.domain wildcards; nothing is allowed by default), on every
// redirect too, and runs on the configured [http.RoundTripper]
// ([WithTransport], default http.DefaultTransport) with the invocation's
// context, so the invocation deadline bounds every request. Only http and
// https are supported; bodies are capped by MaxHTTPBody. The allow-list
// matches names, not addresses: an allowed name the resolver maps to an
// internal address is reached, so allow only names you control or trust.
//
// # Logging
//
// The logger ([WithLogger], default discard) gets one debug record per
// invocation: outcome, status or limit, duration_ms, program hash. Console
// output is returned in [Result].Logs and never logged; [Request] and
// [Result] redact themselves under fmt and slog.
//
// # Caveats
//
// This is goja, not Node 16. Missing: every Node built-in but the above
// (os, fs, net, child_process, vm, worker_threads, ...); process,
// AbortController;
// crypto ciphers other than those (cfb, ofb, ccm, ocb, xts, wrap,
// chacha20-poly1305, ...), Cipheriv, Sign and Verify objects as streams,
// scrypt (it needs golang.org/x/crypto), webcrypto's AES-KW, ECDH, X25519,
// wrapKey and unwrapKey (and the globals CryptoKey and DOMException),
// encrypted private keys (passphrase, cipher), privateEncrypt and
// publicDecrypt, DSA, DH, ECDH, X25519, Ed448, RSA-PSS keys, secp256k1,
// getCurves, X509Certificate, KeyObject.from and the crypto.constants other
// than RSA's; a pbkdf2 call of more than 2^23 iterations per output block
// throws (Go's cannot be interrupted); RSA keys are generated with the
// exponent 65537 only and of 1024 to 4096 bits, and refused above 16384 bits
// (where OpenSSL refuses to use them) or, private, above 12 KiB of DER; a PSS
// saltLength of 0 throws (Go cannot sign with an empty salt); malformed key
// data throws OpenSSL's "DECODER routines::unsupported" where OpenSSL may name
// the fault more precisely;
// zlib's stream classes (createGzip, Gzip, ...: they need stream), brotli (not
// in Go's standard library, so no BROTLI_ constants either), the info option,
// and compression with windowBits other than 15 (Go's compressor always uses a
// 32 KiB window); compressed bytes differ from zlib's (all decompress alike),
// a corrupt deflate stream reports "invalid block type" whatever zlib would
// name, and windowBits is enforced on inflate only against a zlib header;
// axios interceptors, cancellation and streams; async generators (goja);
// console formatting is JSON, not util.inspect; stack traces are goja's;
// Date uses the host's time zone. The ES2023 array copying methods are
// removed, as Node 16 does not have them.
//
// In events, stream, http and https: no EventTarget, Event,
// EventEmitterAsyncResource or events.addAbortListener; no for await (goja:
// iterate a stream with [Symbol.asyncIterator]().next(),
// Symbol.asyncIterator being defined by events and stream when goja lacks
// it); process.nextTick, which streams replace by a queue drained in one
// microtask: from a timer or an HTTP callback their ticks run first, as in
// Node, but from a promise job they run after the promise jobs queued before
// them and before those queued after (Node runs them when no promise job is
// left); the signal of a stream operator's callback; compose,
// addAbortSignal, web streams, pipeline's generator stages and AbortSignal
// options; encodings but utf8, hex, base64, latin1, ascii and utf16le; http
// and https servers, sockets (no 'socket' event, req.socket is null), TLS
// options (the transport decides), the request's streaming (its body is sent
// at end() with a Content-Length, never chunked; the response's arrives
// whole), rawHeaders in the wire's case and order (they come in Go's
// canonical case, sorted by name), a custom Host header (the URL's host is
// sent), and Node's lack of Accept-Encoding (Go's transport may ask for gzip
// and decompress). URLs are parsed by Go's net/url, not the WHATWG parser; a
// request emits 'finish' once end() hands its body over, even if the
// connection then fails, and its errors carry no errno, syscall, address or
// port.
//
// util, url, querystring, string_decoder and structuredClone follow Node 20
// (TestNodeGolden) but for this. util.inspect prints an error whose stack is
// goja's as one without a stack ("[Error: boom]"), measures columns with
// Node's own table of wide characters rather than ICU's, names an object
// whose prototype has no constructor "Object <...>", and cannot preview Map
// and Set iterators or weak collections; util has no parseArgs, parseEnv,
// styleText, MIMEType, aborted, log or getSystemErrorName, callbackify calls
// back on a microtask (there is no process.nextTick), and types.isExternal,
// isModuleNamespaceObject and isSharedArrayBuffer are always false. URL's
// and URLSearchParams's accessors are not enumerable; domainToASCII maps
// with case folding and NFKC instead of the UTS 46 table and checks no bidi
// or joiner rule; there is no URL.createObjectURL; pathToFileURL resolves
// against "/" and fileURLToPath is POSIX's. structuredClone refuses a
// transfer list (NotSupportedError) and its DataCloneError is an Error named
// so, with code 25, not a DOMException. StringDecoder has no lastChar,
// lastNeed or lastTotal, and TextDecoder knows no label beyond the above
// (Node's ICU knows more: they throw ERR_ENCODING_NOT_SUPPORTED). Being
// JavaScript on goja, the loops that go a character at a time (legacy
// url.parse, querystring.parse with other separators, querystring.escape,
// inspect's escaping) cost about a microsecond per character: a megabyte
// input takes seconds, within the timeout like any loop.
//
// The guards cover the built-ins whose cost a single number controls. A
// hostile reactor can still make a built-in run long, which the timeout cannot
// cut short in process: JSON.stringify or String of structures nested tens
// of thousands deep (quadratic in goja), or sorting, splitting, joining and
// replacing data it already holds. Memory such a call allocates is seen by
// the watchdog only when the call returns. A backtracking regular expression
// (goja uses regexp2 for patterns with back-references or lookaround) gives
// up after [RegexMatchTimeout] (1 s) in process and reports no match; in a
// worker the match may run to the invocation's timeout, and the host kills
// the worker then. In process, treat the sandbox as a boundary for data
// (nothing leaks between invocations or to the host) and a best effort for
// availability; worker processes ([WithIsolation]) contain denial of service
// as well: a bomb ends within its timeout plus 1 s and costs the host nothing
// (TestWorkersContainBombs).
package sandbox
