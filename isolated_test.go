package vault_test

import (
	"testing"

	"github.com/tokenvault/vault"
)

// TestReactorsInWorkerProcesses runs the vault's reactor tests with their
// code in worker processes, Open's default (the rest of this package's tests
// run it in process: see export_test.go). The sandbox's own suite and the
// vaultd drill test the workers' limits; these, that the vault behind them
// is the same: req.bt as the reactor's application across the pipe, error
// statuses, custom responses, tokenized output, detokenized args, tenant
// isolation, outbound HTTP through the host, asynchronous jobs, and the
// exchange templates' calling convention with their error statuses.
func TestReactorsInWorkerProcesses(t *testing.T) {
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"TenantIsolation", TestReactorTenantIsolation},
		{"NeverLeak", TestReactorsNeverLeak},
		{"DetokenizesArgs", TestReactDetokenizesArgs},
		{"ErrorStatuses", TestReactErrorStatuses},
		{"CustomHttpResponse", TestReactCustomHttpResponse},
		{"BTActsAsTheReactorsApplication", TestReactBTActsAsTheReactorsApplication},
		{"TokenizesOutput", TestReactTokenizesOutput},
		{"HTTP", TestReactorHTTP},
		{"Async", TestReactAsync},
		{"AsyncJobSurvivesRestart", TestReactAsyncJobSurvivesRestart},
		{"OfficialExchangeTemplates", TestOfficialExchangeTemplates},
		{"ExchangeFailures", TestExchangeFailures},
		{"ExchangeCanary", TestExchangeCanary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vault.WorkerProcessesForTest(t)
			tc.test(t)
		})
	}
}
