// Command vaultd serves a tokenization vault over the Basis Theory REST API
// (package httpapi), so that the official SDKs work against it with only
// their base URL changed.
//
//	vaultd [serve] [flags]       serve the vault (the default command)
//	vaultd keys rotate [flags]   rotate the data keys and re-seal every record
//	vaultd backup [flags]        copy the vault of a running server to a file
//	vaultd check [flags]         check a stopped vault's records and indexes
//	vaultd bench [flags]         load a vault of its own and print throughput and latencies
//	vaultd version               print the version
//
// Every flag falls back to an environment variable, and the command line
// wins over the environment: --addr ($VAULT_ADDR, default 127.0.0.1:8080),
// --path ($VAULT_PATH, default ./vault.db), --postgres-dsn
// ($VAULT_POSTGRES_DSN), --postgres-schema ($VAULT_POSTGRES_SCHEMA),
// --bootstrap-key-file ($VAULT_BOOTSTRAP_KEY_FILE), --drain-timeout
// ($VAULT_DRAIN_TIMEOUT, default 30s), --log-level ($VAULT_LOG_LEVEL),
// --sweep-interval ($VAULT_SWEEP_INTERVAL, default 30s, at least 100ms:
// how often expired tokens and entries past their retention are purged),
// --allow-host (HOST or HOST:PORT, repeatable; $VAULT_ALLOW_HOSTS,
// comma-separated: the webhook, reactor fetch and gateway destinations
// allowed, which may then use http and private addresses; only they are
// accepted once set), --stripe-base-url ($VAULT_STRIPE_BASE_URL: the
// endpoint of the stripe-card connections instead of api.stripe.com, https
// on a public address unless --allow-host names it), --metrics-addr ($VAULT_METRICS_ADDR: serve GET /metrics there
// instead of on --addr), --pprof ($VAULT_PPROF: the Go profiler on
// --metrics-addr), --otel-endpoint ($VAULT_OTEL_ENDPOINT: export
// OpenTelemetry traces over OTLP/HTTP to this collector URL; off when
// empty) and --otel-service-name ($VAULT_OTEL_SERVICE_NAME, default
// vaultd), --config ($VAULT_CONFIG: a TOML file whose keys are the
// flags; the command line, then the environment, then the file win), the
// limits on clients (see Limits), and for backup --key ($VAULT_API_KEY) and
// --out. The master key comes from
// $VAULT_MASTER_KEY or, for a vault file, the key file PATH.key, created
// with mode 0600 beside a new vault (see keys.LoadMasterKey).
//
// # serve
//
// serve opens the vault (creating a new vault file if there is none) and
// listens. On a new vault it prints the bootstrap management key to stdout,
// once: it is never stored in plaintext, and a restart does not print it
// again. With --bootstrap-key-file it also writes the key to that file,
// mode 0600, for automation. Logs are JSON lines on stderr (log/slog); they
// never hold keys, bodies or token data.
//
// On SIGINT or SIGTERM the server stops accepting connections, lets the
// requests in flight finish (up to --drain-timeout, after which the
// remaining connections are closed and the exit code is 1), and closes the
// vault. A second signal ends the process at once; the vault file stays
// consistent.
//
// With a vault file, serve also answers GET /admin/backup (see backup).
//
// # Reactors
//
// serve runs reactor code in worker processes (package sandbox, section
// Worker processes): vaultd re-executes itself as a worker with an empty
// environment. --reactor-isolation ($VAULT_REACTOR_ISOLATION, default
// process; in-process for trusted code only), --reactor-timeout
// ($VAULT_REACTOR_TIMEOUT, default 30s), --reactor-memory
// ($VAULT_REACTOR_MEMORY, MiB, default 512) and --reactor-max-workers
// ($VAULT_REACTOR_MAX_WORKERS, default 0: 4 per CPU, at least 8) set them.
//
// # Limits
//
// serve bounds what a client may hold, so that slow or stalled clients
// (slowloris), with or without a key, cannot keep connections and file
// descriptors, nor keep other clients out:
//
//	--read-header-timeout  $VAULT_READ_HEADER_TIMEOUT  10s    to send the request line and headers
//	--read-body-timeout    $VAULT_READ_BODY_TIMEOUT    30s    to send the body, from the end of the headers
//	--idle-timeout         $VAULT_IDLE_TIMEOUT         2m     for a kept-alive connection between requests
//	--max-header-bytes     $VAULT_MAX_HEADER_BYTES     65536  request line and headers (larger: 431)
//	--max-body-bytes       $VAULT_MAX_BODY_BYTES       1MiB   request body (larger: 413; httpapi.WithMaxBodySize)
//	--max-pending-conns    $VAULT_MAX_PENDING_CONNS    512    connections sending a request at once
//
// A client past a timeout is disconnected. The body deadline holds even
// when the server answers without reading the body (a request without a
// valid key is 401 at once, and net/http then reads what is left of the
// body before the connection can be reused). It is lifted as soon as the
// body has been read: there is no write timeout and no limit on how long a
// response takes, since a synchronous reactor may run for its whole time
// limit (30 s by default) before it answers. A timeout of 0 turns that
// limit off.
//
// A connection is sending a request from its accept (or, kept alive, from
// the headers of its next request) until its body has been read to the end.
// Past --max-pending-conns such connections, the one that has been sending
// longest is closed (a warning is logged at most once a minute with how
// many were): a normal client sends its request in milliseconds, so the
// oldest is the likeliest to be stalled, and a new client gets in where
// refusing new connections would let a flood of stalled ones lock it out.
// 0 removes the cap. 512 leaves room for the idle and active connections
// and the vault's own files even under a limit of 1,024 descriptors. On SIGINT or SIGTERM, connections still sending a
// request are closed at once (the vault has not been handed their
// requests); requests in flight drain as described above.
//
// The defaults are generous to slow networks and still bound an attack: 10
// s for headers of a few hundred bytes; 30 s for the body, so the largest
// (1 MiB) may arrive at about 35 KB/s; 2 minutes of idle keep-alive, longer
// than common HTTP clients keep an idle connection; 64 KiB of headers, far
// more than an API key, a trace id and the SDKs' headers need (net/http's
// own default is 1 MiB).
//
// # keys rotate
//
// keys rotate runs Vault.RotateKeys: every tenant gets a new data key, every
// sealed record is re-sealed under it, and every key is rewrapped under the
// current master key, with a progress bar on stderr. A vault file is open in
// one process at a time: stop the server first (keys rotate says so when
// the file is locked). A vault in PostgreSQL rotates while its servers
// serve. Interrupted, it can be run again.
//
// # backup
//
// backup asks a running server for a consistent copy of its vault file
// (GET /admin/backup, authenticated with a management key of the default
// tenant holding tenant:read, such as the bootstrap key) and writes it to
// --out with mode 0600. The server makes the copy from one read transaction
// while it keeps serving. The copy does not include the master key: keep
// the key file (or VAULT_MASTER_KEY) with it; to restore, put the copy and
// its key file in place of the originals.
package main
