package sandbox

import (
	"math"
	"net/http"

	"github.com/dop251/goja"
)

// sdkModuleName is the npm name reactors require the error classes by.
const sdkModuleName = "@basis-theory/basis-theory-reactor-formulas-sdk-js"

// fallbackErrorMessage is the SDK's text for an error without a message.
const fallbackErrorMessage = "Something went wrong. Please try again. If the problem persists, please contact support@basistheory.com."

// sdkSource re-implements @basis-theory/basis-theory-reactor-formulas-sdk-js
// 1.5.3 (src/errors/*.js): the same classes, statuses, messages and errors
// normalisation, quirks included. In particular an object met twice while
// stringifying reads "[Circular]", a null nested in errors makes WeakSet.add
// throw so the whole normalisation falls back, and a top-level null errors
// value gives {} (typeof null is 'object'), not the fallback.
// InvalidReactorFormulaError is defined but, as in the SDK, not exported.
const sdkSource = `(function (module) {
'use strict';
const FALLBACK = ` + "'" + fallbackErrorMessage + "'" + `;

function stringifyMarkingRepeats(input) {
  const met = new WeakSet();
  return JSON.stringify(input, function (key, value) {
    if (typeof value === 'object' && value !== undefined) {
      if (met.has(value)) return '[Circular]';
      met.add(value);
    }
    return value;
  });
}

function messages(list) {
  return list.map(function (item) {
    if (typeof item === 'object') return stringifyMarkingRepeats(item);
    return item?.toString() ?? FALLBACK;
  });
}

function normalise(errors) {
  const out = {};
  try {
    if (Array.isArray(errors)) {
      out.error = messages(errors);
    } else if (errors instanceof Error) {
      if (errors.message) out.error = [errors.message];
      else if (errors.name !== 'Error') out.error = [errors.name];
      else out.error = [FALLBACK];
    } else if (typeof errors === 'object') {
      for (const key in errors) {
        const value = errors[key];
        if (Array.isArray(value)) out[key] = messages(value);
        else if (typeof value === 'object') out[key] = [stringifyMarkingRepeats(value)];
        else if (value) out[key] = [value.toString()];
        else out[key] = [FALLBACK];
      }
    } else if (typeof errors === 'string') {
      out.error = [errors];
    } else if (errors) {
      out.error = [errors.toString()];
    } else {
      out.error = [FALLBACK];
    }
  } catch {
    out.error = [FALLBACK];
  }
  return out;
}

class BasisTheoryReactorError extends Error {
  constructor({ message, status, errors }) {
    super(message);
    this.name = 'BasisTheoryReactorError';
    this.status = status;
    this.errors = normalise(errors);
  }

  toRFC7807() {
    return { detail: this.message, status: this.status, errors: this.errors };
  }
}

function errorClass(name, message, status) {
  const cls = class extends BasisTheoryReactorError {
    constructor(errors) {
      super({ message: message, status: status, errors: errors });
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

class CustomHttpResponseError extends Error {
  constructor({ status, headers, body }) {
    super();
    this.name = 'CustomHttpResponseError';
    const parsed = Number.parseInt(status);
    if (parsed !== status || parsed < 100 || parsed > 599) {
      throw new Error('status is not a valid integer');
    }
    this.status = parsed;
    this.headers = headers ?? {};
    this.body = body ?? {};
  }

  toResponseBody() {
    return { status: this.status, headers: this.headers, body: this.body };
  }
}

const classes = {
  AuthenticationError: errorClass('AuthenticationError', 'Authentication Failed', 401),
  AuthorizationError: errorClass('AuthorizationError', 'Forbidden', 403),
  BadRequestError: errorClass('BadRequestError', 'Bad Request', 400),
  InvalidPaymentMethodError: errorClass('InvalidPaymentMethodError', 'Invalid Payment Method', 402),
  InvalidReactorConfigurationError: errorClass('InvalidReactorConfigurationError', 'Invalid Reactor Configuration', 400),
  InvalidReactorFormulaError: errorClass('InvalidReactorFormulaError', 'Invalid Reactor Formula', 422),
  RateLimitError: errorClass('RateLimitError', 'Rate Limit Exceeded', 429),
  ReactorRuntimeError: errorClass('ReactorRuntimeError', 'Reactor Runtime Error', 500),
  ServiceUnavailableError: errorClass('ServiceUnavailableError', 'Service Unavailable', 503),
};

module.exports = {
  BasisTheoryReactorError,
  AuthenticationError: classes.AuthenticationError,
  AuthorizationError: classes.AuthorizationError,
  BadRequestError: classes.BadRequestError,
  CustomHttpResponseError,
  InvalidPaymentMethodError: classes.InvalidPaymentMethodError,
  InvalidReactorConfigurationError: classes.InvalidReactorConfigurationError,
  RateLimitError: classes.RateLimitError,
  ReactorRuntimeError: classes.ReactorRuntimeError,
  ServiceUnavailableError: classes.ServiceUnavailableError,
};
// The sandbox maps thrown values with these; they are not reachable from
// the module's exports.
return { classes: classes, base: BasisTheoryReactorError, custom: CustomHttpResponseError };
})`

var sdkProgram = goja.MustCompile("reactor-formulas-sdk.js", sdkSource, false)

