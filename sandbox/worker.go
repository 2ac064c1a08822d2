package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/dlclark/regexp2/v2"

	"github.com/tokenvault/vault/internal/binrec"
)

// workerEnv marks a process started as a reactor worker; see init.
const (
	workerEnv      = "VAULT_SANDBOX_WORKER"
	workerEnvValue = "1"
)

// init turns a process started by a worker pool into a worker: it serves
// invocations on stdin and stdout and exits, before the program's own
// packages are initialised or its main runs. Any binary that imports this
// package can therefore be its own worker (the default command is the
// running executable), including test binaries.
func init() {
	if os.Getenv(workerEnv) != workerEnvValue {
		return
	}
	os.Exit(serveWorker(os.Stdin, os.Stdout))
}

// serveWorker is the worker's main loop: one init frame, then runs, one at
// a time, until the host closes stdin. It returns the exit code.
func serveWorker(in io.Reader, out io.Writer) int {
	// The host's frames are trusted; their bound only guards against a
	// broken pipe.
	conn := newFrameConn(in, out, 1<<30)
	typ, body, err := conn.read()
	if err != nil || typ != frameInit {
		return 3
	}
	limits, hosts, cacheSize, err := decodeInit(body)
	if err != nil {
		return 3
	}
	// A runaway match here ends as the invocation's timeout: the host kills
	// the worker, which nothing else shares.
	regexp2.DefaultMatchTimeout = max(limits.Timeout, RegexMatchTimeout)
	w := &workerState{conn: conn, calls: map[int64]chan reply{}}
	s, err := New(WithLimits(limits), WithAllowedHosts(hosts...), WithTransport(w), WithCacheSize(max(cacheSize, 1)))
	if err != nil {
		return 3
	}
	if err := applyWorkerLimits(limits); err != nil {
		return 4
	}
	if err := conn.write(frameReady, &binrec.Writer{}); err != nil {
		return 0
	}
	runs := make(chan *runFrame)
	go w.readLoop(runs)
	for r := range runs {
		if err := w.serveRun(s, r); err != nil {
			return 0
		}
	}
	return 0
}

// reply is a host answer to a call or an HTTP request.
type reply struct {
	typ  byte
	body []byte
}

// workerState is the worker's side of the pipe: the pending calls and
// HTTP requests, by id. It is the sandbox's Host and transport, forwarding
// both to the host process.
type workerState struct {
	conn *frameConn

	mu     sync.Mutex
	next   int64
	calls  map[int64]chan reply
	broken bool
}

// readLoop reads the host's frames: runs go to runs, replies to their caller.
func (w *workerState) readLoop(runs chan<- *runFrame) {
	defer close(runs)
	defer w.breakAll()
	for {
		typ, body, err := w.conn.read()
		if err != nil {
			return
		}
		switch typ {
		case frameRun:
			r, err := decodeRun(body)
			if err != nil {
				return
			}
			runs <- r
		case frameCallReply, frameHTTPReply:
			var id int64
			_ = binrec.Fields(body, func(tag byte, p []byte) error {
				if tag == callID {
					id, _ = getInt(p)
				}
				return nil
			})
			w.mu.Lock()
			ch := w.calls[id]
			delete(w.calls, id)
			w.mu.Unlock()
			if ch != nil {
				ch <- reply{typ, body}
			}
		default:
			return
		}
	}
}

// breakAll fails the pending calls once the host is gone.
func (w *workerState) breakAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.broken = true
	for id, ch := range w.calls {
		close(ch)
		delete(w.calls, id)
	}
}

var errHostGone = errors.New("sandbox: the host closed the pipe")

