// Command vaultd serves a tokenization vault over the Basis Theory REST API
// (package httpapi), so that the official SDKs work against it with only
// their base URL changed.
//
//	vaultd [serve] [flags]       serve the vault (the default command)
//	vaultd keys rotate [flags]   rotate the data keys and re-seal every record
//	vaultd backup [flags]        copy the vault of a running server to a file
//	vaultd version               print the version
//
// Every flag falls back to an environment variable, and the command line
// wins over the environment: --addr ($VAULT_ADDR, default 127.0.0.1:8080),
// --path ($VAULT_PATH, default ./vault.db), --postgres-dsn
// ($VAULT_POSTGRES_DSN), --postgres-schema ($VAULT_POSTGRES_SCHEMA),
// --bootstrap-key-file ($VAULT_BOOTSTRAP_KEY_FILE), --drain-timeout
// ($VAULT_DRAIN_TIMEOUT, default 30s), --log-level ($VAULT_LOG_LEVEL), and
// for backup --key ($VAULT_API_KEY) and --out. The master key comes from
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
