package vault_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
)

const (
	payChildPath = "VAULT_PAY_CHILD_PATH"
	payChildSim  = "VAULT_PAY_CHILD_SIM"
	payChildIDs  = "VAULT_PAY_CHILD_IDS" // card token, meta-connector guid
)

// softRemote declines softly without calling the Simulator: the first leg
// of the crash test's meta-connector, so that every payment cascades.
type softRemote struct{ *simulator.Remote }

func (s softRemote) Definition() gateway.Definition {
	d := s.Remote.Definition()
	d.ID, d.Adapter = "softremote-card", "SoftRemote"
	return d
}

func (s softRemote) Authorize(context.Context, *gateway.AuthorizeRequest) (*gateway.Result, error) {
	return &gateway.Result{Outcome: gateway.OutcomeDeclined, Soft: true, Decline: gateway.DeclineInsufficientFunds}, nil
}

// payVault opens the crash test's vault file with the remote Simulator
// behind mock-card ("Simulator") and the soft decliner.
func payVault(t *testing.T, path, simURL string, opts ...vault.Option) *vault.Vault {
	t.Helper()
	remote := simulator.NewRemote(simURL, nil)
	v, err := vault.Open(path, append([]vault.Option{vault.WithSweepInterval(0), vault.WithGatewayAdapter(remote),
		vault.WithGatewayAdapter(softRemote{remote})}, opts...)...)
	require.NoError(t, err)
	return v
}

// TestPayChild is the body of the process TestPaymentsSurviveKill kills: it
// authorizes, captures and refunds payments in a loop, printing each
// payment's id before it starts, until it is killed.
func TestPayChild(t *testing.T) {
	path := os.Getenv(payChildPath)
	if path == "" {
		t.Skip("runs only as the child of TestPaymentsSurviveKill")
	}
	ids := strings.Split(os.Getenv(payChildIDs), ",")
	v := payVault(t, path, os.Getenv(payChildSim))
	fmt.Println("ready")
	ctx := context.Background()
	for i := 0; ; i++ {
		p, err := v.CreatePayment(ctx, vault.CreatePaymentRequest{ConnectorGUID: ids[1], Amount: 1000, Currency: "USD", Token: ids[0],
			Intent: vault.IntentAuthorize, ExternalIdentifier: fmt.Sprint("order-", i)})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("payment", p.ID)
		if p.Status != vault.PaymentAuthorizationSucceed {
			continue
		}
		if _, err := v.CapturePayment(ctx, p.ID, 0); err != nil {
			continue
		}
		_, _ = v.RefundPayment(ctx, p.ID, vault.RefundPaymentRequest{Amount: 300})
	}
}