// roundTrip sends a frame of typ with a fresh id and waits for its reply.
func (w *workerState) roundTrip(ctx context.Context, typ byte, fields func(*binrec.Writer)) ([]byte, error) {
	ch := make(chan reply, 1)
	w.mu.Lock()
	if w.broken {
		w.mu.Unlock()
		return nil, errHostGone
	}
	w.next++
	id := w.next
	w.calls[id] = ch
	w.mu.Unlock()
	fw := &binrec.Writer{}
	putInt(fw, callID, id)
	fields(fw)
	if err := w.conn.write(typ, fw); err != nil {
		return nil, errHostGone
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, errHostGone
		}
		return r.body, nil
	case <-ctx.Done():
		w.mu.Lock()
		delete(w.calls, id)
		w.mu.Unlock()
		cw := &binrec.Writer{}
		putInt(cw, callID, id)
		_ = w.conn.write(frameCancel, cw)
		return nil, context.Cause(ctx)
	}
}

// Call forwards a req.bt call to the host.
func (w *workerState) Call(ctx context.Context, method string, args []json.RawMessage) (json.RawMessage, error) {
	body, err := w.roundTrip(ctx, frameCall, func(fw *binrec.Writer) {
		fw.String(callMethod, method)
		items := make([][]byte, len(args))
		for i, a := range args {
			items[i] = a
		}
		fw.List(callArgs, items)
	})
	if err != nil {
		return nil, err
	}
	var d fieldDecoder
	var out []byte
	var status int64
	if err := binrec.Fields(body, func(tag byte, p []byte) error {
		switch tag {
		case callBody:
			out = p
		case callStatus:
			status = d.int(p)
		}
		return d.err
	}); err != nil {
		return nil, err
	}
	switch {
	case status == 0:
		return out, nil
	case status > 0:
		return nil, &hostHTTPError{status: int(status), body: out}
	}
	return nil, errors.New("sandbox: host call failed")
}

// hostHTTPError is a host's HTTP error as the worker sees it.
type hostHTTPError struct {
	status int
	body   json.RawMessage
}

func (e *hostHTTPError) Error() string {
	return "sandbox: host call failed with " + strconv.Itoa(e.status)
}
func (e *hostHTTPError) Status() int           { return e.status }
func (e *hostHTTPError) Body() json.RawMessage { return e.body }

// RoundTrip forwards an outbound HTTP request to the host, which checks its
// destination again and sends it on its own transport.
func (w *workerState) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	out, err := w.roundTrip(req.Context(), frameHTTP, func(fw *binrec.Writer) {
		fw.String(callMethod, req.Method)
		fw.String(callURL, req.URL.String())
		fw.Strings(callHeaders, headerList(req.Header))
		fw.Bytes(callBody, body)
	})
	if err != nil {
		return nil, err
	}
	var d fieldDecoder
	r := httpReply{}
	var headers []string
	if err := binrec.Fields(out, func(tag byte, p []byte) error {
		var err error
		switch tag {
		case callStatus:
			r.status = int(d.int(p))
		case callStatusText:
			r.statusText = string(p)
		case callHeaders:
			headers, err = binrec.Strings(p, nil)
		case callBody:
			r.body = p
		case callReason:
			r.reason = string(p)
		}
		d.fail(err)
		return d.err
	}); err != nil {
		return nil, err
	}
	if r.reason != "" || r.status == 0 {
		return nil, errors.New(r.reason)
	}
	h, err := headerFrom(headers)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status: strconv.Itoa(r.status) + " " + r.statusText, StatusCode: r.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(r.body)), ContentLength: int64(len(r.body)), Request: req,
	}, nil
}

// serveRun runs one invocation and reports it; the error is the pipe's.
func (w *workerState) serveRun(s *Sandbox, r *runFrame) error {
	prog := s.cache.get(r.hash)
	var err error
	if prog == nil {
		if r.code == "" {
			return errProtocol
		}
		prog, err = s.Compile(r.code)
	}
	var res *Result
	if err == nil {
		req := Request{Args: r.args, Configuration: r.config, Timeout: r.timeout, Convention: r.conv}
		if r.host {
			req.Host = w
		}
		res, err = s.Run(context.Background(), prog, req)
	} else {
		err = runtimeError(fallbackErrorMessage)
	}
	cpu := processCPU()
	return w.conn.write(frameDone, encodeDone(res, err, cpu))
}
