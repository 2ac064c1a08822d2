package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Webhook delivery. The outbox dispatcher (outbox.go), in the transaction
// that advances a tenant's delivered cursor past a round's events, inserts
// one "webhook.deliver" job per enabled webhook of the tenant that
// subscribed to any of them, holding those events in commit order (sealed,
// as every job payload is). So an event gets its jobs exactly once, and a
// crash after the commit loses nothing: the jobs are durable.
//
// A job POSTs its events one request each, in order. On the first failure
// it stops, and its finish transaction records the failure on the webhook
// (failing_since) and inserts a follow-up job holding the events not yet
// delivered, due after a capped exponential backoff (the attempt count
// rides in the payload): what was delivered is not sent again. A success
// clears failing_since; a webhook failing for the disable span is disabled
// (webhook.disabled, then the host's hook). A job for a webhook deleted or
// disabled since drops its events. A process dying mid-job has the job run
// again from its first event once its lease ends (at least once: receivers
// de-duplicate by BT-EVENT-ID).

const (
	webhookQueueKind  = "webhook.deliver"
	webhookWorkers    = 8
	webhookAttempts   = 5 // runs cut short by dying processes, not delivery failures
	webhookUserAgent  = "vault-webhooks"
	webhookBodyLimit  = 64 << 10 // of a response read to reuse the connection
	webhookSignatureV = "v1"

	// The backoff of a follow-up: base·2^(attempt-1), at most the cap,
	// jittered over its upper half.
	webhookBackoffBase = 2 * time.Second
	webhookBackoffCap  = 10 * time.Minute
)

var (
	// errWebhookDestination is a destination the rules refuse, at dial time.
	errWebhookDestination = errors.New("webhook destination refused")
	// errWebhookStatus is a response that is not 2xx.
	errWebhookStatus = errors.New("webhook destination answered with a failure status")
)

