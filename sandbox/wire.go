package sandbox

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tokenvault/vault/internal/binrec"
)

// The frames between the host and a worker process (see the package
// documentation, section Isolation). A frame is a 4-byte big-endian length,
// a type byte and binrec fields. The worker is untrusted: the host bounds
// every frame it reads and decodes nothing it does not check.
const (
	frameInit      byte = iota + 1 // host → worker: limits and allowed hosts, once
	frameReady                     // worker → host: limits applied, ready for runs
	frameRun                       // host → worker: one invocation
	frameCall                      // worker → host: a req.bt call
	frameCallReply                 // host → worker: its outcome
	frameHTTP                      // worker → host: an outbound HTTP request
	frameHTTPReply                 // host → worker: its response or failure
	frameDone                      // worker → host: the invocation's outcome
	frameCancel                    // worker → host: a call or request it no longer waits for
)

// errProtocol reports a frame that breaks the protocol: the worker is killed.
var errProtocol = errors.New("sandbox: worker protocol violation")

// frameConn reads and writes frames; writes are serialised, reads are not
// (one goroutine reads).
type frameConn struct {
	r   *bufio.Reader
	max int // largest frame accepted

	wmu sync.Mutex
	w   io.Writer
}

func newFrameConn(r io.Reader, w io.Writer, max int) *frameConn {
	return &frameConn{r: bufio.NewReaderSize(r, 64<<10), w: w, max: max}
}

// read returns the next frame's type and fields (a fresh slice).
func (c *frameConn) read() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n < 1 || n-1 > c.max {
		return 0, nil, errProtocol
	}
	body := make([]byte, n-1)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return 0, nil, err
	}
	return hdr[4], body, nil
}

// write sends one frame whose fields are in w.B.
func (c *frameConn) write(typ byte, fields *binrec.Writer) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var hdr [5]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(fields.B)+1))
	hdr[4] = typ
	if _, err := c.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := c.w.Write(fields.B)
	return err
}

// putInt writes a signed integer field (zero writes nothing).
func putInt(w *binrec.Writer, tag byte, v int64) {
	if v == 0 {
		return
	}
	var buf [binary.MaxVarintLen64]byte
	w.Bytes(tag, buf[:binary.PutVarint(buf[:], v)])
}

// getInt decodes a field written by putInt.
func getInt(p []byte) (int64, error) {
	v, k := binary.Varint(p)
	if k <= 0 || k != len(p) {
		return 0, binrec.ErrMalformed
	}
	return v, nil
}

// fieldDecoder collects the first decoding error of a frame's fields.
type fieldDecoder struct{ err error }

func (d *fieldDecoder) int(p []byte) int64 {
	v, err := getInt(p)
	if err != nil && d.err == nil {
		d.err = err
	}
	return v
}

