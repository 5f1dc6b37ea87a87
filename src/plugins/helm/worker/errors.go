package main

import (
	"context"
	"errors"
)

// Error codes: which step of a request failed, sent beside the message (response.Code), so
// spe never has to recover the reason from helm's text. worker-client.ts maps each to the
// reason on the API object's condition; keep the two lists in step.
const (
	// codeBadRequest: the request itself is malformed (no namespace, no chart, unknown op).
	codeBadRequest = "bad-request"
	// codeChartNotFound: the chart could not be located or downloaded (no such chart in the
	// repository or registry, or the source cannot be reached).
	codeChartNotFound = "chart-not-found"
	// codeChartVersionNotFound: the chart is there, but not in the version (tag) asked for.
	codeChartVersionNotFound = "chart-version-not-found"
	// codeChartAuthFailed: the chart's registry or repository refused the credentials (or
	// wants some and got none).
	codeChartAuthFailed = "chart-auth-failed"
	// codeChartTLSFailed: the chart's server presented a certificate the request's CA bundle
	// (and the system's) does not vouch for, or spoke no TLS.
	codeChartTLSFailed = "chart-tls-failed"
	// codeRenderFailed: a template request failed (template error, values the chart refuses).
	codeRenderFailed = "render-failed"
	// codeInstallFailed: an install failed (rendering it included: helm renders as it installs).
	codeInstallFailed = "install-failed"
	// codeUpgradeFailed: an upgrade failed.
	codeUpgradeFailed = "upgrade-failed"
	// codeUninstallFailed: an uninstall failed.
	codeUninstallFailed = "uninstall-failed"
	// codeRollbackFailed: a rollback failed.
	codeRollbackFailed = "rollback-failed"
	// codeTimeout: helm's --timeout (hooks) or another deadline ran out, whatever the step.
	codeTimeout = "timeout"
	// codeCancelled: spe cancelled the request, or the worker is stopping.
	codeCancelled = "cancelled"
	// codeInternal: the Helm SDK panicked.
	codeInternal = "internal"
)

// codedError is an error that names the step it comes from.
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// withCode names the step err comes from; nil stays nil.
func withCode(code string, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// codeOf is the code of a failed request: a deadline or a cancellation wins over the step
// it interrupted, then the step named (the outermost, where named steps nest), else the
// request's own (fallback).
func codeOf(err error, fallback string) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codeTimeout
	case errors.Is(err, context.Canceled):
		return codeCancelled
	}
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.code
	}
	return fallback
}