// sdkClassOrder lists the classes from the most specific; the base is last.
var sdkClassOrder = []string{"AuthenticationError", "AuthorizationError", "BadRequestError",
	"InvalidPaymentMethodError", "InvalidReactorConfigurationError", "InvalidReactorFormulaError",
	"RateLimitError", "ReactorRuntimeError", "ServiceUnavailableError"}

type sdkRefs struct {
	exports goja.Value
	base    *goja.Object
	custom  *goja.Object
	classes map[string]*goja.Object
}

// loadSDK instantiates the SDK in this runtime once; require and the error
// mapping share the instance, so instanceof works across both.
func (inv *invocation) loadSDK() *sdkRefs {
	if inv.sdk != nil {
		return inv.sdk
	}
	rt := inv.rt
	f, err := rt.RunProgram(sdkProgram)
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(f)
	module := rt.NewObject()
	internal, err := fn(goja.Undefined(), module)
	if err != nil {
		panic(err)
	}
	in := internal.ToObject(rt)
	refs := &sdkRefs{exports: module.Get("exports"), base: in.Get("base").ToObject(rt),
		custom: in.Get("custom").ToObject(rt), classes: make(map[string]*goja.Object)}
	cls := in.Get("classes").ToObject(rt)
	for _, name := range sdkClassOrder {
		refs.classes[name] = cls.Get(name).ToObject(rt)
	}
	inv.sdk = refs
	return refs
}

// thrownValue maps a thrown or rejected value to a ReactorError as the
// platform does: an SDK error keeps its status, a CustomHttpResponseError
// passes through, anything else is wrapped in a ReactorRuntimeError.
func (inv *invocation) thrownValue(v goja.Value) error {
	rt := inv.rt
	var out error
	ex := rt.Try(func() {
		refs := inv.loadSDK()
		if o, ok := v.(*goja.Object); ok {
			if rt.InstanceOf(o, refs.custom) {
				c, err := inv.customError(o)
				switch {
				case err != nil:
					out = err
					return
				case c != nil:
					out = c
					return
				}
			} else if rt.InstanceOf(o, refs.base) {
				out = inv.sdkError(o, refs)
				return
			}
		}
		wrapped, err := rt.New(refs.classes["ReactorRuntimeError"], v)
		if err != nil {
			panic(err)
		}
		out = inv.sdkError(wrapped, refs)
	})
	if ex != nil || out == nil {
		return inv.limitOr(runtimeError(fallbackErrorMessage))
	}
	return inv.limitOr(out)
}

func (inv *invocation) sdkError(o *goja.Object, refs *sdkRefs) *ReactorError {
	e := &ReactorError{Status: 500, Name: "BasisTheoryReactorError"}
	for _, name := range sdkClassOrder {
		if inv.rt.InstanceOf(o, refs.classes[name]) {
			e.Name = name
			break
		}
	}
	if s, ok := httpStatus(o.Get("status")); ok {
		e.Status = s
	}
	if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
		e.Detail = m.String()
	}
	e.Errors = inv.errorsMap(o.Get("errors"))
	return e
}

// customError maps a CustomHttpResponseError, or returns nil when the
// reactor broke it after construction (then it is a runtime error).
func (inv *invocation) customError(o *goja.Object) (*ReactorError, error) {
	status, ok := httpStatus(o.Get("status"))
	if !ok {
		return nil, nil
	}
	c := &CustomResponse{Status: status, Headers: http.Header{}}
	if h, ok := o.Get("headers").(*goja.Object); ok {
		for _, k := range h.Keys() {
			v := h.Get(k)
			if arr, ok := v.(*goja.Object); ok && arr.ClassName() == "Array" {
				for i := range min(lengthOf(arr), 100) {
					c.Headers.Add(k, arr.Get(itoa(i)).String())
				}
				continue
			}
			if v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
				c.Headers.Add(k, v.String())
			}
		}
	}
	body, err := inv.encode(o.Get("body"), inv.limits.MaxPayload)
	if err != nil {
		return nil, inv.encodeError(err, "custom response body")
	}
	if body == nil {
		body = []byte("{}")
	}
	c.Body = body
	return &ReactorError{Status: status, Name: "CustomHttpResponseError", Custom: c}, nil
}

// httpStatus accepts an integer in 100..599.
func httpStatus(v goja.Value) (int, bool) {
	if v == nil || !goja.IsNumber(v) {
		return 0, false
	}
	f := v.ToFloat()
	if f != math.Trunc(f) || f < 100 || f > 599 {
		return 0, false
	}
	return int(f), true
}

// errorsMap converts the normalised errors object to Go; values that are not
// arrays of strings (a reactor may reassign e.errors) are stringified.
func (inv *invocation) errorsMap(v goja.Value) map[string][]string {
	o, ok := v.(*goja.Object)
	if !ok {
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return nil
		}
		return map[string][]string{"error": {v.String()}}
	}
	out := make(map[string][]string)
	for _, k := range o.Keys() {
		val := o.Get(k)
		if arr, ok := val.(*goja.Object); ok && arr.ClassName() == "Array" {
			n := min(lengthOf(arr), 1000)
			list := make([]string, 0, n)
			for i := range n {
				list = append(list, jsString(arr.Get(itoa(i))))
			}
			out[k] = list
			continue
		}
		out[k] = []string{jsString(val)}
	}
	return out
}

func jsString(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	return v.String()
}