func (d *fieldDecoder) fail(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

// Tags of frameInit: the Limits fields, the allowed hosts and the cache size.
const (
	initTimeout byte = iota + 1
	initMaxCodeSize
	initMaxPayload
	initMaxCallStackSize
	initMaxLogBytes
	initMemoryBudget
	initMaxArrayLength
	initMaxStringLength
	initMaxBufferSize
	initMaxHTTPBody
	initHosts
	initCacheSize
)

func encodeInit(l Limits, hosts []string, cacheSize int) *binrec.Writer {
	w := &binrec.Writer{}
	for _, f := range [...]struct {
		tag byte
		v   int64
	}{
		{initTimeout, int64(l.Timeout)}, {initMaxCodeSize, int64(l.MaxCodeSize)}, {initMaxPayload, int64(l.MaxPayload)},
		{initMaxCallStackSize, int64(l.MaxCallStackSize)}, {initMaxLogBytes, int64(l.MaxLogBytes)},
		{initMemoryBudget, l.MemoryBudget}, {initMaxArrayLength, int64(l.MaxArrayLength)},
		{initMaxStringLength, int64(l.MaxStringLength)}, {initMaxBufferSize, int64(l.MaxBufferSize)},
		{initMaxHTTPBody, l.MaxHTTPBody}, {initCacheSize, int64(cacheSize)},
	} {
		putInt(w, f.tag, f.v)
	}
	w.Strings(initHosts, hosts)
	return w
}

func decodeInit(b []byte) (l Limits, hosts []string, cacheSize int, err error) {
	var d fieldDecoder
	err = binrec.Fields(b, func(tag byte, p []byte) error {
		switch tag {
		case initTimeout:
			l.Timeout = time.Duration(d.int(p))
		case initMaxCodeSize:
			l.MaxCodeSize = int(d.int(p))
		case initMaxPayload:
			l.MaxPayload = int(d.int(p))
		case initMaxCallStackSize:
			l.MaxCallStackSize = int(d.int(p))
		case initMaxLogBytes:
			l.MaxLogBytes = int(d.int(p))
		case initMemoryBudget:
			l.MemoryBudget = d.int(p)
		case initMaxArrayLength:
			l.MaxArrayLength = int(d.int(p))
		case initMaxStringLength:
			l.MaxStringLength = int(d.int(p))
		case initMaxBufferSize:
			l.MaxBufferSize = int(d.int(p))
		case initMaxHTTPBody:
			l.MaxHTTPBody = d.int(p)
		case initCacheSize:
			cacheSize = int(d.int(p))
		case initHosts:
			var err error
			hosts, err = binrec.Strings(p, nil)
			d.fail(err)
		}
		return d.err
	})
	return l, hosts, cacheSize, err
}

// Tags of frameRun.
const (
	runHash byte = iota + 1
	runCode
	runArgs
	runConfiguration
	runHost
	runTimeout
	runConvention
)

// runFrame is one invocation as the worker receives it.
type runFrame struct {
	hash    [32]byte
	code    string // empty when the worker has compiled this hash before
	args    []byte
	config  map[string]string
	host    bool
	timeout time.Duration
	conv    Convention
}

func encodeRun(prog *Program, withCode bool, req Request, timeout time.Duration) *binrec.Writer {
	w := &binrec.Writer{B: make([]byte, 0, len(req.Args)+64)}
	w.Bytes(runHash, prog.hash[:])
	if withCode {
		w.String(runCode, prog.code)
	}
	w.Bytes(runArgs, req.Args)
	if len(req.Configuration) > 0 {
		w.Map(runConfiguration, req.Configuration)
	}
	if req.Host != nil {
		t := true
		w.Bool(runHost, &t)
	}
	putInt(w, runTimeout, int64(timeout))
	if req.Convention != ConventionReactor {
		putInt(w, runConvention, int64(req.Convention))
	}
	return w
}

func decodeRun(b []byte) (*runFrame, error) {
	r := &runFrame{}
	var d fieldDecoder
	err := binrec.Fields(b, func(tag byte, p []byte) error {
		var err error
		switch tag {
		case runHash:
			if len(p) != len(r.hash) {
				return binrec.ErrMalformed
			}
			copy(r.hash[:], p)
		case runCode:
			r.code = string(p)
		case runArgs:
			r.args = p
		case runConfiguration:
			r.config, err = binrec.Map(p)
		case runHost:
			r.host, err = binrec.Bool(p)
		case runTimeout:
			r.timeout = time.Duration(d.int(p))
		case runConvention:
			r.conv = Convention(d.int(p))
		}
		d.fail(err)
		return d.err
	})
	return r, err
}

// Tags of frameCall, frameCallReply, frameHTTP and frameHTTPReply.
const (
	callID byte = iota + 1
	callMethod
	callArgs    // frameCall: the JSON arguments
	callBody    // replies: the response body; frameHTTP: the request body
	callStatus  // replies: 0 for success, an HTTP status, or -1 for a failure without one
	callURL     // frameHTTP, frameHTTPReply: the final URL
	callHeaders // frameHTTP, frameHTTPReply: name, value, name, value...
	callReason  // frameHTTPReply: why the request failed (no response)
	callStatusText
)

// httpReply is a worker's view of a host HTTP round trip.
type httpReply struct {
	status     int
	statusText string
	body       []byte
	reason     string // set when there is no response
}

func headerList(h http.Header) []string {
	out := make([]string, 0, 2*len(h))
	for _, k := range sortedHeaderKeys(h) {
		for _, v := range h[k] {
			out = append(out, k, v)
		}
	}
	return out
}

func headerFrom(list []string) (http.Header, error) {
	if len(list)%2 != 0 {
		return nil, binrec.ErrMalformed
	}
	h := make(http.Header, len(list)/2)
	for i := 0; i < len(list); i += 2 {
		h[list[i]] = append(h[list[i]], list[i+1])
	}
	return h, nil
}

// Outcomes of frameDone.
const (
	outcomeOK = iota
	outcomeReactor
	outcomeLimit
	outcomeCanceled
)

// Tags of frameDone.
const (
	doneOutcome byte = iota + 1
	doneRaw
	doneTokenize
	doneLogs
	doneLogsTruncated
	doneStatus
	doneName
	doneDetail
	doneErrors // JSON
	doneCustom // JSON of wireCustom
	doneLimit
	doneMax
	doneWhat
	doneCPU // the worker's CPU time so far, nanoseconds
)

type wireCustom struct {
	Status  int             `json:"status"`
	Headers http.Header     `json:"headers,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
}

func encodeDone(res *Result, err error, cpu time.Duration) *binrec.Writer {
	w := &binrec.Writer{}
	if res != nil {
		w.Bytes(doneRaw, res.Raw)
		w.Bytes(doneTokenize, res.Tokenize)
		if len(res.Logs) > 0 {
			items := make([][]byte, len(res.Logs))
			for i, e := range res.Logs {
				var lw binrec.Writer
				lw.String(1, e.Level)
				lw.String(2, e.Message)
				items[i] = lw.B
			}
			w.List(doneLogs, items)
		}
		if res.LogsTruncated {
			t := true
			w.Bool(doneLogsTruncated, &t)
		}
	}
	putInt(w, doneCPU, int64(cpu))
	var re *ReactorError
	var le *LimitError
	switch {
	case err == nil:
		putInt(w, doneOutcome, outcomeOK)
	case errors.As(err, &re):
		putInt(w, doneOutcome, outcomeReactor)
		putInt(w, doneStatus, int64(re.Status))
		w.String(doneName, re.Name)
		w.String(doneDetail, re.Detail)
		if re.Errors != nil {
			b, _ := json.Marshal(re.Errors)
			w.Bytes(doneErrors, b)
		}
		if re.Custom != nil {
			b, _ := json.Marshal(wireCustom{Status: re.Custom.Status, Headers: re.Custom.Headers, Body: re.Custom.Body})
			w.Bytes(doneCustom, b)
		}
	case errors.As(err, &le):
		putInt(w, doneOutcome, outcomeLimit)
		putInt(w, doneLimit, int64(le.Limit))
		putInt(w, doneMax, le.Max)
		w.String(doneWhat, le.What)
	default:
		putInt(w, doneOutcome, outcomeCanceled)
	}
	return w
}

// decodeDone rebuilds a Run's outcome from the worker's frame, and checks
// it is one the worker code could have built under l: raw, tokenize and a
// custom response body are JSON within MaxPayload, logs are within
// MaxLogBytes (an entry costing its bytes and a newline) and of a console
// level, a custom response's status is its error's. The host hands these
// on (the vault tokenizes tokenize, httpapi writes a custom body as it is),
// so a compromised worker must not get past the limits in-process code
// keeps to.
func decodeDone(b []byte, l *Limits) (res *Result, runErr error, cpu time.Duration, err error) {
	res, runErr, cpu, err = decodeDoneFields(b)
	if err != nil {
		return nil, nil, 0, err
	}
	payload := func(p json.RawMessage) bool { return p == nil || len(p) <= l.MaxPayload && json.Valid(p) }
	if !payload(res.Raw) || !payload(res.Tokenize) {
		return nil, nil, 0, errProtocol
	}
	logBytes := 0
	for _, e := range res.Logs {
		logBytes += len(e.Message) + 1
		if !consoleLevels[e.Level] || logBytes > l.MaxLogBytes {
			return nil, nil, 0, errProtocol
		}
	}
	var re *ReactorError
	if errors.As(runErr, &re) && re.Custom != nil {
		if re.Custom.Status != re.Status || re.Name != "CustomHttpResponseError" || !payload(re.Custom.Body) {
			return nil, nil, 0, errProtocol
		}
	}
	return res, runErr, cpu, nil
}

// consoleLevels are the levels of LogEntry (see console.go).
var consoleLevels = map[string]bool{"debug": true, "info": true, "warn": true, "error": true}

func decodeDoneFields(b []byte) (res *Result, runErr error, cpu time.Duration, err error) {
	res = &Result{}
	var d fieldDecoder
	outcome := int64(outcomeOK)
	re := &ReactorError{}
	le := &LimitError{}
	err = binrec.Fields(b, func(tag byte, p []byte) error {
		var err error
		switch tag {
		case doneOutcome:
			outcome = d.int(p)
		case doneRaw:
			res.Raw = json.RawMessage(p)
		case doneTokenize:
			res.Tokenize = json.RawMessage(p)
		case doneLogs:
			var items [][]byte
			if items, err = binrec.List(p); err == nil {
				res.Logs = make([]LogEntry, 0, len(items))
				for _, it := range items {
					var e LogEntry
					err = binrec.Fields(it, func(tag byte, p []byte) error {
						switch tag {
						case 1:
							e.Level = string(p)
						case 2:
							e.Message = string(p)
						}
						return nil
					})
					if err != nil {
						break
					}
					res.Logs = append(res.Logs, e)
				}
			}
		case doneLogsTruncated:
			res.LogsTruncated, err = binrec.Bool(p)
		case doneStatus:
			re.Status = int(d.int(p))
		case doneName:
			re.Name = string(p)
		case doneDetail:
			re.Detail = string(p)
		case doneErrors:
			err = json.Unmarshal(p, &re.Errors)
		case doneCustom:
			var c wireCustom
			if err = json.Unmarshal(p, &c); err == nil {
				re.Custom = &CustomResponse{Status: c.Status, Headers: c.Headers, Body: c.Body}
			}
		case doneLimit:
			le.Limit = Limit(d.int(p))
		case doneMax:
			le.Max = d.int(p)
		case doneWhat:
			le.What = string(p)
		case doneCPU:
			cpu = time.Duration(d.int(p))
		}
		d.fail(err)
		return d.err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	switch outcome {
	case outcomeOK:
		return res, nil, cpu, nil
	case outcomeReactor:
		if re.Status < 100 || re.Status > 599 || re.Name == "" {
			return nil, nil, 0, errProtocol
		}
		return res, re, cpu, nil
	case outcomeLimit:
		if le.Limit < LimitTimeout || le.Limit > LimitPayload {
			return nil, nil, 0, errProtocol
		}
		return res, le, cpu, nil
	case outcomeCanceled:
		return res, fmt.Errorf("sandbox: run canceled in the worker: %w", errWorkerCanceled), cpu, nil
	}
	return nil, nil, 0, errProtocol
}

var errWorkerCanceled = errors.New("canceled")