// newWebhookClient returns the client of deliveries: the host's transport
// (or the default one) cloned, with a dialer that refuses non-public
// addresses for hosts not allow-listed (checked on the address dialed, so
// DNS rebinding cannot bypass it), no proxy, and redirects never followed.
func newWebhookClient(o *webhookOptions) *http.Client {
	var t *http.Transport
	if o.client != nil && o.client.Transport != nil {
		t = o.client.Transport.(*http.Transport).Clone()
	} else {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	guarded := &net.Dialer{Timeout: o.timeout, Control: refuseNonPublic}
	plain := &net.Dialer{Timeout: o.timeout}
	hosts := o.hosts
	t.Proxy = nil
	t.DialTLSContext = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && webhookHostAllowed(hosts, host, port) {
			return plain.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	t.MaxIdleConnsPerHost = webhookWorkers
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// refuseNonPublic is the dialer's Control: it runs on the resolved address
// of every connection attempt.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !publicAddr(ap.Addr()) {
		return errWebhookDestination
	}
	return nil
}

// fanOut is what a round's advance needs to fan its events out: per tenant
// with webhooks, its keys (to seal the jobs) and its events, in order.
type fanOut struct {
	tenants map[string]*tenantFan
}

type tenantFan struct {
	tk     *keys.TenantKeys
	events []pendingEvent
}

// prepareFanOut loads the keys of the tenants of batch whose events carry
// their raw entries (tenants with webhooks). A deleted tenant's events are
// not fanned out.
func (v *Vault) prepareFanOut(ctx context.Context, batch []pendingEvent) (*fanOut, error) {
	var fan *fanOut
	for _, p := range batch {
		if p.raw == nil {
			continue
		}
		if fan == nil {
			fan = &fanOut{tenants: map[string]*tenantFan{}}
		}
		tf, seen := fan.tenants[p.tenant]
		if !seen {
			tk, err := v.keys.Tenant(ctx, p.tenant)
			if errors.Is(err, keys.ErrTenantDeleted) {
				fan.tenants[p.tenant] = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			tf = &tenantFan{tk: tk}
			fan.tenants[p.tenant] = tf
		}
		if tf != nil {
			tf.events = append(tf.events, p)
		}
	}
	return fan, nil
}

// fanOutTx inserts, in the advance transaction tx, the delivery jobs of the
// tenant's events numbered from+1 to to, and returns how many.
func (v *Vault) fanOutTx(tx storage.Tx, fan *fanOut, tenant string, from, to uint64) (int, error) {
	if fan == nil || fan.tenants[tenant] == nil {
		return 0, nil
	}
	tf := fan.tenants[tenant]
	var events []pendingEvent
	for _, p := range tf.events {
		if p.seq > from && p.seq <= to {
			events = append(events, p)
		}
	}
	if len(events) == 0 {
		return 0, nil
	}
	var hooks []*webhookRecord
	err := webhookTable.scan(tx, tenant, "", false, func(r *webhookRecord) error {
		if r.Status == WebhookEnabled {
			hooks = append(hooks, r)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var sel []deliveryEvent
	for _, h := range hooks {
		sel = sel[:0]
		for _, p := range events {
			if h.subscribes(p.kind) {
				sel = append(sel, deliveryEvent{id: p.id, raw: p.raw})
			}
		}
		if len(sel) == 0 {
			continue
		}
		id := uuid.Must(uuid.NewV7()).String()
		job, err := v.newJob(tf.tk, tenant, webhookQueueKind, id, encodeDelivery(h.ID, 0, sel))
		if err != nil {
			return 0, err
		}
		if err := insertJob(tx, tenant, job); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// eventHead returns an entry's id and type: e's, when it decoded, else
// read from raw.
func eventHead(e *Event, raw []byte) (id, typ string, err error) {
	if e != nil {
		return e.ID, e.Type, nil
	}
	// Entries are written by appendEventHead: {"id":"…","type":"…",…. An
	// id and a type without escapes are read in place.
	if rest, ok := bytes.CutPrefix(raw, []byte(`{"id":"`)); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			id, rest := rest[:i], rest[i+1:]
			if rest, ok := bytes.CutPrefix(rest, []byte(`,"type":"`)); ok {
				if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
					return string(id), string(rest[:i]), nil
				}
			}
		}
	}
	var head struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
		return "", "", errors.New("outbox: the entry does not decode")
	}
	return head.ID, head.Type, nil
}

// deliveryEvent is one event of a delivery job: its id and its entry as
// stored.
type deliveryEvent struct {
	id  string
	raw []byte
}

// deliveryPayload is a delivery job's payload.
type deliveryPayload struct {
	Webhook string            `json:"webhook"`
	Attempt int               `json:"attempt"`
	IDs     []string          `json:"ids"`
	Events  []json.RawMessage `json:"events"`
}

// deliveryBinary starts a delivery payload in the binary form:
//
//	0x01 | uvarint len | webhook | uvarint attempt | uvarint n | n × (uvarint len | id | uvarint len | entry)
//
// Payloads of earlier versions are JSON (they start with '{') and are
// still read.
const deliveryBinary = 0x01

// encodeDelivery encodes a delivery job's payload (the entries are copied,
// not re-encoded).
func encodeDelivery(webhook string, attempt int, events []deliveryEvent) []byte {
	size := 1 + 3*binary.MaxVarintLen32 + len(webhook)
	for _, e := range events {
		size += len(e.id) + len(e.raw) + 2*binary.MaxVarintLen32
	}
	b := make([]byte, 0, size)
	b = append(b, deliveryBinary)
	b = append(binary.AppendUvarint(b, uint64(len(webhook))), webhook...)
	b = binary.AppendUvarint(b, uint64(attempt))
	b = binary.AppendUvarint(b, uint64(len(events)))
	for _, e := range events {
		b = append(binary.AppendUvarint(b, uint64(len(e.id))), e.id...)
		b = append(binary.AppendUvarint(b, uint64(len(e.raw))), e.raw...)
	}
	return b
}

var errDeliveryPayload = errors.New("malformed delivery payload")

// decodeDelivery decodes a delivery job's payload; its events share b.
func decodeDelivery(b []byte) (deliveryPayload, error) {
	var pl deliveryPayload
	if len(b) > 0 && b[0] == '{' {
		err := json.Unmarshal(b, &pl)
		return pl, err
	}
	if len(b) == 0 || b[0] != deliveryBinary {
		return pl, errDeliveryPayload
	}
	b = b[1:]
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		out := b[k : k+int(n)]
		b = b[k+int(n):]
		return out, true
	}
	number := func() (uint64, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	webhook, ok := next()
	if !ok {
		return pl, errDeliveryPayload
	}
	attempt, ok1 := number()
	n, ok2 := number()
	if !ok1 || !ok2 || attempt > 1<<31 || n > uint64(len(b)) {
		return pl, errDeliveryPayload
	}
	pl.Webhook, pl.Attempt = string(webhook), int(attempt)
	pl.IDs, pl.Events = make([]string, 0, n), make([]json.RawMessage, 0, n)
	for range n {
		id, ok1 := next()
		raw, ok2 := next()
		if !ok1 || !ok2 {
			return deliveryPayload{}, errDeliveryPayload
		}
		pl.IDs, pl.Events = append(pl.IDs, string(id)), append(pl.Events, raw)
	}
	if len(b) != 0 {
		return deliveryPayload{}, errDeliveryPayload
	}
	return pl, nil
}

// webhookJobs is the job queue's kind of webhook deliveries.
func (v *Vault) webhookJobs() *jobKind {
	return &jobKind{name: webhookQueueKind, workers: webhookWorkers, attempts: webhookAttempts, run: v.runDelivery,
		dead: func(_ storage.Tx, j *runningJob, _ error) error {
			v.log.Warn("a webhook delivery was dropped: the processes running it kept dying", "job", j.id)
			return nil
		}}
}

// runDelivery POSTs a job's events to its webhook, in order, until one
// fails; its commit records the outcome (see the top of this file).
func (v *Vault) runDelivery(ctx context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
	pl, err := decodeDelivery(j.payload)
	if err != nil || len(pl.IDs) != len(pl.Events) || len(pl.Events) == 0 {
		v.log.Warn("a webhook delivery job does not decode: dropped", "job", j.id)
		return nil, nil
	}
	var rec *webhookRecord
	err = v.view(ctx, "DeliverWebhook", func(tx storage.Tx) error {
		var err error
		rec, err = webhookTable.get(tx, j.tenant, pl.Webhook)
		return err
	})
	if errors.Is(err, errRecordNotFound) || err == nil && rec.Status != WebhookEnabled {
		return nil, nil // deleted or disabled since: its events are dropped
	}
	if err != nil {
		return nil, err
	}
	tk, err := v.keys.Tenant(ctx, j.tenant)
	if err != nil {
		return nil, err
	}
	key, err := v.openSigningKey(ctx, j.tenant, tk, rec)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(key)) // one per job: Reset between events
	sent := 0
	if v.checkWebhookURL(rec.URL) != "" {
		// The allow-list changed since the webhook was written.
		v.log.Warn("webhook delivery failed", "webhook", rec.ID, "event_id", pl.IDs[0], "reason", "destination refused")
	} else {
		for i := range pl.Events {
			if !v.postEvent(ctx, rec, mac, pl.IDs[i], pl.Events[i]) {
				break
			}
			sent++
		}
	}
	closing := ctx.Err() != nil // a failure of Close's doing is no failure of the webhook's
	now := v.now().UTC()
	var next *jobRecord
	if sent < len(pl.Events) {
		rest := make([]deliveryEvent, 0, len(pl.Events)-sent)
		for i := sent; i < len(pl.Events); i++ {
			rest = append(rest, deliveryEvent{id: pl.IDs[i], raw: pl.Events[i]})
		}
		attempt, delay := pl.Attempt+1, v.webhookBackoff(pl.Attempt+1)
		if closing {
			attempt, delay = pl.Attempt, 0
		}
		next, err = v.newJob(tk, j.tenant, webhookQueueKind, uuid.Must(uuid.NewV7()).String(), encodeDelivery(rec.ID, attempt, rest))
		if err != nil {
			return nil, err
		}
		next.NextRun = now.Add(delay)
	}
	var disabled *webhookRecord
	queued := false
	j.afterCommit = func() {
		if disabled != nil {
			v.log.Warn("a webhook kept failing and was disabled", "webhook", disabled.ID)
			if fn := v.webhooks.disabled; fn != nil {
				fn(v.bg, *disabled.public(j.tenant, ""))
			}
		}
		if queued {
			v.wakeJobsAt(next.NextRun)
		}
	}
	return func(tx storage.Tx) error {
		disabled, queued = nil, false
		cur, err := webhookTable.get(tx, j.tenant, rec.ID)
		if errors.Is(err, errRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		upd := *cur
		changed := false
		if sent > 0 && upd.FailingSince != nil {
			upd.FailingSince, changed = nil, true
		}
		if next != nil && !closing {
			if upd.FailingSince == nil {
				upd.FailingSince, changed = &now, true
			}
			if upd.Status == WebhookEnabled && now.Sub(*upd.FailingSince) >= v.webhooks.disableAfter {
				upd.Status, changed = WebhookDisabled, true
				disabled = &upd
			}
		}
		if changed {
			if err := webhookTable.replace(tx, j.tenant, cur, &upd); err != nil {
				return err
			}
		}
		if disabled != nil {
			return v.emitTx(v.bg, tx, j.tenant, EventWebhookDisabled, webhookEventData(&upd))
		}
		if next != nil && upd.Status == WebhookEnabled {
			queued = true
			return insertJob(tx, j.tenant, next)
		}
		return nil
	}, nil
}

// webhookBackoff is the delay before the follow-up of attempt (1-based).
func (v *Vault) webhookBackoff(attempt int) time.Duration {
	base, ceiling := v.webhooks.backoffBase, v.webhooks.backoffCap
	d := ceiling
	if attempt < 30 {
		d = min(base<<max(attempt-1, 0), ceiling)
	}
	return d/2 + rand.N(d/2+1)
}

// wakeJobsAt signals the job queue when a follow-up comes due sooner than
// the queue's next poll would find it.
func (v *Vault) wakeJobsAt(at time.Time) {
	d := at.Sub(v.now())
	if d >= jobPollEvery {
		return
	}
	if d <= 0 {
		v.jobs.signal()
		return
	}
	v.goBackground(func(ctx context.Context) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			v.jobs.signal()
		}
	})
}

// postEvent POSTs one event to the webhook and reports whether it was
// delivered (a 2xx answer). It logs the webhook id, the event id and the
// status, never the body or the key.
func (v *Vault) postEvent(ctx context.Context, rec *webhookRecord, mac hash.Hash, eventID string, event []byte) bool {
	body := make([]byte, 0, len(event)+64)
	body = append(body, `{"event":`...)
	body = append(body, event...)
	body = append(body, `,"delivered_at":"`...)
	body = v.now().UTC().AppendFormat(body, time.RFC3339Nano)
	body = append(body, `"}`...)
	status, err := v.sendSigned(ctx, rec.URL, mac, eventID, body)
	if err == nil {
		v.log.Debug("webhook delivered", "webhook", rec.ID, "event_id", eventID, "status", status)
		return true
	}
	reason := "connection failed"
	switch {
	case errors.Is(err, errWebhookStatus):
		reason = "failure status"
	case errors.Is(err, errWebhookDestination):
		reason = "destination refused"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		reason = "timeout"
	case ctx.Err() != nil:
		reason = "vault closing"
	}
	v.log.Info("webhook delivery failed", "webhook", rec.ID, "event_id", eventID, "status", status, "reason", reason)
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sendSigned POSTs body to url, signed with mac (an HMAC-SHA256 under the
// signing key, reset here), and returns the status.
func (v *Vault) sendSigned(ctx context.Context, url string, mac hash.Hash, eventID string, body []byte) (int, error) {
	mac.Reset()
	mac.Write(body)
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	rctx, cancel := context.WithTimeout(ctx, v.webhooks.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, errWebhookDestination
	}
	req.Header = http.Header{
		"Content-Type":         {"application/json"},
		"User-Agent":           {webhookUserAgent},
		"Bt-Signature":         {sig},
		"Bt-Signature-Version": {webhookSignatureV},
		"Bt-Event-Id":          {eventID},
	}
	res, err := v.hookClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, webhookBodyLimit))
	_ = res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, errWebhookStatus
	}
	return res.StatusCode, nil
}