// TestPaymentsSurviveKill kills (SIGKILL) a vault process while it makes
// cascading payments, at several points, against a Simulator served from
// this process so that its ledger outlives the child. After each kill a
// new vault on the same file settles every payment (the resolver repeats
// pending attempts with their keys), and the Simulator's ledger shows each
// operation taken once: authorizations, captures and refunds match the
// payments' amounts exactly.
func TestPaymentsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	sim := simulator.New(simulator.WithLatency(20 * time.Millisecond))
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "vault.db")

	setup := payVault(t, path, srv.URL)
	ctx := t.Context()
	card, err := setup.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034}})
	require.NoError(t, err)
	m, err := setup.CreateMerchant(ctx, vault.CreateMerchantRequest{Name: "Shop"})
	require.NoError(t, err)
	var legs []string
	for _, adapter := range []string{"SoftRemote", "Simulator"} {
		c, err := setup.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("on " + adapter), Adapter: ptr(adapter), Method: ptr("Credit Card"),
			APIKey: ptr(vault.NewSecret("k-" + adapter)), Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
		require.NoError(t, err)
		legs = append(legs, c.GUID)
	}
	meta, err := setup.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("router"), Adapter: ptr(vault.MetaConnector), Method: ptr(vault.MetaConnector),
		APIKey: ptr(vault.NewSecret("k-router")), MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Retries: 1,
			Rules: []vault.RoutingRule{{Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: legs}}}}})
	require.NoError(t, err)
	require.NoError(t, setup.Close())

	var paymentIDs []string
	kills := []time.Duration{35, 60, 85, 110, 140, 175, 210, 260}
	for round, after := range kills {
		after *= time.Millisecond
		cmd := exec.Command(os.Args[0], "-test.run=^TestPayChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), payChildPath+"="+path, payChildSim+"="+srv.URL, payChildIDs+"="+card.ID+","+meta.GUID)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		require.True(t, sc.Scan(), "round %d: the child started", round)
		require.Equal(t, "ready", sc.Text())
		lines := make(chan string, 1000)
		go func() {
			defer close(lines)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		time.Sleep(after)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		for l := range lines {
			if id, ok := strings.CutPrefix(l, "payment "); ok {
				paymentIDs = append(paymentIDs, id)
			}
		}
	}

	// A survivor on a clock 10 minutes ahead: every pending attempt is old
	// enough for the resolver.
	ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
	survivor := payVault(t, path, srv.URL, vault.WithClock(ahead))
	defer survivor.Close()
	require.NoError(t, survivor.Check(ctx))
	unsettled := 0
	for p, err := range survivor.AllPayments(ctx, vault.ListPaymentsRequest{Size: 100}) {
		require.NoError(t, err)
		if p.Status == vault.PaymentProcessing || p.PendingOperation != "" || hasPendingRefund(p) || lastAttemptPending(p) {
			unsettled++
		}
	}
	var payments []*vault.Payment
	require.Eventually(t, func() bool {
		payments = nil
		settled := true
		for p, err := range survivor.AllPayments(ctx, vault.ListPaymentsRequest{Size: 100}) {
			require.NoError(t, err)
			payments = append(payments, p)
			if p.Status == vault.PaymentProcessing || p.PendingOperation != "" || hasPendingRefund(p) {
				settled = false
			}
		}
		return settled
	}, 90*time.Second, 100*time.Millisecond, "every payment settles after the kills")
	for _, id := range paymentIDs {
		_, err := survivor.GetPayment(ctx, id)
		require.NoError(t, err, "a payment the child reported exists")
	}

	var authorized, captured, refunded int64
	var nAuth, nCapture, nRefund int
	for _, p := range payments {
		authorized += p.AuthorizedAmount
		captured += p.CapturedAmount
		refunded += p.RefundedAmount
		if p.AuthorizedAmount > 0 {
			nAuth++
		}
		if p.CapturedAmount > 0 {
			nCapture++
		}
		for _, r := range p.Refunds {
			if r.Status == vault.RefundSucceeded {
				nRefund++
			}
		}
	}
	t.Logf("%d payments over %d kills, %d of them left unsettled by a kill: %d authorized, %d captured, %d refunds; the Simulator: %d authorizations (%d replays), %d captures, %d refunds",
		len(payments), len(kills), unsettled, nAuth, nCapture, nRefund, sim.Calls(simulator.OpAuthorize), sim.Replays(simulator.OpAuthorize),
		sim.Calls(simulator.OpCapture), sim.Calls(simulator.OpRefund))
	require.NotEmpty(t, payments)
	assert.Equal(t, nAuth, sim.Calls(simulator.OpAuthorize), "every authorization the Simulator made is a payment's, once")
	assert.Equal(t, nCapture, sim.Calls(simulator.OpCapture), "captured once each")
	assert.Equal(t, nRefund, sim.Calls(simulator.OpRefund), "refunded once each")
	assert.Equal(t, int64(nAuth)*1000, authorized)
	assert.Equal(t, int64(nCapture)*1000, captured)
	assert.Equal(t, int64(nRefund)*300, refunded)
}

// lastAttemptPending reports a payment whose last operation got no answer.
func lastAttemptPending(p *vault.Payment) bool {
	n := len(p.Attempts)
	return n > 0 && p.Attempts[n-1].Outcome == "no_answer"
}

func hasPendingRefund(p *vault.Payment) bool {
	for _, r := range p.Refunds {
		if r.Status == vault.RefundProcessing {
			return true
		}
	}
	return false
}
