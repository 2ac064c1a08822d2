package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"

	"github.com/tokenvault/vault/storage"
)

// Reactor callbacks. An asynchronous invocation made with a callback URL
// (seed 002's callback_url; the hosted platform shut it down in 2025) has
// its outcome POSTed there once it ends, completed or failed:
//
//   - the body is the invocation's [ReactResult] as JSON, what
//     [Vault.GetReactResult] returns: {"id", "reactor_id", "status",
//     "response" or "error", "created_at", "started_at", "completed_at",
//     "elapsed_ms", "expires_at"};
//   - it is signed as webhook deliveries are: BT-SIGNATURE is the base64
//     HMAC-SHA256 of the body under the invocation's own callback signing
//     key (the key string's bytes), BT-SIGNATURE-VERSION is v1, and
//     BT-EVENT-ID is the request id (de-duplicate by it: delivery is at
//     least once). The key is new for each invocation, returned once, by
//     [Vault.ReactAsyncWithCallback] (REST: "callbackSigningKey" in the 202
//     body beside asyncReactorRequestId), and sealed at rest;
//   - the destination rules are the webhooks' (https only unless
//     allow-listed with [WithWebhookHosts], no private or loopback address,
//     checked when the invocation is made, again before each POST and at
//     dial time);
//   - a POST that fails (no 2xx, a timeout, no connection) is retried by
//     the job queue with its capped exponential backoff, 10 times at most
//     (the platform retried 10 times); after that, or once the result has
//     expired, the callback is dropped and logged (ids only).
//
// Only the asynchronous invocation has a callback: a synchronous one
// returns its outcome, and a callback URL given to it is refused.

const (
	reactorCallbackKind   = "reactor.callback" // the job queue's kind of callback POSTs
	callbackJobPrefix     = "callback-"        // a callback job's id: the prefix and the request id
	callbackAttempts      = 11                 // the first POST and 10 retries
	callbackWorkers       = 4
	sealFieldCallbackKey  = "callback_key"
	callbackURLField      = "callback_url"
	callbackSyncRefusal   = "is only for react-async: a synchronous invocation returns its outcome"
	callbackNeedsKeyError = "use ReactAsyncWithCallback, which returns the key signing the callback"
)

// errCallbackFailed fails a callback attempt: it is retried.
var errCallbackFailed = errors.New("reactor callback not delivered")

// AsyncReaction is an asynchronous invocation just queued.
//
// An AsyncReaction never prints its signing key.
type AsyncReaction struct {
	// ID is the request id [Vault.GetReactResult] takes.
	ID string
	// CallbackSigningKey signs the POST of the outcome to the request's
	// callback URL; it is empty without one, and never returned again.
	CallbackSigningKey Secret
}

// ReactAsyncWithCallback is [Vault.ReactAsync] for a request that may have
// a CallbackURL: the outcome is POSTed there once the invocation ends,
// signed with the returned key (see the package documentation, "Reactors:
// asynchronous invocations"). A URL the webhooks' destination rules refuse
// is KindInvalid at the field callback_url.
func (v *Vault) ReactAsyncWithCallback(ctx context.Context, id string, req ReactRequest) (*AsyncReaction, error) {
	return v.reactAsync(ctx, "ReactAsync", id, req)
}

// checkCallbackURL validates the callback URL of an asynchronous request.
func (v *Vault) checkCallbackURL(op, raw string) error {
	if raw == "" {
		return nil
	}
	if msg := v.checkWebhookURL(raw); msg != "" {
		fe := fieldErrors{}
		fe.add(callbackURLField, "%s", msg)
		return fe.err(op)
	}
	return nil
}

// callbackJob is the job POSTing the outcome of the invocation job, queued
// when it ends. Its payload is empty: the job's id names the invocation.
func (v *Vault) callbackJob(tx storage.Tx, tenant string, job *reactorJob) error {
	if job.CallbackURL == "" {
		return nil
	}
	now := v.now().UTC()
	return jobTable.insert(tx, tenant, &jobRecord{ID: callbackJobPrefix + job.ID, Kind: reactorCallbackKind, State: jobPending, NextRun: now, CreatedAt: now})
}

// reactorCallbacks is the job queue's kind of callback POSTs.
func (v *Vault) reactorCallbacks() *jobKind {
	return &jobKind{name: reactorCallbackKind, workers: callbackWorkers, attempts: callbackAttempts, run: v.runCallback,
		dead: func(_ storage.Tx, j *runningJob, _ error) error {
			v.log.Warn("a reactor callback was dropped after its retries", "request_id", strings.TrimPrefix(j.id, callbackJobPrefix))
			return nil
		}}
}

// runCallback POSTs an invocation's outcome to its callback URL.
func (v *Vault) runCallback(ctx context.Context, j *runningJob) (func(tx storage.Tx) error, error) {
	const op = "ReactorCallback"
	requestID := strings.TrimPrefix(j.id, callbackJobPrefix)
	var job *reactorJob
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		job, err = reactorJobTable.get(tx, j.tenant, requestID)
		return err
	})
	if errors.Is(err, errRecordNotFound) || err == nil && (job.CallbackURL == "" || !v.now().Before(job.ExpiresAt)) {
		v.log.Info("a reactor callback was dropped: its result is gone", "request_id", requestID)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if v.checkWebhookURL(job.CallbackURL) != "" {
		// The allow-list changed since the invocation was made.
		v.log.Warn("a reactor callback was dropped: destination refused", "request_id", requestID)
		return nil, nil
	}
	tk, err := v.keys.Tenant(ctx, j.tenant)
	if err != nil {
		return nil, err
	}
	key, err := v.openSealed(ctx, tk, job.CallbackKey, keysAD(j.tenant, reactorJobKind, job.ID, sealFieldCallbackKey))
	if err != nil {
		return nil, err
	}
	defer clear(key)
	res, err := v.reactResult(ctx, tk, j.tenant, job)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	defer clear(body)
	status, err := v.sendSigned(ctx, job.CallbackURL, hmac.New(sha256.New, key), job.ID, body)
	if err != nil {
		v.log.Info("reactor callback failed", "request_id", requestID, "status", status, "attempt", j.attempt)
		return nil, errCallbackFailed
	}
	v.log.Debug("reactor callback delivered", "request_id", requestID, "status", status)
	return nil, nil
}
